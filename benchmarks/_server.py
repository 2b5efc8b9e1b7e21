"""The loopback server: replays recorded responses from its own process on 127.0.0.1.

``python -m benchmarks._server [--loop uvloop|asyncio] [--verify-every N]`` prints its port.

It parses what it must (request line, headers, Content-Length), keeps every connection
alive and writes precomputed responses, so that the clients, not the server, are what the
benchmark measures. It checks requests with ``_wire.check`` (strict SigV4 and the wire
format): the first on each connection and every Nth after it (every one with
``--verify-every 1``); a request that fails gets a 400 naming the problem, and the failure
is counted. ``/__bench/stats`` (unsigned) reports the counts and the server's CPU time;
``/__bench/verify-every/N`` changes N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from urllib.parse import parse_qs, unquote, urlsplit

from . import _responses as r
from ._wire import check


def _response(body: bytes, *, gzip: bool = False, status: bytes = b"200 OK", extra: tuple[bytes, ...] = ()) -> bytes:
    head = [
        b"HTTP/1.1 " + status,
        b"Content-Type: application/json",
        b"Content-Length: " + str(len(body)).encode(),
        b"x-amzn-RequestId: 6a1e6f3c-0d7b-4bb5-9d62-1c4a1f1f0000",
        *extra,
    ]
    if gzip:
        head.append(b"Content-Encoding: gzip")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


_METADATA = {
    image_set.encode(): _response(blob, gzip=True, extra=(b"x-amz-version-id: 5",))
    for image_set, blob in r.METADATA_GZIP.items()
}
_STATIC = {
    b"listImageSetVersions": _response(r.VERSIONS),
    b"updateImageSetMetadata": _response(r.UPDATE),
    b"copyImageSet": _response(r.COPY),
}
_NOT_FOUND = _response(
    b'{"message":"not found"}', status=b"404 Not Found", extra=(b"x-amzn-ErrorType: ResourceNotFoundException",)
)
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
    """The recorded response for a request target (path and query)."""
    path = target.split(b"?", 1)[0]
    parts = path.rsplit(b"/", 3)
    action = parts[-1]
    if action == b"searchImageSets":
        return _search(target)
    if action == b"getImageSetMetadata":
        return _METADATA.get(parts[-2], _NOT_FOUND)
    return _STATIC.get(action, _NOT_FOUND)


class Stats:
    def __init__(self, verify_every: int) -> None:
        self.verify_every = verify_every
        self.requests = 0
        self.verified = 0
        self.failed = 0
        self.failures: dict[str, int] = {}

    def as_json(self) -> bytes:
        cpu = time.process_time()
        return json.dumps({**vars(self), "cpu": cpu}).encode()


def _headers(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers[name] = f"{headers[name]},{value.strip()}" if name in headers else value.strip()
    return method, target, headers


class _Protocol(asyncio.Protocol):
    def __init__(self, stats: Stats, host: str) -> None:
        self._stats = stats
        self._host = host
        self._buffer = b""
        self._seen = 0
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport
        self._socket = transport.get_extra_info("socket")
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        # Acknowledge at once: a client that writes a request's head and body separately with Nagle's
        # algorithm on would otherwise wait for the delayed ACK (40 ms) on every request with a body.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
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
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            assert self._transport is not None
            self._transport.write(self._answer(head, body))

    def _answer(self, head: bytes, body: bytes) -> bytes:
        target = head.split(b" ", 2)[1]
        if target.startswith(b"/__bench/"):
            return self._control(target)
        stats = self._stats
        stats.requests += 1
        self._seen += 1
        if self._seen == 1 or stats.requests % stats.verify_every == 0:
            stats.verified += 1
            method, text_target, headers = _headers(head)
            problem = check(method, text_target, headers, body, self._host)
            if problem is not None:
                stats.failed += 1
                stats.failures[problem] = stats.failures.get(problem, 0) + 1
                return _response(
                    json.dumps({"message": problem}).encode(),
                    status=b"400 Bad Request",
                    extra=(b"x-amzn-ErrorType: ValidationException",),
                )
        return respond(target)

    def _control(self, target: bytes) -> bytes:
        if target.startswith(b"/__bench/verify-every/"):
            self._stats.verify_every = max(1, int(target.rsplit(b"/", 1)[1]))
        return _response(self._stats.as_json())


async def _serve(verify_every: int) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats(verify_every)
    holder: dict[str, str] = {}
    server = await loop.create_server(lambda: _Protocol(stats, holder["host"]), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    holder["host"] = f"127.0.0.1:{port}"
    print(port, flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--verify-every", type=int, default=32)
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        runner = uvloop.run
    else:
        runner = asyncio.run
    try:
        runner(_serve(args.verify_every))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
