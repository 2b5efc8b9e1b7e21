"""Client-side pacing: the token buckets on a fake clock, and the waits both clients take from them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client._pacing import Pacer
from healthimaging_client.testing import FakeClock

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, Harness

UPDATE_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/updateImageSetMetadata"
UPDATE_OK = {
    "datastoreId": DATASTORE_ID,
    "imageSetId": IMAGE_SET_ID,
    "latestVersionId": "4",
    "imageSetState": "LOCKED",
}


def test_documented_quotas() -> None:
    quotas = hic.RateLimit.service_quotas()
    assert {name: (q.per_second, q.burst) for name, q in quotas.items()} == {
        "SearchImageSets": (25, 50),
        "GetImageSetMetadata": (50, 100),
        "ListImageSetVersions": (25, 50),
        "UpdateImageSetMetadata": (0.25, 1),
        "CopyImageSet": (0.25, 1),
        "GetImageFrame": (1000, 2000),
        "GetImageSet": (25, 50),
        "DeleteImageSet": (0.25, 1),
    }
    quotas.clear()
    assert len(hic.RateLimit.service_quotas()) == 8


def test_a_burst_is_free_then_requests_are_spaced() -> None:
    clock = FakeClock()
    pacer = Pacer({"SearchImageSets": hic.RateLimit(2, burst=3)}, clock)
    assert [pacer.reserve("SearchImageSets") for _ in range(5)] == [0, 0, 0, 0.5, 1.0]
    clock.advance(1.0)  # the two booked slots have passed: the bucket is empty, not in debt
    assert pacer.reserve("SearchImageSets") == 0.5


def test_idle_time_refills_up_to_the_burst_only() -> None:
    clock = FakeClock()
    pacer = Pacer({"UpdateImageSetMetadata": hic.RateLimit(0.25)}, clock)
    assert pacer.reserve("UpdateImageSetMetadata") == 0
    assert pacer.reserve("UpdateImageSetMetadata") == 4.0
    clock.advance(3600)
    assert [pacer.reserve("UpdateImageSetMetadata") for _ in range(3)] == [0, 4.0, 8.0]


def test_operations_are_paced_separately_and_unlisted_ones_not_at_all() -> None:
    pacer = Pacer({"CopyImageSet": hic.RateLimit(0.25)}, FakeClock())
    assert pacer.reserve("CopyImageSet") == 0
    assert [pacer.reserve("SearchImageSets") for _ in range(100)] == [0] * 100
    assert pacer.reserve("CopyImageSet") == 4.0


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        ({"DeleteImageSets": hic.RateLimit(1)}, "unknown operation 'DeleteImageSets'"),
        ({"CopyImageSet": 0.25}, "expected a RateLimit, got float"),
    ],
)
def test_bad_limits_are_rejected(limits: dict[str, Any], problem: str) -> None:
    with pytest.raises(hic.ParamValidationError, match=problem):
        Pacer(limits)


@pytest.mark.parametrize("kwargs", [{"per_second": 0}, {"per_second": True}, {"per_second": 1, "burst": 0}])
def test_rate_limit_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(hic.ParamValidationError, match="rate_limits"):
        hic.RateLimit(**kwargs)


def _update(client: Any) -> Any:
    return client.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=3, revert_to_version_id=1)


def _sent_at(clock: FakeClock, times: list[float]) -> Any:
    """A respx side effect that answers an update and records the (fake) time it was sent at."""

    def respond(request: httpx.Request) -> httpx.Response:
        times.append(clock.now)
        return httpx.Response(200, json=UPDATE_OK)

    return respond


def test_paced_client_waits_before_each_update(sdk: Harness) -> None:
    sent: list[float] = []
    start = sdk.clock.now
    with respx.mock(using="httpx") as mock:
        route = mock.post(UPDATE_URL).mock(side_effect=_sent_at(sdk.clock, sent))
        client = sdk.client(rate_limits={"UpdateImageSetMetadata": hic.RateLimit(0.25)})
        view = client.with_options(timeout=5.0)  # a view shares the buckets, as it shares the account's quota
        for target in (client, view, client):
            sdk.run(_update(target))
    assert route.call_count == 3
    assert [t - start for t in sent] == [0.0, 4.0, 8.0]  # one every 4 s: the quota of 0.25 per second
    assert sdk.clock.sleeps == [4.0, 4.0]


def test_concurrent_tasks_queue_behind_each_other() -> None:
    clock = FakeClock()
    sent: list[float] = []

    async def scenario() -> None:
        with respx.mock(using="httpx") as mock:
            mock.post(UPDATE_URL).mock(side_effect=_sent_at(clock, sent))
            async with hic.AsyncClient(
                region_name="us-east-1",
                aws_access_key_id="AKIDEXAMPLEFAKE00001",
                aws_secret_access_key="fake-secret-key-for-tests-only-0000000000",
                rate_limits=hic.RateLimit.service_quotas(),
                clock=clock,
            ) as client:
                await asyncio.gather(*(_update(client) for _ in range(4)))

    start = clock.now
    asyncio.run(scenario())
    assert sorted(t - start for t in sent) == [0.0, 4.0, 8.0, 12.0]


def test_without_rate_limits_nothing_waits(sdk: Harness) -> None:
    with respx.mock(using="httpx") as mock:
        mock.post(UPDATE_URL).mock(return_value=httpx.Response(200, json=UPDATE_OK))
        client = sdk.client()
        for _ in range(3):
            sdk.run(_update(client))
    assert sdk.clock.sleeps == []
