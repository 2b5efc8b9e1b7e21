"""DeleteImageSet on both clients: what a retry does, and waiting for the deletion to finish.

The model marks DeleteImageSet idempotent and gives it no clientToken, so a
failed attempt is retried; a retry after an attempt whose outcome was unclear
may meet that attempt's work (409: locked while DELETING; 404: gone), and the
error then says ``may_have_applied``. ``wait_for_image_set_deletion`` polls
GetImageSet until DELETED, or until the service no longer knows the image set.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client._waiter import ImageSetDeletionWaiter
from healthimaging_client.testing import FrameFormat, LocalHealthImaging

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, Harness
from .test_pixel_methods import _http
from .test_retry import error_response

IMAGE_SET_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}"
DELETING = {
    "datastoreId": DATASTORE_ID,
    "imageSetId": IMAGE_SET_ID,
    "imageSetState": "LOCKED",
    "imageSetWorkflowStatus": "DELETING",
}


@pytest.fixture
def mock() -> Any:
    with respx.mock(using="httpx", assert_all_called=False) as mock:
        yield mock


def _delete(sdk: Harness) -> Any:
    return sdk.run(sdk.client().delete_image_set(DATASTORE_ID, IMAGE_SET_ID))


def test_a_delete_is_sent_once_when_it_succeeds(sdk: Harness, mock: Any) -> None:
    route = mock.post(f"{IMAGE_SET_URL}/deleteImageSet").mock(return_value=httpx.Response(200, json=DELETING))
    output = _delete(sdk)
    assert isinstance(output, hic.DeleteImageSetOutput)
    assert (output.image_set_state, output.image_set_workflow_status) == (
        hic.ImageSetState.LOCKED,
        hic.ImageSetWorkflowStatus.DELETING,
    )
    assert route.call_count == 1 and route.calls[0].request.content == b""


@pytest.mark.parametrize(
    "first",
    [error_response(500), error_response(502, ""), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut short")],
    ids=["500", "502", "read-timeout", "cut-short"],
)
def test_a_delete_whose_outcome_was_unclear_is_retried(sdk: Harness, mock: Any, first: Any) -> None:
    route = mock.post(f"{IMAGE_SET_URL}/deleteImageSet").mock(side_effect=[first, httpx.Response(200, json=DELETING)])
    assert _delete(sdk).image_set_workflow_status == "DELETING"
    assert route.call_count == 2


@pytest.mark.parametrize("then", [409, 404], ids=["locked-by-it", "gone"])
@pytest.mark.parametrize("first", [error_response(500), httpx.ReadTimeout("slow")], ids=["500", "read-timeout"])
def test_after_an_unclear_attempt_409_and_404_may_be_its_doing(sdk: Harness, mock: Any, first: Any, then: int) -> None:
    mock.post(f"{IMAGE_SET_URL}/deleteImageSet").mock(side_effect=[first, error_response(then)])
    with pytest.raises(hic.ServiceError) as caught:
        _delete(sdk)
    error = caught.value
    assert isinstance(error, hic.ConflictException if then == 409 else hic.ResourceNotFoundException)
    assert error.may_have_applied and error.attempts == 2
    assert "may have been applied" in str(error)


@pytest.mark.parametrize("then", [409, 404])
@pytest.mark.parametrize(
    "first",
    [None, error_response(429), error_response(503, ""), httpx.ConnectError("refused")],
    ids=["first-attempt", "throttled", "unavailable", "not-connected"],
)
def test_409_and_404_after_attempts_that_cannot_have_applied_are_plain(
    sdk: Harness, mock: Any, first: Any, then: int
) -> None:
    script = [error_response(then)] if first is None else [first, error_response(then)]
    mock.post(f"{IMAGE_SET_URL}/deleteImageSet").mock(side_effect=script)
    with pytest.raises(hic.ServiceError) as caught:
        _delete(sdk)
    assert not caught.value.may_have_applied
    assert "may have been applied" not in str(caught.value)


def test_reads_never_say_may_have_applied(sdk: Harness, mock: Any) -> None:
    mock.post(f"{IMAGE_SET_URL}/getImageSet").mock(side_effect=[error_response(500), error_response(404)])
    with pytest.raises(hic.ResourceNotFoundException) as caught:
        sdk.run(sdk.client().get_image_set(DATASTORE_ID, IMAGE_SET_ID))
    assert not caught.value.may_have_applied


# --- waiting for the deletion ------------------------------------------------------------


def _image_set(state: str, status: str | None, **extra: Any) -> httpx.Response:
    body = {"datastoreId": DATASTORE_ID, "imageSetId": IMAGE_SET_ID, "versionId": "2", "imageSetState": state}
    if status is not None:
        body["imageSetWorkflowStatus"] = status
    return httpx.Response(200, json={**body, **extra})


def _wait(sdk: Harness, **kwargs: Any) -> Any:
    return sdk.run(sdk.client().wait_for_image_set_deletion(DATASTORE_ID, IMAGE_SET_ID, **kwargs))


def test_waits_until_get_image_set_says_deleted(sdk: Harness, mock: Any) -> None:
    route = mock.post(f"{IMAGE_SET_URL}/getImageSet").mock(
        side_effect=[
            _image_set("LOCKED", "DELETING"),
            _image_set("LOCKED", "DELETING"),
            _image_set("DELETED", "DELETED", deletedAt=1680042300.5),
        ]
    )
    assert _wait(sdk, poll_interval=4) is None
    assert route.call_count == 3 and sdk.clock.sleeps == [4, 4]


def test_an_image_set_the_service_forgot_is_deleted(sdk: Harness, mock: Any) -> None:
    mock.post(f"{IMAGE_SET_URL}/getImageSet").mock(side_effect=[_image_set("LOCKED", "DELETING"), error_response(404)])
    assert _wait(sdk, poll_interval=1) is None
    assert sdk.clock.sleeps == [1]


def test_other_errors_and_the_timeout_end_the_wait(sdk: Harness, mock: Any) -> None:
    mock.post(f"{IMAGE_SET_URL}/getImageSet").mock(return_value=error_response(403))
    with pytest.raises(hic.AccessDeniedException):
        _wait(sdk)
    mock.post(f"{IMAGE_SET_URL}/getImageSet").mock(return_value=_image_set("LOCKED", "DELETING"))
    with pytest.raises(hic.WaiterTimeoutError) as caught:
        _wait(sdk, timeout=10, poll_interval=3)
    assert "was not deleted after 10 s: it is LOCKED (DELETING)" in str(caught.value)
    assert caught.value.operation == "GetImageSet"
    assert isinstance(caught.value.properties, hic.GetImageSetOutput)


def test_throttled_polls_back_off(sdk: Harness, mock: Any) -> None:
    throttled = error_response(429)
    mock.post(f"{IMAGE_SET_URL}/getImageSet").mock(
        side_effect=[throttled, throttled, throttled, _image_set("DELETED", None)]
    )
    client = sdk.client(retry=hic.RetryConfig(max_attempts=1))
    sdk.run(client.wait_for_image_set_deletion(DATASTORE_ID, IMAGE_SET_ID, poll_interval=2))
    assert sdk.clock.sleeps == [4, 8, 16]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"image_set_id": "nope"}, "image_set_id"),
        ({"timeout": -1}, "timeout"),
        ({"poll_interval": 0}, "poll_interval"),
    ],
)
def test_bad_waits_are_refused_before_polling(kwargs: dict[str, Any], problem: str) -> None:
    arguments: dict[str, Any] = {"timeout": 60.0, "poll_interval": 5.0, "clock": lambda: 0.0, **kwargs}
    image_set_id = arguments.pop("image_set_id", IMAGE_SET_ID)
    with pytest.raises(hic.ParamValidationError, match=problem):
        ImageSetDeletionWaiter(DATASTORE_ID, image_set_id, **arguments)


def test_delete_then_wait_against_the_emulator(sdk: Harness) -> None:
    """The emulator keeps the image set DELETING for its state delay, on the same fake clock as the client."""
    local = LocalHealthImaging(seed=5, clock=sdk.clock, state_delay=30)
    image_set_id = local.add_image_set(frame_format=FrameFormat(rows=8, columns=8))
    client = sdk.client(**local.client_config(), aws_session_token=None, http_client=_http(sdk, local.transport))
    started = sdk.run(client.delete_image_set(local.datastore_id, image_set_id))
    assert (started.image_set_state, started.image_set_workflow_status) == ("LOCKED", "DELETING")
    sdk.run(client.wait_for_image_set_deletion(local.datastore_id, image_set_id, poll_interval=10))
    assert sdk.clock.sleeps == [10, 10, 10]
    after = sdk.run(client.get_image_set(local.datastore_id, image_set_id))
    assert (after.image_set_state, after.deleted_at is not None) == (hic.ImageSetState.DELETED, True)
    with pytest.raises(hic.ResourceNotFoundException):
        sdk.run(client.get_image_set_metadata(local.datastore_id, image_set_id))
