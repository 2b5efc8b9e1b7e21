"""AsyncClient queues callers for its pool first come, first served, within the ``pool`` timeout (issue 13, defect 3).

Whatever the transport does, a task that frees a connection and calls again
queues behind the tasks already waiting, so none starves; and the wait for a
connection counts inside the attempt's timeout. Throughput and the spread of
call times under load are measured in ``benchmarks/bench_fairness.py``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import healthimaging_client as hic

from .conftest import DATASTORE_ID, client_kwargs
from .faultserver import FaultServer, held, reply_json

SEARCH = {"imageSetsMetadataSummaries": []}
COPY_OK = {
    "datastoreId": DATASTORE_ID,
    "sourceImageSetProperties": {"imageSetId": "a" * 32, "latestVersionId": "2"},
    "destinationImageSetProperties": {"imageSetId": "b" * 32, "latestVersionId": "1"},
}


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Holds the server's first answer until set (set at the end in any case)."""
    release = threading.Event()
    yield release
    release.set()


def _one_connection(server: FaultServer, **overrides: Any) -> hic.AsyncClient:
    kwargs = client_kwargs(
        endpoint_url=server.url, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1), **overrides
    )
    return hic.AsyncClient(**kwargs)


def _datastore(n: int) -> str:
    return f"{n:032x}"


def test_a_task_that_frees_its_connection_queues_behind_the_waiting(server: FaultServer, gate: threading.Event) -> None:
    server.script(held(gate, reply_json(200, SEARCH)), reply_json(200, SEARCH))

    async def scenario() -> list[str]:
        async with _one_connection(server) as client:

            async def loop_twice() -> None:  # the first call holds the only connection; the second asks again
                await client.search_image_sets(_datastore(1))
                await client.search_image_sets(_datastore(1))

            first = asyncio.create_task(loop_twice())
            while not server.requests:
                await asyncio.sleep(0.01)
            waiting = [asyncio.create_task(client.search_image_sets(_datastore(n))) for n in (2, 3)]
            await asyncio.sleep(0.1)  # both are queued for the connection now
            gate.set()
            await asyncio.gather(first, *waiting)
        return [seen.path.split("/")[2] for seen in server.requests]

    order = asyncio.run(scenario())
    assert order == [_datastore(1), _datastore(2), _datastore(3), _datastore(1)]


def test_waiting_for_a_connection_ends_at_the_pool_timeout_and_sends_nothing(
    server: FaultServer, gate: threading.Event
) -> None:
    server.script(held(gate, reply_json(200, SEARCH)))

    async def scenario() -> tuple[hic.TimeoutError, float]:
        async with _one_connection(server, timeout=httpx.Timeout(10.0, pool=0.3)) as client:
            holder = asyncio.create_task(client.search_image_sets(_datastore(1)))
            while not server.requests:
                await asyncio.sleep(0.01)
            started = time.monotonic()
            with pytest.raises(hic.TimeoutError) as caught:
                await client.with_options(retry=hic.RetryConfig(max_attempts=1)).search_image_sets(_datastore(2))
            took = time.monotonic() - started
            gate.set()
            await holder
        return caught.value, took

    error, took = asyncio.run(scenario())
    assert 0.25 < took < 2.0
    assert not error.request_sent and "timeout.pool=0.3s" in str(error)
    assert len(server.requests) == 1


def test_an_unguarded_write_that_never_got_a_connection_is_retried(server: FaultServer, gate: threading.Event) -> None:
    server.script(held(gate, reply_json(200, SEARCH)), reply_json(200, COPY_OK))

    async def scenario() -> Any:
        async with _one_connection(server, timeout=httpx.Timeout(10.0, pool=0.3)) as client:
            holder = asyncio.create_task(client.search_image_sets(_datastore(1)))
            while not server.requests:
                await asyncio.sleep(0.01)

            async def free_soon() -> None:
                await asyncio.sleep(0.5)  # after the copy's first wait ran out
                gate.set()

            freeing = asyncio.create_task(free_soon())
            copied = await client.copy_image_set(DATASTORE_ID, "a" * 32, source_latest_version_id=2)
            await asyncio.gather(holder, freeing)
        return copied

    copied = asyncio.run(scenario())
    assert copied.destination_image_set_properties.image_set_id == "b" * 32
    assert len(server.requests) == 2  # the search, then the copy, once


def test_the_default_pool_queues_past_100_connections(server: FaultServer, gate: threading.Event) -> None:
    """Without ``limits``, the queue sits in front of the transport's pool of 100, not past it."""
    server.script(held(gate, reply_json(200, SEARCH)))

    async def scenario() -> hic.TimeoutError:
        kwargs = client_kwargs(endpoint_url=server.url, timeout=httpx.Timeout(45.0, pool=0.3))
        async with hic.AsyncClient(**kwargs) as client:
            holders = [asyncio.create_task(client.search_image_sets(_datastore(n))) for n in range(100)]
            while len(server.requests) < 100:
                await asyncio.sleep(0.01)
            with pytest.raises(hic.TimeoutError) as caught:
                await client.with_options(retry=hic.RetryConfig(max_attempts=1)).search_image_sets(_datastore(100))
            gate.set()
            await asyncio.gather(*holders)
        return caught.value

    error = asyncio.run(scenario())
    assert not error.request_sent and "timeout.pool" in str(error)
    assert len(server.requests) == 100
