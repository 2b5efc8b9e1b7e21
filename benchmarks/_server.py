"""A loopback HTTP/1.1 server that writes canned responses: ``python -m benchmarks._server``.

It runs in its own process, parses only what it must (request line and
Content-Length) and keeps every connection alive, so that the clients, not
the server, are what the benchmark measures. It prints its port on stdout.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import parse_qs, unquote, urlsplit

from . import _responses as r

_JSON = b"application/json"


def _response(body: bytes, *, gzip: bool = False) -> bytes:
    head = [
        b"HTTP/1.1 200 OK",
        b"Content-Type: " + _JSON,
        b"Content-Length: " + str(len(body)).encode(),
        b"x-amzn-RequestId: 6a1e6f3c-0d7b-4bb5-9d62-1c4a1f1f0000",
    ]
    if gzip:
        head.append(b"Content-Encoding: gzip")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


_STATIC = {
    b"getImageSetMetadata": _response(r.METADATA_GZIP, gzip=True),
    b"listImageSetVersions": _response(r.VERSIONS),
    b"updateImageSetMetadata": _response(r.UPDATE),
    b"copyImageSet": _response(r.COPY),
}
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nx-amzn-ErrorType: ResourceNotFoundException\r\n\r\n"
_search_cache: dict[bytes, bytes] = {}


def _search(target: bytes) -> bytes:
    cached = _search_cache.get(target)
    if cached is None:
        query = parse_qs(urlsplit(target.decode()).query)
        size = int(query.get("maxResults", [str(r.DEFAULT_PAGE_SIZE)])[0])
        token = unquote(query["nextToken"][0]) if "nextToken" in query else None
        cached = _search_cache[target] = _response(r.search_page(r.offset_of(token), size))
    return cached


def respond(target: bytes) -> bytes:
    """The canned response for a request target (path and query)."""
    path = target.split(b"?", 1)[0]
    action = path.rsplit(b"/", 1)[-1]
    if action == b"searchImageSets":
        return _search(target)
    return _STATIC.get(action, _NOT_FOUND)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end]
            length = 0
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else len(lower)])
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            target = head.split(b" ", 2)[1]
            assert self._transport is not None
            self._transport.write(respond(target))


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Protocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(_serve())
    except KeyboardInterrupt:
        sys.exit(0)
