"""The HTTP clients each side uses by default, and the one place transport failures become SDK errors.

``Client`` uses httpx's own pool. ``AsyncClient`` uses aiohttp's pool under
the ``httpx.AsyncClient`` API (httpx-aiohttp), because httpx's async pool
loses throughput as concurrency grows (docs/performance.md has the figures);
when the environment configures a proxy it keeps httpx's own transport,
which honours ``HTTP(S)_PROXY`` and ``NO_PROXY`` as the sync client does.
aiohttp is imported only when an ``AsyncClient`` makes its pool.
"""

from __future__ import annotations

import builtins

import httpx

from . import errors

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: httpx's own default pool, for both clients: 100 connections, 20 kept alive between calls.
#: (``httpx.Limits()`` with no arguments means no limit at all, so it is spelled out.)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def default_sync_http(timeout: httpx.Timeout, limits: httpx.Limits | None) -> httpx.Client:
    return httpx.Client(timeout=timeout, limits=limits or DEFAULT_LIMITS)


def default_async_http(timeout: httpx.Timeout, limits: httpx.Limits | None) -> httpx.AsyncClient:
    limits = limits or DEFAULT_LIMITS
    if _environment_proxies():
        return httpx.AsyncClient(timeout=timeout, limits=limits)
    from httpx_aiohttp import AiohttpTransport  # the aiohttp session is made on the first request, in the loop

    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(limits=limits))


def _environment_proxies() -> bool:
    import urllib.request

    return any(scheme in ("http", "https", "all") for scheme in urllib.request.getproxies())


def transport_error(operation: str, exc: Exception) -> errors.HealthImagingError:
    """The SDK error for whatever sending or reading raised; the caller chains the original.

    httpx's own failures map by type. httpx-aiohttp reports every aiohttp
    connection failure (a refusal, a reset, a server hanging up) as
    ``httpx.ConnectTimeout``, and lets a malformed status line through as
    ``aiohttp.ClientResponseError``; the aiohttp cause decides those.
    """
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.startswith("aiohttp."):
        kind, name = _aiohttp_kind(cause), type(cause).__name__
    else:
        kind, name = _httpx_kind(exc), type(exc).__name__
    if kind == "unsent-timeout":
        return errors.TimeoutError(f"timed out ({name})", operation=operation, request_sent=False)
    if kind == "timeout":
        return errors.TimeoutError(f"timed out ({name})", operation=operation)
    if kind == "connect":
        return errors.ConnectError(f"could not connect ({name})", operation=operation)
    if kind == "decode":
        return errors.InvalidResponseError("the response body could not be decoded", operation=operation)
    return errors.TransportError(f"the exchange failed ({name})", operation=operation)


def _httpx_kind(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return "unsent-timeout"  # no connection was had: nothing was sent
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect"
    if isinstance(exc, httpx.DecodingError):
        return "decode"
    return "other"


def _aiohttp_kind(cause: BaseException) -> str:
    import aiohttp  # loaded already: the cause came from it

    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return "unsent-timeout"
    if isinstance(cause, builtins.TimeoutError):  # aiohttp's own timeouts derive from it
        return "timeout"
    if isinstance(cause, aiohttp.ClientConnectorError):
        return "connect"
    return "other"
