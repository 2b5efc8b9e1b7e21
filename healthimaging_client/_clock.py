"""The one clock a client reads and waits on: retries, pacing and waiters all use it.

A client takes any object with ``monotonic()`` and ``async sleep(seconds)``
as ``clock=``. Tests pass :class:`healthimaging_client.testing.FakeClock`,
whose sleep moves its own time on and returns at once, so waits cost nothing.
``Client`` runs its calls without an event loop: its clock's ``sleep`` must
finish without suspending (block, or just advance time), as the default does.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What a client needs of time: a monotonic reading in seconds, and a way to wait."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class BlockingClock:
    """``Client``'s default: the system's monotonic clock, and a sleep that blocks the thread."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class AsyncioClock:
    """``AsyncClient``'s default: the system's monotonic clock, and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        import asyncio  # only async programs pay for importing asyncio

        await asyncio.sleep(seconds)
