"""Shared fixtures: fake credentials, and one harness that drives either client.

Every behaviour test that concerns both clients takes the ``sdk`` fixture,
which runs each scenario once with ``Client`` and once with ``AsyncClient``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import httpx
import pytest
import respx.mocks
from httpx_aiohttp import AiohttpTransport

import healthimaging_client as hic
from healthimaging_client.testing import FakeClock

from .faultserver import FaultServer


class _RespxMocker(respx.mocks.HTTPCoreMocker):
    """respx's httpcore mocker, extended to AsyncClient's default transport (aiohttp-backed, no httpcore inside).

    That transport takes and returns httpx objects, so requests pass as they are and each mocked
    response is handed back fresh, its body still unread, as a real transport returns it.
    """

    name = "healthimaging_client"
    targets: ClassVar[list[str]] = [
        *respx.mocks.HTTPCoreMocker.targets,
        "httpx_aiohttp.AiohttpTransport",
    ]

    @classmethod
    def to_httpx_request(cls, **kwargs: Any) -> Any:
        request = kwargs["request"]
        return request if isinstance(request, httpx.Request) else super().to_httpx_request(**kwargs)

    @classmethod
    async def from_async_httpx_response(cls, httpx_response: Any, target: Any, **kwargs: Any) -> Any:
        if not isinstance(kwargs["request"], httpx.Request):
            return await super().from_async_httpx_response(httpx_response, target, **kwargs)
        return httpx.Response(
            httpx_response.status_code,
            headers=httpx_response.headers.raw,
            stream=httpx_response.stream,
            extensions=httpx_response.extensions,
        )


respx.mocks.DEFAULT_MOCKER = _RespxMocker.name

REGION = "us-east-1"
ACCESS_KEY = "AKIDEXAMPLEFAKE00001"
SECRET_KEY = "fake-secret-key-for-tests-only-0000000000"
SESSION_TOKEN = "fake-session-token-for-tests-only"
DATASTORE_ID = "0123456789abcdef0123456789abcdef"
IMAGE_SET_ID = "fedcba9876543210fedcba9876543210"
OTHER_IMAGE_SET_ID = "00112233445566778899aabbccddeeff"
ENDPOINT = "https://runtime-medical-imaging.us-east-1.amazonaws.com"


@pytest.fixture(autouse=True)
def _isolated_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No test reads the developer's AWS files or environment, or reaches a metadata service."""
    for name in list(__import__("os").environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def client_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "region_name": REGION,
        "aws_access_key_id": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "aws_session_token": SESSION_TOKEN,
        "retry": hic.RetryConfig(base_delay=0.001, max_delay=0.005),
    }
    kwargs.update(overrides)
    return kwargs


class Harness:
    """Calls a client's methods synchronously, whichever client it holds.

    Its clients share one :class:`FakeClock`: retries, pacing and waiters
    wait without waiting, and ``clock.sleeps`` records each wait.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.loop = asyncio.new_event_loop() if kind == "async" else None
        self.clients: list[Any] = []
        self.clock = FakeClock()

    def client(self, **overrides: Any) -> Any:
        cls = hic.AsyncClient if self.kind == "async" else hic.Client
        client = cls(**client_kwargs(clock=self.clock, **overrides))
        self.clients.append(client)
        return client

    def run(self, value: Any) -> Any:
        """The result of a method call: awaited when it is a coroutine."""
        if inspect.isawaitable(value):
            assert self.loop is not None
            return self.loop.run_until_complete(value)
        return value

    def collect(self, iterator: Iterator[Any] | AsyncIterator[Any]) -> list[Any]:
        if isinstance(iterator, Iterator):
            return list(iterator)

        async def drain() -> list[Any]:
            return [item async for item in iterator]

        return self.run(drain())

    def close(self) -> None:
        for client in self.clients:
            self.run(client.aclose() if self.kind == "async" else client.close())
        if self.loop is not None:
            # Finalize async generators that a failed read left open (as asyncio.run does).
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def sdk(request: pytest.FixtureRequest) -> Iterator[Harness]:
    harness = Harness(request.param)
    yield harness
    harness.close()


# --- the fault server (tests/faultserver.py), with a client of each kind aimed at it ---------------

#: Short enough that the slow case is quick, long enough for a loaded 2-core machine to answer the others.
READ_TIMEOUT = 1.0

#: "async" is AsyncClient's default transport, whichever that is; the other two name one explicitly.
TRANSPORTS = ["sync", "async", "async-httpx", "async-aiohttp"]


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    """One server for the module; each test scripts it afresh, which also clears its request log."""
    server = FaultServer().start()
    yield server
    server.stop()


class Faulty:
    """One client of the parametrized kind, aimed at the fault server, whose waits are only recorded."""

    def __init__(self, transport: str, server: FaultServer, **overrides: Any) -> None:
        self.harness = Harness("sync" if transport == "sync" else "async")
        self.http: httpx.AsyncClient | None = None
        # verify=False only skips loading CA certificates (50 ms a client): the server speaks plain HTTP.
        if transport == "async-httpx":
            self.http = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(verify=False))
        elif transport == "async-aiohttp":
            self.http = httpx.AsyncClient(transport=AiohttpTransport(verify=False))
        extra: dict[str, Any] = {"http_client": self.http} if self.http is not None else {}
        settings: dict[str, Any] = {
            "endpoint_url": server.url,
            "retry": hic.RetryConfig(),  # the defaults: 3 attempts, base 1 s, cap 20 s
            "timeout": httpx.Timeout(READ_TIMEOUT, connect=5.0),
            **extra,
        }
        self.client = self.harness.client(**{**settings, **overrides})
        self.slept = self.harness.clock.sleeps

    def call(self, operation: str) -> Any:
        if operation == "GetImageSetMetadata":
            return self.harness.run(self.client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))
        return self.harness.run(self.client.search_image_sets(DATASTORE_ID))

    def close(self) -> None:
        if self.http is not None:
            self.harness.run(self.http.aclose())
        self.harness.close()


@pytest.fixture(params=TRANSPORTS)
def faulty(request: pytest.FixtureRequest, server: FaultServer) -> Iterator[Faulty]:
    faulty = Faulty(request.param, server)
    yield faulty
    faulty.close()
