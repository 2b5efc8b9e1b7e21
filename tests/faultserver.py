"""A loopback HTTP/1.1 server that misbehaves on cue, for the fault-injection tests.

Each request it reads takes the next step of a script (the last step
repeats), so a test says "reset, then answer 200" and then counts what the
server saw. It speaks raw sockets, because the faults live below HTTP: a
reset before any byte, a body shorter than its Content-Length, an answer
that comes too late, a ``100 Continue`` and then nothing, a body trickled
one byte at a time.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs

#: One step: handle the connection after a request was read; True keeps it open for the next request.
Step = Callable[[socket.socket, "FaultServer"], bool]


@attrs.frozen
class Seen:
    """A request the server read in full."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


def _head(status: int, headers: Mapping[str, str], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} Scripted", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def reply(status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Step:
    """Answer in full and keep the connection open."""
    head = _head(status, {"Content-Type": "application/json", **(headers or {})}, len(body))

    def step(conn: socket.socket, server: FaultServer) -> bool:
        conn.sendall(head)
        conn.sendall(body)  # apart: a large body is not copied (the memory tests measure the client)
        return True

    return step


def reply_json(status: int, document: object, headers: Mapping[str, str] | None = None) -> Step:
    return reply(status, json.dumps(document).encode(), headers)


def reply_gzip(document: object) -> Step:
    """A 200 whose JSON body is gzip-compressed, as GetImageSetMetadata answers."""
    return reply(200, gzip.compress(json.dumps(document).encode()), {"Content-Encoding": "gzip"})


def reset() -> Step:
    """Drop the connection with a TCP reset before sending any byte of a response."""

    def step(conn: socket.socket, server: FaultServer) -> bool:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        return False

    return step


def truncated(status: int = 200, sent: bytes = b'{"imageSetsMetadataSummaries": [', declared: int = 4096) -> Step:
    """Promise ``declared`` bytes of body, send ``sent``, then close."""
    head = _head(status, {"Content-Type": "application/json"}, declared)

    def step(conn: socket.socket, server: FaultServer) -> bool:
        conn.sendall(head + sent)
        return False

    return step


def raw(data: bytes) -> Step:
    """Send ``data`` as it is (no valid HTTP, say), then close."""

    def step(conn: socket.socket, server: FaultServer) -> bool:
        conn.sendall(data)
        return False

    return step


def stall(seconds: float, then: Step) -> Step:
    """Say nothing for ``seconds`` (cut short when the server stops), then do ``then``."""

    def step(conn: socket.socket, server: FaultServer) -> bool:
        if server.stopping.wait(seconds):
            return False
        return then(conn, server)

    return step


def interim_then_silence(status: int = 100, seconds: float = 30.0) -> Step:
    """Send an interim (1xx) response, then nothing for ``seconds`` (cut short when the server stops)."""

    def step(conn: socket.socket, server: FaultServer) -> bool:
        conn.sendall(f"HTTP/1.1 {status} Continue\r\n\r\n".encode())
        server.stopping.wait(seconds)
        return False

    return step


def trickle(body: bytes, every: float, status: int = 200) -> Step:
    """Promise ``body``, then send it one byte every ``every`` seconds, until done or the client hangs up."""
    head = _head(status, {"Content-Type": "application/json"}, len(body))

    def step(conn: socket.socket, server: FaultServer) -> bool:
        conn.sendall(head)
        for byte in body:
            if server.stopping.wait(every):
                return False
            conn.sendall(bytes([byte]))
        return True

    return step


def held(release: threading.Event, then: Step) -> Step:
    """Say nothing until the test sets ``release`` (or the server stops), then do ``then``."""

    def step(conn: socket.socket, server: FaultServer) -> bool:
        while not release.wait(0.01):
            if server.stopping.is_set():
                return False
        return then(conn, server)

    return step


class _Handler(socketserver.BaseRequestHandler):
    server: FaultServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        reader = conn.makefile("rb")
        try:
            keep_open = True
            while keep_open and (seen := _read_request(reader)) is not None:
                step = self.server.record(seen)
                keep_open = step(conn, self.server)
        except OSError:
            pass  # the client gave up on this connection (a timeout, say): nothing to answer
        finally:
            reader.close()


def _read_request(reader: Any) -> Seen | None:
    line = reader.readline()
    if not line.strip():
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return Seen(method, path, headers, body)


class FaultServer(socketserver.ThreadingTCPServer):
    """Serves scripted steps on 127.0.0.1 from a background thread; ``requests`` lists what it read."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5: tests that open 100 connections at once would see SYNs
    # dropped and retried after 1, 3, 7... seconds on a busy machine.
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        self._script: list[Step] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *steps: Step) -> None:
        """What to do with the coming requests, in order (the last step repeats); forgets the requests seen."""
        with self._lock:
            self._script = list(steps)
            self.requests = []

    def record(self, seen: Seen) -> Step:
        with self._lock:
            self.requests.append(seen)
            if not self._script:
                raise AssertionError("the test scripted no response")
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    def signatures(self) -> list[str]:
        """The SigV4 signatures of the requests read (secret-derived: tests check that nothing shows them)."""
        with self._lock:
            headers = [seen.headers.get("authorization", "") for seen in self.requests]
        return [value.rsplit("Signature=", 1)[1] for value in headers if "Signature=" in value]

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join()
