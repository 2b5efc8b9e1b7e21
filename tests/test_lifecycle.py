"""A closed client, or an AsyncClient on another event loop, says so at once (issue 13, defect 4).

Nothing is sent and nothing retried: ``ClientClosedError`` when the client (or
the httpx client it sends with) is closed, ``WrongEventLoopError`` when an
``AsyncClient`` runs on another loop than its first. No "Task exception was
never retrieved" and no unclosed-socket warning follow.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, ENDPOINT, Harness, client_kwargs
from .faultserver import FaultServer, reply_json

SEARCH = {"imageSetsMetadataSummaries": []}
SEARCH_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/searchImageSets"


@pytest.fixture
def mock() -> Iterator[Any]:
    with respx.mock(using="httpx", assert_all_called=False) as mock:
        yield mock


def _close(sdk: Harness, client: Any) -> None:
    sdk.run(client.aclose() if sdk.kind == "async" else client.close())


def test_a_closed_client_refuses_at_once(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=httpx.Response(200, json=SEARCH))
    client = sdk.client(retry=hic.RetryConfig(max_attempts=5))
    sdk.run(client.search_image_sets(DATASTORE_ID))
    _close(sdk, client)
    with pytest.raises(hic.ClientClosedError, match="closed") as caught:
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert isinstance(caught.value, RuntimeError)
    assert caught.value.attempts == 1
    with pytest.raises(hic.ClientClosedError):
        sdk.collect(client.iter_image_sets(DATASTORE_ID))
    with pytest.raises(hic.ClientClosedError):  # a view of a closed client is closed too
        sdk.run(client.with_options(timeout=5.0).search_image_sets(DATASTORE_ID))
    assert route.call_count == 1 and sdk.clock.sleeps == []
    _close(sdk, client)  # closing twice is harmless


def test_closing_a_view_leaves_the_client_open(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=httpx.Response(200, json=SEARCH))
    client = sdk.client()
    _close(sdk, client.with_options(timeout=5.0))
    sdk.run(client.search_image_sets(DATASTORE_ID))
    assert route.call_count == 1


def test_a_closed_httpx_client_of_ones_own_is_refused_at_once(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=httpx.Response(200, json=SEARCH))
    http: httpx.Client | httpx.AsyncClient = httpx.AsyncClient() if sdk.kind == "async" else httpx.Client()
    client = sdk.client(http_client=http, retry=hic.RetryConfig(max_attempts=5))
    sdk.run(http.aclose() if isinstance(http, httpx.AsyncClient) else http.close())
    with pytest.raises(hic.ClientClosedError, match="httpx client"):
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert route.call_count == 0 and sdk.clock.sleeps == []


class _LoopErrors(logging.Handler):
    """Records what asyncio reports about tasks nobody awaited ("Task exception was never retrieved")."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def loop_errors() -> Iterator[_LoopErrors]:
    handler = _LoopErrors()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_an_async_client_used_from_a_second_event_loop_says_so_at_once(
    server: FaultServer, loop_errors: _LoopErrors
) -> None:
    # "Connection: close": the first loop leaves no connection behind when it ends (the user's other mistake).
    server.script(reply_json(200, SEARCH, {"Connection": "close"}))
    client = hic.AsyncClient(**client_kwargs(endpoint_url=server.url, retry=hic.RetryConfig(max_attempts=5)))
    asyncio.run(client.search_image_sets(DATASTORE_ID))
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        with pytest.raises(hic.WrongEventLoopError, match="has closed") as caught:
            asyncio.run(client.search_image_sets(DATASTORE_ID))
        asyncio.run(client.aclose())  # the first loop has ended: closing on another is all that is left
        with pytest.raises(hic.ClientClosedError):
            asyncio.run(client.search_image_sets(DATASTORE_ID))
        gc.collect()
    assert isinstance(caught.value, RuntimeError) and caught.value.attempts == 1
    assert len(server.requests) == 1
    assert loop_errors.messages == []
    assert [str(w.message) for w in caught_warnings] == []


def test_two_running_loops_one_client_no_warnings(server: FaultServer, loop_errors: _LoopErrors) -> None:
    server.script(reply_json(200, SEARCH))
    home = asyncio.new_event_loop()
    thread = threading.Thread(target=home.run_forever, daemon=True)
    thread.start()
    try:
        with warnings.catch_warnings(record=True) as caught_warnings:
            warnings.simplefilter("always")
            client = hic.AsyncClient(**client_kwargs(endpoint_url=server.url))
            asyncio.run_coroutine_threadsafe(client.search_image_sets(DATASTORE_ID), home).result(10)
            with pytest.raises(hic.WrongEventLoopError, match="not the running one"):
                asyncio.run(client.search_image_sets(DATASTORE_ID))
            with pytest.raises(hic.WrongEventLoopError):
                asyncio.run(client.aclose())  # its loop still runs: close it there
            asyncio.run_coroutine_threadsafe(client.aclose(), home).result(10)
            with pytest.raises(hic.ClientClosedError):
                asyncio.run_coroutine_threadsafe(client.search_image_sets(DATASTORE_ID), home).result(10)
            gc.collect()
    finally:
        home.call_soon_threadsafe(home.stop)
        thread.join(10)
        home.close()
    assert len(server.requests) == 1
    assert loop_errors.messages == []
    assert [str(w.message) for w in caught_warnings] == []
