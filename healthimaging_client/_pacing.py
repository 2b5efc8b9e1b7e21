"""Client-side pacing: spaces out each operation's requests so that a bulk job stays under its quota.

Off by default. HealthImaging documents these default quotas per account and
region (adjustable in Service Quotas)::

    operation                 requests per second   burst
    SearchImageSets           25                    50
    GetImageSetMetadata       50                    100
    ListImageSetVersions      25                    50
    UpdateImageSetMetadata    0.25                  1
    CopyImageSet              0.25                  1
    GetImageFrame             1000                  2000
    GetImageSet               25                    50
    DeleteImageSet            0.25                  1

Without pacing, a batch of updates fired back to back spends its attempts on
429s. With it, each operation has a token bucket that hands out time slots:
:meth:`Pacer.reserve` says how long the caller must wait before sending and
books that slot at once, so concurrent callers queue one behind the other
instead of waking together. Nothing here sleeps or does I/O; each client's
send loop does the waiting, before every attempt (a retry uses quota too).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from . import errors
from ._operations import Operation


def _check_rate(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise errors.ParamValidationError([f"rate_limits.{attribute.name}: must be a number above 0"])


def _check_burst(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.ParamValidationError([f"rate_limits.{attribute.name}: must be an integer, 1 or more"])


@attrs.frozen
class RateLimit:
    """At most ``per_second`` requests per second on average, with up to ``burst`` back to back.

    Pass a mapping from operation name to limit as ``rate_limits`` to either
    client; :meth:`service_quotas` gives the documented defaults to start from.
    """

    per_second: float = attrs.field(validator=_check_rate)
    burst: int = attrs.field(default=1, validator=_check_burst)

    @classmethod
    def service_quotas(cls) -> dict[str, RateLimit]:
        """The service's documented default quota for each operation that has one (a new dict each time)."""
        return {operation.value: limit for operation, limit in _SERVICE_QUOTAS.items()}


_SERVICE_QUOTAS: Mapping[Operation, RateLimit] = {
    Operation.SEARCH_IMAGE_SETS: RateLimit(25, burst=50),
    Operation.GET_IMAGE_SET_METADATA: RateLimit(50, burst=100),
    Operation.LIST_IMAGE_SET_VERSIONS: RateLimit(25, burst=50),
    Operation.UPDATE_IMAGE_SET_METADATA: RateLimit(0.25, burst=1),
    Operation.COPY_IMAGE_SET: RateLimit(0.25, burst=1),
    # Pixel data and the image set's own state (issue 15).
    Operation.GET_IMAGE_FRAME: RateLimit(1000, burst=2000),
    Operation.GET_IMAGE_SET: RateLimit(25, burst=50),
    Operation.DELETE_IMAGE_SET: RateLimit(0.25, burst=1),
}


@attrs.define
class _Bucket:
    limit: RateLimit
    tokens: float
    updated: float


class Pacer:
    """One token bucket per paced operation; operations without a limit are never delayed.

    Thread-safe, so one sync ``Client`` can be shared by worker threads.
    """

    def __init__(self, limits: Mapping[str, RateLimit], clock: Callable[[], float] = time.monotonic) -> None:
        problems = [
            f"rate_limits: unknown operation {name!r} (expected one of {', '.join(_SERVICE_QUOTAS)})"
            for name in limits
            if name not in _SERVICE_QUOTAS
        ]
        problems += [
            f"rate_limits[{name!r}]: expected a RateLimit, got {type(limit).__name__}"
            for name, limit in limits.items()
            if not isinstance(limit, RateLimit)  # pyright: ignore[reportUnnecessaryIsInstance]
        ]
        if problems:
            raise errors.ParamValidationError(problems)
        self._clock = clock
        self._lock = threading.Lock()
        now = clock()
        self._buckets = {name: _Bucket(limit, float(limit.burst), now) for name, limit in limits.items()}

    def reserve(self, operation: str) -> float:
        """Book the next request of ``operation``: the seconds to wait before sending it (0 when a token is free)."""
        bucket = self._buckets.get(operation)
        if bucket is None:
            return 0.0
        with self._lock:
            now = self._clock()
            refill = (now - bucket.updated) * bucket.limit.per_second
            bucket.tokens = min(float(bucket.limit.burst), bucket.tokens + refill) - 1.0
            bucket.updated = now
            # A negative balance is a queue of booked slots, each 1/per_second apart.
            return max(0.0, -bucket.tokens / bucket.limit.per_second)
