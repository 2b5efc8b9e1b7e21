"""Which failures are retried and how long to wait: one policy for both clients.

Retried: throttling (429), server faults (500, 502, 503, 504), connection
failures, timeouts and responses cut short. Never retried: every other
status (400, 402, 403, 404, 409), parameter validation and unreadable 2xx
bodies. The wait is exponential backoff with full jitter, capped, or what
the server asks for in ``x-amz-retry-after`` (milliseconds) or
``Retry-After`` (seconds), capped too.

Writes are guarded by ``latestVersionId``, so a retried Update or Copy can
never apply twice; when one ends in a conflict after an attempt that may
have reached the service, the conflict says so. DeleteImageSet names no
version, but the model marks it idempotent: a repeat cannot delete twice, so
it is retried like a read. A repeat of a delete that did apply meets the
image set locked (409) or gone (404); after an attempt whose outcome was
unclear, either error says ``may_have_applied``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import attrs
import tenacity

from . import _logging, errors
from ._operations import Call
from ._wire.validation import positive_int

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
RETRYABLE_CODES = frozenset({"ThrottlingException", "InternalServerException", "ServiceUnavailableException"})


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


def _may_have_reached_service(exc: BaseException) -> bool:
    """Whether a failed attempt of a write could have been applied anyway."""
    if isinstance(exc, errors.ServiceError):
        return exc.status_code >= 500 and exc.status_code != 503
    return isinstance(exc, errors.TransportError) and not isinstance(exc, errors.ConnectError)


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
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        cfg = self.config
        if isinstance(exc, errors.ServiceError) and exc.retry_after is not None:
            return min(exc.retry_after, cfg.max_delay)
        ceiling = min(cfg.max_delay, cfg.base_delay * 2.0 ** (attempt - 1))
        return self._rand() * ceiling

    def tenacity_args(self, operation: str) -> dict[str, Any]:
        """Arguments for ``tenacity.AsyncRetrying`` for one call of ``operation``."""

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return self.delay(state.attempt_number, exc)

        def log_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            reason = (
                f"HTTP {exc.status_code} {exc.code}" if isinstance(exc, errors.ServiceError) else type(exc).__name__
            )
            delay = state.next_action.sleep if state.next_action else 0.0
            _logging.log_retry(operation, reason, state.attempt_number, self.config.max_attempts, delay)

        return {
            "stop": tenacity.stop_after_attempt(self.config.max_attempts),
            "wait": wait,
            "retry": tenacity.retry_if_exception(is_retryable),
            "before_sleep": log_retry,
            "reraise": True,
        }


class AttemptLog:
    """What the send loop learns across one call's attempts, written onto each failure it raises.

    Every error records the attempts made and the operation. A write's 409
    after an earlier attempt that may have reached the service says the
    write may already have been applied, with the version ids it named; so
    does an idempotent write's 404 (the image set an earlier attempt deleted).
    """

    def __init__(self, call: Call[Any]) -> None:
        self._call = call
        self._ambiguous = False

    def failed(self, exc: errors.HealthImagingError, attempt: int) -> None:
        call = self._call
        exc.attempts = attempt
        exc.operation = exc.operation or call.operation
        if isinstance(exc, errors.ConflictException) and self._ambiguous and call.guard_versions:
            exc.may_have_applied = True
            exc.version_ids = dict(call.guard_versions)
        if self._ambiguous and call.idempotent_write and isinstance(exc, _REPEAT_OF_APPLIED):
            exc.may_have_applied = True
        if (call.guard_versions or call.idempotent_write) and _may_have_reached_service(exc):
            self._ambiguous = True


#: What a repeat of an idempotent write that did apply may meet: the image set locked by it, or gone.
_REPEAT_OF_APPLIED = (errors.ConflictException, errors.ResourceNotFoundException)
