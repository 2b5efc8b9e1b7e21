"""How long an attempt and a whole call may take: wall-clock deadlines kept by the SDK, whatever the transport does.

An attempt may last as long as the longest part of the client's ``timeout``
(60 s by default), everything included: waiting for a free connection,
connecting, sending, and reading the whole body. So a server that trickles its
body, or answers ``100 Continue`` and then nothing, cannot hold an attempt any
longer. ``total_timeout`` (off by default) bounds a whole call: its attempts and
the waits between them. Each attempt gets what is left of it, and no retry
starts whose wait would end past it.

Pure: the send loop reads the clocks and hands the times in. An attempt's
deadline is on ``time.monotonic()`` (the backends enforce it in real time); a
call's is on the client's clock, which also times the backoff.
"""

from __future__ import annotations

import attrs
import httpx

from . import errors


def _timed_out(setting: str, seconds: float, *, request_sent: bool = True) -> errors.TimeoutError:
    """The SDK's error for a deadline that passed, naming the setting (nothing was sent while waiting for the pool)."""
    waiting = "waiting for a free connection, " if not request_sent else ""
    return errors.TimeoutError(f"timed out ({waiting}{setting}={seconds:g}s passed)", request_sent=request_sent)


def attempt_budget(timeout: httpx.Timeout) -> float | None:
    """Seconds one attempt may take: the longest of the timeout's parts (None when every part is None)."""
    parts = [part for part in (timeout.connect, timeout.read, timeout.write, timeout.pool) if part is not None]
    return max(parts) if parts else None


@attrs.frozen
class Deadline:
    """When one attempt must be over (``time.monotonic()`` seconds), and the setting that says so."""

    at: float
    setting: str
    seconds: float
    #: The transport's own timeouts for the attempt, each capped at its budget, so no single
    #: blocking step can outlast it.
    timeout: httpx.Timeout

    @classmethod
    def for_attempt(cls, timeout: httpx.Timeout, now: float, call_left: float | None, total: float | None) -> Deadline:
        """The deadline of an attempt starting at ``now``, when ``call_left`` seconds of ``total_timeout`` remain."""
        budget = attempt_budget(timeout)
        if call_left is not None and total is not None and (budget is None or call_left < budget):
            budget = max(call_left, 0.0)
            return cls(now + budget, "total_timeout", total, _capped(timeout, budget))
        if budget is None:
            return cls(float("inf"), "timeout", float("inf"), timeout)
        return cls(now + budget, "timeout", budget, timeout)

    def left(self, now: float) -> float:
        return self.at - now

    def exceeded(self, *, request_sent: bool = True) -> errors.TimeoutError:
        return _timed_out(self.setting, self.seconds, request_sent=request_sent)

    def pool_wait(self, now: float) -> tuple[float | None, errors.TimeoutError]:
        """How long the attempt may wait for a free connection (the ``pool`` timeout, within the deadline; None:
        for ever), and the error to raise when that runs out (nothing was sent)."""
        left, pool = self.left(now), self.timeout.pool
        if pool is not None and pool <= left:
            return pool, _timed_out("timeout.pool", pool, request_sent=False)
        return (None if left == float("inf") else max(left, 0.0)), self.exceeded(request_sent=False)


def _capped(timeout: httpx.Timeout, budget: float) -> httpx.Timeout:
    def cap(part: float | None) -> float:
        return budget if part is None else min(part, budget)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


@attrs.frozen
class CallDeadline:
    """When a whole call must be over, on the client's clock (``total_timeout``)."""

    at: float
    seconds: float

    def left(self, now: float) -> float:
        return self.at - now

    def allows_wait(self, now: float, wait: float) -> bool:
        """Whether a retry after waiting ``wait`` seconds would still start before the call's deadline."""
        return now + wait < self.at
