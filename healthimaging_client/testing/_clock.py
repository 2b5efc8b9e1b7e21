"""A clock for tests: time moves only when a test advances it or a client sleeps on it."""

from __future__ import annotations

import threading


class FakeClock:
    """Seconds that pass only on :meth:`advance` or :meth:`sleep`; each sleep is recorded in :attr:`sleeps`.

    Give the same instance to a client (``clock=``: its retries, pacing and
    waiters then wait without waiting) and to :class:`LocalHealthImaging`
    (``clock=``: its locks expire on the same time), so a test of waiting
    runs in no time. It starts at an epoch time, since the emulator stamps
    its timestamps with it.
    """

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start
        #: Every wait asked for, in order.
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now!r}, sleeps={len(self.sleeps)})"

    def __call__(self) -> float:
        """The current time (the emulator's clock is a plain callable)."""
        return self.now

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the wait and move time on by it, at once (it never suspends, so it serves ``Client`` too)."""
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
