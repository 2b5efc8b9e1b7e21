"""Leaving ``get_image_set_metadata_many`` early stops its work (issue 13, defect 6).

A request starts only when the consumer asks for more, so leaving the loop
starts nothing new; closing the iterator (``contextlib.aclosing``) cancels
what is in flight before ``aclose`` returns, so nothing runs on to completion.
The transport here counts what starts, finishes and is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, ENDPOINT, client_kwargs

IDS = [f"{n:032x}" for n in range(1, 21)]
FAST = IDS[0]


class Service:
    """Answers the first image set at once; every other request waits until it is cancelled."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.cancelled: list[str] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        image_set_id = request.url.path.split("/")[4]
        self.started.append(image_set_id)
        try:
            if image_set_id != FAST:
                await asyncio.sleep(30)
        except asyncio.CancelledError:
            self.cancelled.append(image_set_id)
            raise
        self.finished.append(image_set_id)
        document = {"SchemaVersion": "1.1", "DatastoreID": DATASTORE_ID, "ImageSetID": image_set_id}
        return httpx.Response(200, stream=httpx.ByteStream(gzip.compress(json.dumps(document).encode())))


def _many(client: hic.AsyncClient) -> AsyncIterator[tuple[str, Any]]:
    return client.get_image_set_metadata_many(DATASTORE_ID, IDS, concurrency=4)


def run(scenario: Any) -> Service:
    service = Service()

    async def main() -> None:
        with respx.mock() as mock:  # the suite's mocker: it hands back the body unread, as off a socket
            mock.post(url__startswith=ENDPOINT).mock(side_effect=service)
            async with hic.AsyncClient(**client_kwargs()) as client:
                await scenario(client, service)

    asyncio.run(main())
    return service


def test_aclose_cancels_what_is_in_flight_and_starts_nothing_new() -> None:
    async def scenario(client: hic.AsyncClient, service: Service) -> None:
        async with contextlib.aclosing(_many(client)) as results:
            async for image_set_id, result in results:
                assert image_set_id == FAST and isinstance(result, hic.ImageSetMetadata)
                await asyncio.sleep(0.05)  # the consumer's own work on the result, then it stops
                break
        # aclose has returned: the three others were cancelled, and nothing is left to run.
        assert sorted(service.cancelled) == sorted(set(service.started) - {FAST})
        await asyncio.sleep(0.2)

    service = run(scenario)
    assert len(service.started) == 4  # the first four; none started after the consumer stopped asking
    assert service.finished == [FAST]
    assert len(service.cancelled) == 3


def test_leaving_the_loop_without_closing_starts_no_new_request() -> None:
    async def scenario(client: hic.AsyncClient, service: Service) -> None:
        results = _many(client)  # held in a variable, not closed yet
        async for _ in results:
            break
        await asyncio.sleep(0.2)
        assert len(service.started) == 4 and service.finished == [FAST]
        await results.aclose()  # type: ignore[attr-defined]
        assert len(service.cancelled) == 3

    run(scenario)
