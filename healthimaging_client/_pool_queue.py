"""``AsyncClient``'s queue for the connection pool: first come, first served, and an attempt's deadline around it all.

httpx's own pool wait is not fair (a caller that frees a connection may take
it straight back) and does not cover reading the body; an :class:`Exchange`
queues through a :class:`FifoGate` and keeps the whole attempt within its
deadline with ``asyncio.timeout``.
"""

from __future__ import annotations

import time
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from ._deadlines import Deadline


class FifoGate:
    """At most ``size`` holders. Waiters are served first come, first served: a freed slot goes
    straight to the oldest waiter, so a caller that frees one and asks again queues behind it."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, wait: float | None) -> bool:
        """Take a slot within ``wait`` seconds (None: for ever); False when the time ran out first."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        import asyncio

        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(wait):
                await waiter
        except TimeoutError:
            return self._gave_up(waiter)
        except BaseException:
            self._gave_up(waiter)
            raise
        return True

    def _gave_up(self, waiter: asyncio.Future[None]) -> bool:
        """A waiter stopped waiting: a slot handed to it meanwhile goes on to the next one (release skips the rest)."""
        if waiter.done() and not waiter.cancelled():
            self.release()
        return False

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class Exchange:
    """One attempt's exchange on asyncio: a slot of the pool (queued fairly, within the ``pool`` timeout),
    then everything up to the end of the body within the attempt's deadline."""

    def __init__(self, gate: FifoGate, deadline: Deadline) -> None:
        self._gate = gate
        self._deadline = deadline
        self._scope: asyncio.Timeout | None = None

    async def __aenter__(self) -> None:
        import asyncio

        wait, too_long = self._deadline.pool_wait(time.monotonic())
        if not await self._gate.acquire(wait):
            raise too_long
        left = self._deadline.left(time.monotonic())  # relative: a loop's own clock may not be time.monotonic()
        self._scope = asyncio.timeout(None if left == float("inf") else left)
        await self._scope.__aenter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._scope is not None
        try:
            await self._scope.__aexit__(exc_type, exc, tb)
        except TimeoutError:
            raise self._deadline.exceeded() from None
        finally:
            self._gate.release()
        if self._scope.expired() and exc is not None:  # the transport swallowed the cancellation into its own error
            raise self._deadline.exceeded() from None
