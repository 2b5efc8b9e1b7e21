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
import errno
import logging
import socket
import ssl
from typing import Any, cast

import httpx

from . import errors

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: httpx's own default pool, for both clients: 100 connections, 20 kept alive between calls.
#: (``httpx.Limits()`` with no arguments means no limit at all, so it is spelled out.)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def default_sync_http(timeout: httpx.Timeout, limits: httpx.Limits | None) -> httpx.Client:
    return DirectClient(timeout=timeout, limits=limits or DEFAULT_LIMITS)


def default_async_http(timeout: httpx.Timeout, limits: httpx.Limits | None) -> httpx.AsyncClient:
    limits = limits or DEFAULT_LIMITS
    if _environment_proxies():
        return DirectAsyncClient(timeout=timeout, limits=limits)
    from httpx_aiohttp import AiohttpTransport  # the aiohttp session is made on the first request, in the loop

    return DirectAsyncClient(timeout=timeout, transport=AiohttpTransport(limits=limits))


# --- the pools this SDK makes: a send without what this API never uses ---------------------
#
# httpx's ``send`` walks an auth flow, a redirect loop and event hooks, and parses every response's
# ``Set-Cookie`` into the client's jar: about a tenth of a call's CPU, for nothing, since this SDK
# passes no auth, follows no redirect, hooks nothing, and the service sets no cookies. A pool the SDK
# made (never one the user passed) hands a streamed request straight to the transport httpx picks
# for its URL (the environment's proxies included); anything else takes httpx's own path.


class DirectClient(httpx.Client):
    """``httpx.Client`` sending streamed requests straight to its transport: no auth, redirects, hooks or cookies."""

    def send(self, request: httpx.Request, *, stream: bool = False, **options: Any) -> httpx.Response:
        if not stream or options or self.is_closed:
            return super().send(request, stream=stream, **options)
        response = self._transport_for_url(request.url).handle_request(request)
        return _sent(request, response)


class DirectAsyncClient(httpx.AsyncClient):
    """``DirectClient``'s async twin."""

    async def send(self, request: httpx.Request, *, stream: bool = False, **options: Any) -> httpx.Response:
        if not stream or options or self.is_closed:
            return await super().send(request, stream=stream, **options)
        response = await self._transport_for_url(request.url).handle_async_request(request)
        return _sent(request, response)


_httpx_logger = logging.getLogger("httpx")


def _sent(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The response of ``request``, logged on httpx's logger as httpx's own ``send`` logs it (when enabled)."""
    response.request = request
    if _httpx_logger.isEnabledFor(logging.INFO):
        line = (request.method, request.url, response.http_version, response.status_code, response.reason_phrase)
        _httpx_logger.info('HTTP Request: %s %s "%s %d %s"', *line)
    return response


def _environment_proxies() -> bool:
    import urllib.request

    return any(scheme in ("http", "https", "all") for scheme in urllib.request.getproxies())


def transport_error(operation: str, exc: BaseException, url: httpx.URL) -> errors.HealthImagingError:
    """The SDK error for whatever sending to ``url`` or reading its answer raised.

    The message names the host and the kind of failure, read from the whole
    chain of ``exc``: httpx-aiohttp reports every aiohttp connection failure
    (a refusal, a reset, a server hanging up) as ``httpx.ConnectTimeout``, and
    httpx's async pool wraps the socket's error twice, so the most telling
    exception may be a few causes down. ``__cause__`` is a
    :class:`~healthimaging_client.errors.CauseSummary` of ``exc``: its type
    names and a description without values. ``exc`` itself is not chained: it
    holds the request (the security token, the signature, the body) and
    frames whose locals hold them. The caller raises the error outside its
    ``except`` block, so ``__context__`` stays empty too.
    """
    chain = _chain(exc)
    kind = min((found for e in chain if (found := _kind_of(e)) is not None), key=_PRIORITY.index, default="other")
    cls, text = _KINDS[kind]
    host = _host(url)
    message = text.format(host=host)
    detail = _detail(chain)
    error: errors.HealthImagingError
    if issubclass(cls, errors.TransportError):
        # No connection was had (refused, DNS, TLS, a connect or pool timeout): nothing was sent.
        unsent = cls is errors.ConnectError or kind in _UNSENT_TIMEOUTS
        error = cls(message, operation=operation, host=host, request_sent=False if unsent else None)
    else:
        error = cls(message, operation=operation)
    error.__cause__ = errors.CauseSummary.of(exc, message + (f" ({detail})" if detail else ""))
    return error


#: Each kind of failure: the SDK error it becomes, and what its message says.
_KINDS: dict[str, tuple[type[errors.TransportError] | type[errors.InvalidResponseError], str]] = {
    "dns": (errors.ConnectError, "could not connect to {host}: the DNS lookup of its name failed"),
    "tls_verify": (errors.ConnectError, "could not connect to {host}: its TLS certificate could not be verified"),
    "tls": (errors.ConnectError, "could not connect to {host}: the TLS handshake failed"),
    "refused": (errors.ConnectError, "could not connect to {host}: the connection was refused"),
    "unreachable": (errors.ConnectError, "could not connect to {host}: the network or the host is unreachable"),
    "proxy": (errors.ConnectError, "could not connect to {host} through the proxy"),
    "reset": (errors.TransportError, "the connection to {host} was reset"),
    "closed": (errors.TransportError, "{host} closed the connection without answering"),
    "cut_short": (errors.TransportError, "the response from {host} was cut short"),
    "malformed": (errors.TransportError, "the response from {host} is not valid HTTP"),
    "pool_timeout": (errors.TimeoutError, "no connection to {host} came free in time (the pool timeout)"),
    "connect_timeout": (errors.TimeoutError, "connecting to {host} timed out"),
    "write_timeout": (errors.TimeoutError, "sending the request to {host} timed out"),
    "read_timeout": (errors.TimeoutError, "reading the response from {host} timed out"),
    "timeout": (errors.TimeoutError, "the exchange with {host} timed out"),
    "decode": (errors.InvalidResponseError, "the response body from {host} could not be decoded (Content-Encoding)"),
    "refused_request": (errors.TransportError, "the request to {host} could not be sent: the HTTP library refused it"),
    "connect": (errors.ConnectError, "could not connect to {host}"),
    "send": (errors.TransportError, "sending the request to {host} failed"),
    "read": (errors.TransportError, "reading the response from {host} failed"),
    "other": (errors.TransportError, "the exchange with {host} failed"),
}
_UNSENT_TIMEOUTS = frozenset({"pool_timeout", "connect_timeout"})
#: When the chain holds several kinds, the most telling wins (a reset over httpx-aiohttp's ConnectTimeout).
_PRIORITY = list(_KINDS)

_RESET = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def _chain(exc: BaseException, depth: int = 8) -> list[BaseException]:
    """``exc``, what it chains, and what aiohttp keeps aside (``os_error``, ``certificate_error``)."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < depth and all(current is not e for e in found):
        found.append(current)
        for attribute in ("os_error", "certificate_error"):
            kept = getattr(current, attribute, None)
            if isinstance(kept, BaseException):
                found.append(kept)
        group = cast(BaseExceptionGroup[BaseException], current) if isinstance(current, BaseExceptionGroup) else None
        current = (
            group.exceptions[0] if group is not None and group.exceptions else current.__cause__ or current.__context__
        )
    return found


def _kind_of(exc: BaseException) -> str | None:
    if isinstance(exc, socket.gaierror):
        return "dns"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "tls_verify"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, _RESET):
        return "reset"
    if type(exc).__module__.startswith("aiohttp."):
        return _aiohttp_kind(exc)
    if isinstance(exc, httpx.HTTPError):
        return _httpx_kind(exc)
    if isinstance(exc, OSError) and exc.errno in _ERRNO_KINDS:
        return _ERRNO_KINDS[exc.errno]
    if isinstance(exc, builtins.TimeoutError):
        return "timeout"
    return None


_ERRNO_KINDS = {
    errno.ECONNREFUSED: "refused",
    errno.ECONNRESET: "reset",
    errno.EPIPE: "reset",
    errno.ENETUNREACH: "unreachable",
    errno.EHOSTUNREACH: "unreachable",
}

_HTTPX_KINDS: list[tuple[type[httpx.HTTPError], str]] = [
    (httpx.ProxyError, "proxy"),
    (httpx.PoolTimeout, "pool_timeout"),
    (httpx.ConnectTimeout, "connect_timeout"),
    (httpx.WriteTimeout, "write_timeout"),
    (httpx.ReadTimeout, "read_timeout"),
    (httpx.TimeoutException, "timeout"),
    (httpx.DecodingError, "decode"),
    (httpx.LocalProtocolError, "refused_request"),
    (httpx.ConnectError, "connect"),
    (httpx.WriteError, "send"),
    (httpx.ReadError, "read"),
]


def _httpx_kind(exc: httpx.HTTPError) -> str | None:
    if isinstance(exc, httpx.RemoteProtocolError):
        # h11's wording is the only thing that tells these apart; it is read, never repeated.
        text = str(exc)
        if "without sending complete message body" in text or "incomplete" in text.lower():
            return "cut_short"
        if "disconnected without sending a response" in text:
            return "closed"
        return "malformed"
    return next((kind for cls, kind in _HTTPX_KINDS if isinstance(exc, cls)), None)


def _aiohttp_kind(exc: BaseException) -> str | None:
    import aiohttp  # loaded already: the exception came from it

    kinds: list[tuple[type[BaseException], str]] = [
        (aiohttp.ClientConnectorDNSError, "dns"),
        (aiohttp.ClientConnectorCertificateError, "tls_verify"),
        (aiohttp.ClientSSLError, "tls"),
        (aiohttp.ClientProxyConnectionError, "proxy"),
        (aiohttp.ClientHttpProxyError, "proxy"),
        (aiohttp.ServerDisconnectedError, "closed"),
        (aiohttp.ConnectionTimeoutError, "connect_timeout"),
        (aiohttp.SocketTimeoutError, "read_timeout"),
        (aiohttp.ServerTimeoutError, "timeout"),
        (aiohttp.ClientPayloadError, "cut_short"),
        (aiohttp.ClientResponseError, "malformed"),
        (aiohttp.ClientConnectorError, "connect"),
    ]
    found = next((kind for cls, kind in kinds if isinstance(exc, cls)), None)
    if found is None and isinstance(exc, OSError):
        return _ERRNO_KINDS.get(exc.errno or 0)
    return found


def _detail(chain: list[BaseException]) -> str:
    """Value-free particulars: the TLS library's reason, or the socket error's code."""
    for exc in chain:
        if isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None):  # aiohttp's subclasses may lack it
            message = getattr(exc, "verify_message", None)
            return f"{exc.reason}: {message}" if message else str(exc.reason)
    for exc in chain:
        if isinstance(exc, socket.gaierror):
            return f"getaddrinfo error {exc.errno}"
        if (
            isinstance(exc, OSError)
            and not isinstance(exc, ssl.SSLError)
            and exc.errno
            and exc.errno in errno.errorcode
        ):
            return errno.errorcode[exc.errno]
    return ""


def _host(url: httpx.URL) -> str:
    """``host:port`` of ``url`` (hosts are not patient data; the path and query are left out)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{port}"
