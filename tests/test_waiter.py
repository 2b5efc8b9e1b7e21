"""wait_for_image_set on both clients, on the harness's fake clock so that waits take no time."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client.testing import FakeClock

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, Harness

VERSIONS_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/listImageSetVersions"


def version(
    version_id: str, state: str, status: str | None = None, message: str | None = None, **extra: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {"imageSetId": IMAGE_SET_ID, "versionId": version_id, "imageSetState": state, **extra}
    if status is not None:
        item["ImageSetWorkflowStatus"] = status
    if message is not None:
        item["message"] = message
    return item


def page(*items: dict[str, Any], next_token: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"imageSetPropertiesList": list(items)}
    if next_token:
        body["nextToken"] = next_token
    return httpx.Response(200, json=body)


def test_waits_until_the_latest_version_is_unlocked(sdk: Harness) -> None:
    with respx.mock:
        route = respx.post(VERSIONS_URL)
        route.side_effect = [
            page(version("2", "LOCKED", "UPDATING")),
            page(version("2", "LOCKED", "UPDATING")),
            page(version("2", "ACTIVE", "UPDATED", updatedAt=1680042257.908)),
        ]
        done = sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, poll_interval=3))
        assert route.call_count == 3
        assert all(call.request.url.params["maxResults"] == "1" for call in route.calls)
    assert isinstance(done, hic.ImageSetProperties)
    assert (done.version_id, done.image_set_state, done.image_set_workflow_status) == ("2", "ACTIVE", "UPDATED")
    assert sdk.clock.sleeps == [3, 3]


@pytest.mark.parametrize(("working", "status"), [("UPDATING", "UPDATE_FAILED"), ("COPYING", "COPY_FAILED")])
def test_a_failed_write_raises_with_the_service_message(sdk: Harness, working: str, status: str) -> None:
    with respx.mock:
        respx.post(VERSIONS_URL).side_effect = [
            page(version("4", "LOCKED", working)),
            page(version("4", "ACTIVE", status, message="Invalid input for tag 00100010")),
        ]
        with pytest.raises(hic.WaiterError) as caught:
            sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID))
    error = caught.value
    assert not isinstance(error, hic.WaiterTimeoutError)
    assert status in str(error)
    assert "Invalid input for tag 00100010" in str(error)
    assert error.properties is not None and error.properties.version_id == "4"
    assert sdk.clock.sleeps == [5.0]


def test_times_out_with_the_last_state(sdk: Harness) -> None:
    with respx.mock:
        route = respx.post(VERSIONS_URL).mock(return_value=page(version("7", "LOCKED", "COPYING")))
        with pytest.raises(hic.WaiterTimeoutError) as caught:
            sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, timeout=12, poll_interval=5))
        assert route.call_count == 4
    assert sdk.clock.sleeps == [5, 5, 2]
    assert "COPYING" in str(caught.value) and "12 s" in str(caught.value)
    assert caught.value.properties is not None and caught.value.properties.version_id == "7"


def test_backs_off_while_throttled(sdk: Harness) -> None:
    throttled = httpx.Response(429, json={"message": "slow down"}, headers={"x-amzn-ErrorType": "ThrottlingException"})
    with respx.mock:
        respx.post(VERSIONS_URL).side_effect = [
            page(version("2", "LOCKED", "UPDATING")),
            throttled,
            throttled,
            page(version("2", "LOCKED", "UPDATING")),
            page(version("2", "ACTIVE", "UPDATED")),
        ]
        client = sdk.client(retry=hic.RetryConfig(max_attempts=1))
        done = sdk.run(client.wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, poll_interval=2))
    assert done.version_id == "2"
    assert sdk.clock.sleeps == [2, 4, 8, 2]


def test_a_named_version_is_found_across_pages(sdk: Harness) -> None:
    with respx.mock:
        route = respx.post(VERSIONS_URL)
        route.side_effect = [
            page(version("3", "LOCKED", "UPDATING"), version("2", "LOCKED", "COPYING"), next_token="t+/="),
            page(version("1", "ACTIVE", "COPIED")),
        ]
        done = sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, version_id=1))
        assert route.calls[1].request.url.params["nextToken"] == "t+/="
    assert done.version_id == "1"
    assert sdk.clock.sleeps == [0.0]


def test_an_unknown_version_raises(sdk: Harness) -> None:
    with respx.mock:
        respx.post(VERSIONS_URL).mock(return_value=page(version("2", "ACTIVE", "UPDATED")))
        with pytest.raises(hic.WaiterError, match="version 9 was not found"):
            sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, version_id="9"))


def test_other_errors_are_not_swallowed(sdk: Harness) -> None:
    with respx.mock:
        respx.post(VERSIONS_URL).mock(
            return_value=httpx.Response(404, json={}, headers={"x-amzn-ErrorType": "ResourceNotFoundException"})
        )
        with pytest.raises(hic.ResourceNotFoundException):
            sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID))


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": -1}, {"poll_interval": 0}, {"poll_interval": True}, {"version_id": "v2"}],
)
def test_bad_arguments_are_rejected_before_polling(sdk: Harness, kwargs: dict[str, Any]) -> None:
    with respx.mock, pytest.raises(hic.ParamValidationError):
        sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, **kwargs))


def test_an_image_set_without_versions_raises(sdk: Harness) -> None:
    with respx.mock:
        respx.post(VERSIONS_URL).mock(return_value=page())
        with pytest.raises(hic.WaiterError, match="has no versions"):
            sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID))


def test_throttled_polling_slows_down_to_a_cap_and_honours_retry_after() -> None:
    from healthimaging_client._waiter import MAX_THROTTLED_INTERVAL, ImageSetWaiter

    waiter = ImageSetWaiter(
        DATASTORE_ID, IMAGE_SET_ID, version_id=None, timeout=10_000, poll_interval=5, clock=FakeClock().monotonic
    )

    def throttling(retry_after: float | None) -> hic.ThrottlingException:
        return hic.ThrottlingException(
            "", operation="ListImageSetVersions", status_code=429, code="ThrottlingException", retry_after=retry_after
        )

    waiter.throttled(throttling(None))
    assert waiter.delay() == 10
    waiter.throttled(throttling(33))
    assert waiter.delay() == 33
    for _ in range(5):
        waiter.throttled(throttling(None))
    assert waiter.delay() == MAX_THROTTLED_INTERVAL


def test_a_deletion_is_waited_out_and_ends_deleted(sdk: Harness) -> None:
    """DELETING is work in progress like UPDATING; DELETED ends the wait, with the state to say so."""
    with respx.mock:
        route = respx.post(VERSIONS_URL)
        route.side_effect = [page(version("3", "LOCKED", "DELETING")), page(version("3", "DELETED", "DELETED"))]
        done = sdk.run(sdk.client().wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, poll_interval=2))
    assert (done.image_set_state, done.image_set_workflow_status) == (
        hic.ImageSetState.DELETED,
        hic.ImageSetWorkflowStatus.DELETED,
    )
    assert sdk.clock.sleeps == [2]
