"""AsyncClient's default transport: aiohttp's connection pool under the ``httpx.AsyncClient`` API.

httpx's own async pool loses throughput as concurrency grows (docs/performance.md has the
figures); aiohttp's does not. ``httpx-aiohttp`` maps every connection failure to
``httpx.ConnectTimeout``, so this subclass restores the distinctions ``httpx``'s own transport
makes: a refused or unresolvable connection is a ``ConnectError`` and a dropped one a
``ReadError``, as they are for :class:`~healthimaging_client.Client`. The aiohttp session is
created on the first request, inside the running loop, and closed by ``aclose()``.
"""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

_TIMEOUTS = (aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError, aiohttp.SocketTimeoutError)


class Transport(AiohttpTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ClientConnectorError):
                raise httpx.ConnectError(str(exc), request=request) from cause
            if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(cause, _TIMEOUTS):
                raise httpx.ReadError(str(exc), request=request) from cause
            raise
