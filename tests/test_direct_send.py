"""The pools the SDK makes send without httpx's auth flow, redirects, hooks and cookie jar (this API uses none)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from healthimaging_client._transport import (
    DEFAULT_TIMEOUT,
    DirectAsyncClient,
    DirectClient,
    default_async_http,
    default_sync_http,
)

URL = "http://127.0.0.1:9/x"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"}, json={"ok": True})


def test_a_pool_the_sdk_made_keeps_no_cookie_and_ties_the_response_to_its_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    http = DirectClient(transport=httpx.MockTransport(_answer))
    request = http.build_request("POST", URL, content=b"{}")
    response = http.send(request, stream=True)
    assert response.request is request
    assert response.read() == b'{"ok":true}'
    assert not http.cookies  # httpx's own send would have stored the session cookie
    assert any(r.getMessage().startswith("HTTP Request: POST") for r in caplog.records)  # httpx's line, as before
    http.close()


def test_the_async_pool_keeps_no_cookie_either() -> None:
    async def send() -> httpx.AsyncClient:
        http = DirectAsyncClient(transport=httpx.MockTransport(_answer))
        response = await http.send(http.build_request("POST", URL, content=b"{}"), stream=True)
        assert response.status_code == 200
        await response.aclose()
        await http.aclose()
        return http

    assert not asyncio.run(send()).cookies


def test_a_send_that_is_not_streamed_takes_httpx_own_path() -> None:
    http = DirectClient(transport=httpx.MockTransport(_answer))
    assert http.send(http.build_request("POST", URL)).json() == {"ok": True}
    assert http.cookies.get("session") == "abc"
    http.close()


def test_both_clients_default_pools_send_directly() -> None:
    sync = default_sync_http(DEFAULT_TIMEOUT, None)
    assert isinstance(sync, DirectClient)
    sync.close()
    assert isinstance(default_async_http(DEFAULT_TIMEOUT, None), DirectAsyncClient)
