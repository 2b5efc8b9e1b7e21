"""The in-process shell: an httpx transport that hands each request to the protocol core.

One transport serves both ``httpx.Client`` and ``httpx.AsyncClient``; only the
way a fault hook's delay is waited out differs.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from ._protocol import Protocol
from ._responses import Response


class EmulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, protocol: Protocol) -> None:
        self._protocol = protocol

    def _answer(self, request: httpx.Request) -> Response:
        raw_path, _, raw_query = request.url.raw_path.decode("ascii").partition("?")
        return self._protocol.handle(request.method, raw_path, raw_query, dict(request.headers), request.content)

    @staticmethod
    def _response(answer: Response) -> httpx.Response:
        # A stream, not content=: the body stays raw (gzip) until the client reads it, as off a socket.
        return httpx.Response(answer.status, headers=answer.headers, stream=httpx.ByteStream(answer.body))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        answer = self._answer(request)
        if answer.delay:
            time.sleep(answer.delay)
        return self._response(answer)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        answer = self._answer(request)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return self._response(answer)
