"""Each kind of transport failure, staged for real on loopback, and a client of each transport to meet it.

A DNS failure (the resolver is patched to fail for one made-up host, so no
query leaves the machine), a refused port, a reset, a read timeout, a body cut
short and a malformed answer (the last four from ``tests/faultserver.py``).
``TRANSPORTS`` are ``Client``'s httpx pool, ``AsyncClient``'s default
(aiohttp-backed) and ``AsyncClient`` on httpx's own async pool.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

import healthimaging_client as hic

from .conftest import Harness
from .faultserver import FaultServer, Step, raw, reset, stall, truncated

TRANSPORTS = ["sync", "async", "async-httpx"]
#: The made-up host whose name never resolves (the resolver is patched; ``.invalid`` is reserved besides).
UNRESOLVABLE = "no-such-host.invalid"
#: Long enough for a loaded machine to answer the other cases, short enough to keep three attempts quick.
READ_TIMEOUT = 0.1


@attrs.frozen
class Failure:
    error: type[hic.HealthImagingError]
    #: What the message says after the host (``{host}`` is the host and port).
    says: str
    #: What the fault server does with each request; None when no server is reached.
    script: tuple[Step, ...] | None = None
    #: "server", "refused" or "unresolvable".
    target: str = "server"


FAILURES = {
    "dns": Failure(hic.ConnectError, "could not connect to {host}: the DNS lookup of its name failed", target="dns"),
    "refused": Failure(hic.ConnectError, "could not connect to {host}: the connection was refused", target="refused"),
    "reset": Failure(hic.TransportError, "the connection to {host} was reset", (reset(),)),
    "timeout": Failure(hic.TimeoutError, "reading the response from {host} timed out", (stall(30.0, reset()),)),
    "cut short": Failure(hic.TransportError, "the response from {host} was cut short", (truncated(),)),
    "malformed": Failure(hic.TransportError, "the response from {host} is not valid HTTP", (raw(b"NOT HTTP\r\n\r\n"),)),
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def staged(failure: Failure, server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The endpoint URL where ``failure`` happens."""
    if failure.target == "dns":
        resolve = socket.getaddrinfo

        def unresolvable(host: Any, *args: Any, **kwargs: Any) -> Any:
            if host in (UNRESOLVABLE, UNRESOLVABLE.encode()):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return resolve(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", unresolvable)
        yield f"http://{UNRESOLVABLE}:8080"
    elif failure.target == "refused":
        yield f"http://127.0.0.1:{closed_port()}"
    else:
        assert failure.script is not None
        server.script(*failure.script)
        yield server.url


def client(harness: Harness, transport: str, endpoint_url: str, **kwargs: Any) -> tuple[Any, httpx.AsyncClient | None]:
    """A client of ``transport`` aimed at ``endpoint_url``, and the httpx client to close after (if one was made)."""
    http: httpx.AsyncClient | None = None
    if transport == "async-httpx":
        http = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(verify=False))
    elif transport == "async-aiohttp":
        http = httpx.AsyncClient(transport=AiohttpTransport(verify=False))
    extra: dict[str, Any] = {"http_client": http} if http is not None else {}
    made = harness.client(
        endpoint_url=endpoint_url, timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0), **extra, **kwargs
    )
    return made, http
