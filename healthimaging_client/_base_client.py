"""What both clients share outside the send loop: the constructor, their settings, ``with_options``."""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, cast

import attrs
import httpx

from . import _logging, errors
from ._backends import Backend
from ._clock import Clock
from ._config import Where, resolve_config
from ._core import Core
from ._endpoints import RUNTIME_PREFIX
from ._masking import Masked
from ._misfits import unexpected_keywords
from ._pacing import Pacer, RateLimit
from ._retry import RetryConfig, RetryPolicy
from ._transport import DEFAULT_TIMEOUT
from ._types import NOT_GIVEN, NotGiven
from ._wire.limits import DEFAULT_MAX_RESPONSE_BYTES
from ._wire.validation import Problems, positive_int

if TYPE_CHECKING:
    import botocore.session

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)


class BaseClient(Generic[HttpT]):
    """Settings resolved once, into the :class:`~._core.Core` the client's methods run on."""

    _core: Core

    def __new__(cls, *args: object, **kwargs: object) -> Self:
        # Checked here rather than by Python in __init__, whose TypeError would name BaseClient.__init__:
        # the message names Client() or AsyncClient(), and what a boto3 spelling (region=) means here.
        problem = _constructor_problem(cls.__name__, len(args), kwargs)
        del args, kwargs  # the keys may be among them: this frame must not hold them when the error passes
        if problem is not None:
            raise TypeError(problem)
        return super().__new__(cls)

    def __init__(  # pyright: ignore[reportInconsistentConstructor]  # __new__ only checks the names
        self,
        *,
        region_name: str | None = None,
        profile_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        botocore_session: botocore.session.Session | None = None,
        endpoint_url: str | None = None,
        use_fips_endpoint: bool = False,
        use_dualstack_endpoint: bool = False,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        retry: RetryConfig | None = None,
        rate_limits: Mapping[str, RateLimit] | None = None,
        limits: httpx.Limits | None = None,
        http_client: HttpT | None = None,
        log_bodies: bool = False,
        clock: Clock | None = None,
        total_timeout: float | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """``log_bodies=True`` logs request and response bodies, which are patient data (see ``_logging``).

        ``clock`` is for tests and simulations: retries, pacing and waiters read and sleep on it.

        ``timeout`` bounds each attempt: it may last as long as the longest of its parts (60 s by
        default), waiting for a connection and reading the whole body included. ``total_timeout``
        bounds a whole call, retries and the waits between them included (off by default).
        ``max_response_bytes`` caps what a response body may decode to (2 GiB by default; None: no
        cap); a bigger one raises :class:`~healthimaging_client.ResponseTooLargeError`.
        """
        # Into masked holders at once: no frame of the SDK holds a key in a plain local when an error passes.
        where = Where(
            region_name=region_name,
            profile_name=profile_name,
            keys=Masked((aws_access_key_id, aws_secret_access_key, aws_session_token), "keys"),
            botocore_session=botocore_session,
            endpoint_url=Masked(endpoint_url, "endpoint_url"),
            use_fips_endpoint=use_fips_endpoint,
            use_dualstack_endpoint=use_dualstack_endpoint,
        )
        del aws_access_key_id, aws_secret_access_key, aws_session_token, endpoint_url
        p = Problems(type(self).__name__)
        where.check_types(p)
        _check_settings(p, timeout, retry, rate_limits, limits, http_client, self._http_type, log_bodies, clock)
        p.raise_if_any()
        config = resolve_config(where)
        if isinstance(timeout, NotGiven):
            timeout = http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
        http_timeout = httpx.Timeout(timeout)
        clock = clock or self._default_clock()
        _check_limits(total_timeout, max_response_bytes)
        self._core = Core(
            region_name=config.region_name,
            endpoint=config.endpoint,
            signer=config.signer,
            backend=self._backend(http_client or self._default_http(http_timeout, limits), limits),
            clock=clock,
            retry=RetryPolicy(retry or RetryConfig()),
            pacer=Pacer(rate_limits, clock.monotonic) if rate_limits else None,
            timeout=http_timeout,
            log_bodies=log_bodies,
            owns_http=http_client is None,
            total_timeout=total_timeout,
            max_response_bytes=max_response_bytes,
        )
        if log_bodies:
            _logging.warn_body_logging()

    # The side each client stands on (its pool, its backend, its clock).

    #: The httpx client class this client sends with (``http_client`` must be one).
    _http_type: type[httpx.Client] | type[httpx.AsyncClient]

    @staticmethod
    def _default_http(timeout: httpx.Timeout, limits: httpx.Limits | None) -> HttpT:
        raise NotImplementedError

    @staticmethod
    def _backend(http: HttpT, limits: httpx.Limits | None) -> Backend:
        raise NotImplementedError

    @staticmethod
    def _default_clock() -> Clock:
        raise NotImplementedError

    @property
    def region_name(self) -> str:
        """The AWS region requests are signed for."""
        return self._core.region_name

    @property
    def endpoint_url(self) -> str:
        """The base URL of the image-set operations (the service's ``runtime-`` host), or the custom endpoint."""
        return self._core.endpoint.url(RUNTIME_PREFIX)

    def __repr__(self) -> str:
        if not hasattr(self, "_core"):  # shown in a traceback of a failed construction
            return f"{type(self).__name__}(<not constructed>)"
        return f"{type(self).__name__}(region_name={self.region_name!r}, endpoint_url={self.endpoint_url!r})"

    def with_options(
        self,
        *,
        retry: RetryConfig | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A view of this client with other retry, timeout or size settings, sharing its connection pool.

        The view does not own the pool: close the original client, not the view.
        """
        core = self._core
        p = Problems("with_options")
        _check_type(p, "retry", retry, RetryConfig)
        _check_timeout(p, timeout)
        p.raise_if_any()
        total = core.total_timeout if isinstance(total_timeout, NotGiven) else total_timeout
        cap = core.max_response_bytes if isinstance(max_response_bytes, NotGiven) else max_response_bytes
        _check_limits(total, cap)
        view = object.__new__(type(self))
        view._core = attrs.evolve(
            core,
            retry=core.retry if retry is None else core.retry.with_config(retry),
            timeout=core.timeout if isinstance(timeout, NotGiven) else httpx.Timeout(timeout),
            owns_http=False,
            total_timeout=total,
            max_response_bytes=cap,
            view=True,
        )
        return view


# --- the constructor's arguments, checked before anything is resolved ------------------------------

_PARAMETERS = frozenset(inspect.signature(cast(Any, BaseClient).__init__).parameters) - {"self"}


def _constructor_problem(public: str, positional: int, kwargs: Mapping[str, object]) -> str | None:
    """Why ``public(...)`` cannot take these arguments (by name only, never value), or None."""
    if positional:
        return (
            f"{public}() takes keyword arguments only, such as {public}(region_name=...) "
            f"({positional} positional argument{'s' if positional > 1 else ''} given)"
        )
    return unexpected_keywords(public, kwargs, _PARAMETERS)


def _check_type(p: Problems, path: str, value: object, *expected: type) -> None:
    if value is not None and not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in expected)
        p.add(path, f"expected {names} or None, got {type(value).__name__}")


def _check_timeout(p: Problems, timeout: object) -> None:
    if isinstance(timeout, NotGiven | httpx.Timeout) or timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 <= timeout < math.inf:
        p.add("timeout", "must be a number of seconds (0 or more), an httpx.Timeout, or None for no timeout")


def _check_settings(
    p: Problems,
    timeout: object,
    retry: object,
    rate_limits: object,
    limits: object,
    http_client: object,
    http_type: type,
    log_bodies: object,
    clock: object,
) -> None:
    """The type of each setting that is not about where requests go (``Where`` checks those)."""
    _check_timeout(p, timeout)
    _check_type(p, "retry", retry, RetryConfig)
    _check_type(p, "rate_limits", rate_limits, Mapping)
    _check_type(p, "limits", limits, httpx.Limits)
    _check_type(p, "http_client", http_client, http_type)
    if not isinstance(log_bodies, bool):
        p.add("log_bodies", f"expected a bool, got {type(log_bodies).__name__}")
    if clock is not None and not (
        callable(getattr(clock, "monotonic", None)) and callable(getattr(clock, "sleep", None))
    ):
        p.add("clock", f"expected an object with monotonic() and sleep(seconds), got {type(clock).__name__}")


def _check_limits(total_timeout: object, max_response_bytes: object) -> None:
    """``total_timeout`` is seconds above 0 or None; ``max_response_bytes`` a positive int or None."""
    if total_timeout is not None and (
        isinstance(total_timeout, bool) or not isinstance(total_timeout, int | float) or not total_timeout > 0
    ):
        raise errors.ParamValidationError(["total_timeout: must be a number of seconds above 0, or None"])
    if max_response_bytes is not None:
        positive_int("max_response_bytes", max_response_bytes)
