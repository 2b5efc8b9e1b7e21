"""Which failures are retried and how long to wait: one policy for both clients, pure.

Retried: throttling (429), server faults (500, 502, 503, 504), connection
failures, timeouts and responses cut short. Never retried: every other
status (400, 402, 403, 404, 409), parameter validation, unreadable 2xx
bodies and a closed client. Two refusals are retried once per call, after a
fix (a :class:`Recovery`): expired credentials (``ExpiredTokenException``,
``ExpiredToken``: the credential chain is resolved anew) and a signature
refused for its time ("Signature expired", ``RequestTimeTooSkewed``: the
signing clock is set by the response's ``Date``). The service refused those
requests before acting on them, so even a write is safe to repeat.

What a retry of a write may do is part of its definition
(``Call.retry_safety``): a write guarded by version ids or made idempotent by
a ``clientToken`` is retried like a read; an unguarded write (a copy into a
new image set) only when no attempt can have reached the service. Any error
of a write after an attempt that may have reached it says
``may_have_applied``. DeleteImageSet carries no token but the model marks it
idempotent: a repeat cannot delete twice, so it is retried like a read, and a
409 (locked by the deletion under way) or 404 (gone) after an unclear attempt
says ``may_have_applied``.

The wait is exponential backoff with full jitter, capped. A server's
``x-amz-retry-after`` (milliseconds) or ``Retry-After`` (seconds) lengthens
it, capped too, but never shortens it (``Retry-After: 0`` keeps the
backoff). With ``total_timeout``, no retry starts whose wait would end past it.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from . import _logging, errors
from ._deadlines import CallDeadline
from ._operations import Call, RetrySafety
from ._wire.validation import positive_int

if TYPE_CHECKING:
    import tenacity

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
RETRYABLE_CODES = frozenset({"ThrottlingException", "InternalServerException", "ServiceUnavailableException"})
EXPIRED_CREDENTIALS_CODES = frozenset({"ExpiredTokenException", "ExpiredToken"})
CLOCK_SKEW_CODES = frozenset({"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"})
CLOCK_SKEW_MESSAGES = ("signature expired", "signature not yet current")


class Recovery(enum.Enum):
    """A fix the send loop makes before the one retry a refusal earns."""

    #: Resolve the credential chain anew (the service said the session token expired).
    REFRESH_CREDENTIALS = "refresh-credentials"
    #: Sign with the service's clock, read from the response's ``Date`` (the signature's time was refused).
    CORRECT_CLOCK = "correct-clock"


def _check_attempts(instance: Any, attribute: Any, value: object) -> None:
    positive_int(f"retry.{attribute.name}", value)


def _check_delay(instance: Any, attribute: Any, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise errors.ParamValidationError([f"retry.{attribute.name}: must be a number of seconds, 0 or more"])


@attrs.frozen(kw_only=True)
class RetryConfig:
    """How often and how patiently a call is retried.

    ``max_attempts`` counts the first attempt, so ``1`` turns retries off.
    Attempt *n* waits a random time between 0 and
    ``min(max_delay, base_delay * 2 ** (n - 1))`` seconds (full jitter), as in
    the AWS SDKs' standard mode.
    """

    max_attempts: int = attrs.field(default=3, validator=_check_attempts)
    base_delay: float = attrs.field(default=1.0, validator=_check_delay)
    max_delay: float = attrs.field(default=20.0, validator=_check_delay)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, errors.ServiceError):
        return exc.status_code in RETRYABLE_STATUS or exc.code in RETRYABLE_CODES
    return isinstance(exc, errors.TransportError)


def may_have_reached_service(exc: BaseException) -> bool:
    """Whether the attempt that failed with ``exc`` could have been applied anyway (its outcome is unclear).

    Clear: the service refused it (4xx; 503, which is sent before any work), or
    the request never left the client. Unclear: a 500, 502 or 504, a response cut
    short or too slow, a 2xx whose body could not be read.
    """
    if isinstance(exc, errors.ServiceError):
        return exc.status_code >= 500 and exc.status_code != 503
    if isinstance(exc, errors.TransportError):
        return exc.request_sent
    return isinstance(exc, errors.InvalidResponseError)


def recovery_for(exc: BaseException) -> Recovery | None:
    """The fix a refusal calls for, if it is one a retry can cure."""
    if not isinstance(exc, errors.ServiceError) or not 400 <= exc.status_code < 500:
        return None
    if exc.code in EXPIRED_CREDENTIALS_CODES:
        return Recovery.REFRESH_CREDENTIALS
    skewed = exc.code in CLOCK_SKEW_CODES or any(text in exc.message.lower() for text in CLOCK_SKEW_MESSAGES)
    return Recovery.CORRECT_CLOCK if skewed and exc.server_time is not None else None


class RetryPolicy:
    """Turns a :class:`RetryConfig` into tenacity arguments for one call: pure policy, no waiting.

    The client's clock does the waiting; ``rand`` is the jitter's source of randomness.
    """

    def __init__(self, config: RetryConfig, rand: Callable[[], float] = random.random) -> None:
        self.config = config
        self._rand = rand

    def with_config(self, config: RetryConfig) -> RetryPolicy:
        """The same policy (randomness) with another configuration."""
        return RetryPolicy(config, self._rand)

    def delay(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): the backoff, or longer if asked."""
        cfg = self.config
        backoff = self._rand() * min(cfg.max_delay, cfg.base_delay * 2.0 ** (attempt - 1))
        if isinstance(exc, errors.ServiceError) and exc.retry_after is not None:
            return max(backoff, min(exc.retry_after, cfg.max_delay))
        return backoff

    def tenacity_args(self, log: AttemptLog, deadline: CallDeadline | None, now: Callable[[], float]) -> dict[str, Any]:
        """Arguments for ``tenacity.AsyncRetrying`` for the call ``log`` follows; ``now`` reads the client's clock."""
        operation = log.call.operation

        def retry(state: tenacity.RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            return exc is not None and log.retryable(exc)

        def wait(state: tenacity.RetryCallState) -> float:
            if log.recovering:
                return 0.0  # the refusal was no sign of load
            exc = state.outcome.exception() if state.outcome else None
            return self.delay(state.attempt_number, exc)

        def stop(state: tenacity.RetryCallState) -> bool:
            if state.attempt_number >= self.config.max_attempts:
                return True
            return deadline is not None and not deadline.allows_wait(now(), state.upcoming_sleep)

        def log_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            reason = (
                f"HTTP {exc.status_code} {exc.code}" if isinstance(exc, errors.ServiceError) else type(exc).__name__
            )
            delay = state.next_action.sleep if state.next_action else 0.0
            _logging.log_retry(operation, reason, state.attempt_number, self.config.max_attempts, delay)

        return {"stop": stop, "wait": wait, "retry": retry, "before_sleep": log_retry, "reraise": True}


class AttemptLog:
    """What the send loop learns across one call's attempts: what to retry, and what to write on each failure.

    Every error records the attempts made and the operation. An error of a
    write after an attempt that may have reached the service says the write
    may have been applied (a 409 also names the version ids it was guarded by).
    """

    def __init__(self, call: Call[Any], *, credentials_refreshable: bool) -> None:
        self.call = call
        #: True while the last failure is being retried after a :class:`Recovery`.
        self.recovering = False
        self._refreshable = credentials_refreshable
        self._recovered: set[Recovery] = set()
        self._unclear = False

    def failed(self, exc: errors.HealthImagingError, attempt: int) -> Recovery | None:
        """Record a failed attempt; the fix to make before retrying it, if it earns one."""
        call = self.call
        exc.attempts = attempt
        exc.operation = exc.operation or call.operation
        if call.retry_safety is not RetrySafety.READ:
            self._unclear = self._unclear or may_have_reached_service(exc)
            if self._unclear:
                exc.may_have_applied = True
                if isinstance(exc, errors.ConflictException) and call.guard_versions:
                    exc.version_ids = dict(call.guard_versions)
        recovery = recovery_for(exc)
        if recovery in self._recovered or (recovery is Recovery.REFRESH_CREDENTIALS and not self._refreshable):
            recovery = None
        if recovery is not None:
            self._recovered.add(recovery)
        self.recovering = recovery is not None
        return recovery

    def retryable(self, exc: BaseException) -> bool:
        """Whether the attempt that just failed with ``exc`` may be tried again."""
        if self.recovering:
            return True
        if not is_retryable(exc):
            return False
        return self.call.retry_safety is not RetrySafety.UNGUARDED or not may_have_reached_service(exc)
