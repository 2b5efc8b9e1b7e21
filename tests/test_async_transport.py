"""AsyncClient's default (aiohttp-backed) transport behaves like httpx's own."""

from __future__ import annotations

import asyncio
import socket

import pytest

import healthimaging_client as hic
from tests.conftest import DATASTORE_ID, IMAGE_SET_ID, Harness, client_kwargs


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_refused_connection_is_a_connect_error_in_both_clients(sdk: Harness) -> None:
    client = sdk.client(endpoint_url=f"http://127.0.0.1:{_closed_port()}", retry=hic.RetryConfig(max_attempts=1))
    with pytest.raises(hic.ConnectError):
        sdk.run(client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))


def test_the_aiohttp_session_opens_inside_the_loop_and_aclose_closes_it() -> None:
    from tests.conftest import client_kwargs

    client = hic.AsyncClient(**client_kwargs(endpoint_url=f"http://127.0.0.1:{_closed_port()}"))
    transport = client._core.backend.http._transport  # type: ignore[attr-defined]
    assert transport.client is None  # made outside any loop: no session yet

    async def use() -> None:
        with pytest.raises(hic.ConnectError):
            await client.with_options(retry=hic.RetryConfig(max_attempts=1)).get_image_set_metadata(
                DATASTORE_ID, IMAGE_SET_ID
            )
        assert transport.client is not None and not transport.client.closed
        await client.aclose()
        assert transport.client.closed

    asyncio.run(use())


def test_an_environment_proxy_keeps_httpx_own_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    from httpx_aiohttp import AiohttpTransport

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def transports() -> tuple[object, object]:
        direct = hic.AsyncClient(**client_kwargs())
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
        proxied = hic.AsyncClient(**client_kwargs())
        try:
            return direct._core.backend.http._transport, proxied._core.backend.http._mounts  # pyright: ignore[reportPrivateUsage]
        finally:
            await direct.aclose()
            await proxied.aclose()

    direct, proxied_mounts = asyncio.run(transports())
    assert isinstance(direct, AiohttpTransport)
    assert any(pattern.pattern.startswith("https") for pattern in proxied_mounts)  # type: ignore[attr-defined]
