"""The retry policy: what is retried, how long each wait is, and what the caller sees at the end.

The pure policy is tested directly; its use by the send loops is tested with
respx for both clients (the ``sdk`` fixture). Waits are recorded, not slept.
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import respx
import tenacity
from botocore.credentials import CredentialProvider, RefreshableCredentials

import healthimaging_client as hic
from healthimaging_client._retry import RetryPolicy, is_retryable
from healthimaging_client._wire.service_errors import service_error as parse_service_error
from healthimaging_client.testing._sigv4 import verify

from .conftest import (
    ACCESS_KEY,
    DATASTORE_ID,
    ENDPOINT,
    IMAGE_SET_ID,
    OTHER_IMAGE_SET_ID,
    SECRET_KEY,
    SESSION_TOKEN,
    Harness,
)

SEARCH_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/searchImageSets"
IMAGE_SET_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}"
SEARCH_OK = {"imageSetsMetadataSummaries": [{"imageSetId": IMAGE_SET_ID}]}
UPDATE_OK = {
    "datastoreId": DATASTORE_ID,
    "imageSetId": IMAGE_SET_ID,
    "latestVersionId": "4",
    "imageSetState": "LOCKED",
    "imageSetWorkflowStatus": "UPDATING",
}
ERROR_CODES = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ConflictException",
    429: "ThrottlingException",
    500: "InternalServerException",
}


def error_response(status: int, code: str | None = None, **headers: str) -> httpx.Response:
    code = code or ERROR_CODES.get(status)
    extra = {"x-amzn-ErrorType": code} if code else {}
    return httpx.Response(status, json={"message": "scripted failure"}, headers={**extra, **headers})


def service_error(status: int, code: str | None = None, **headers: str) -> hic.ServiceError:
    response = error_response(status, code, **headers)
    return parse_service_error("SearchImageSets", status, response.headers, response.content)


@pytest.fixture
def mock() -> Any:
    # using="httpx" mocks at the httpx client, so it holds whatever transport AsyncClient uses.
    with respx.mock(using="httpx", assert_all_called=False) as mock:
        yield mock


# --- the pure policy -------------------------------------------------------------


def test_defaults_follow_the_aws_standard_mode() -> None:
    config = hic.RetryConfig()
    assert (config.max_attempts, config.base_delay, config.max_delay) == (3, 1.0, 20.0)


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"max_attempts": True}, {"base_delay": -1}, {"max_delay": "20"}]
)
def test_config_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(hic.ParamValidationError, match=r"retry\."):
        hic.RetryConfig(**kwargs)


def test_backoff_is_full_jitter_under_an_exponential_ceiling_with_a_cap() -> None:
    config = hic.RetryConfig(base_delay=0.5, max_delay=5.0)
    highest = RetryPolicy(config, rand=lambda: 1.0)
    assert [highest.delay(n, None) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert RetryPolicy(config, rand=lambda: 0.0).delay(3, None) == 0.0
    assert RetryPolicy(config, rand=lambda: 0.25).delay(3, None) == 0.5


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"x-amz-retry-after": "1500"}, 1.5),  # milliseconds
        ({"x-amz-retry-after": "250", "Retry-After": "9"}, 0.25),  # the AWS header wins
        ({"Retry-After": "600"}, 20.0),  # capped
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.1),  # a date: the backoff applies
        ({"Retry-After": "0"}, 0.1),  # never shorter than the backoff (issue 13)
        ({"x-amz-retry-after": "0"}, 0.1),
    ],
)
def test_server_asked_wait_is_honoured_and_capped(headers: dict[str, str], expected: float) -> None:
    policy = RetryPolicy(hic.RetryConfig(), rand=lambda: 0.1)  # the backoff of attempt 1 is 0.1 s
    assert policy.delay(1, service_error(429, **headers)) == expected


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        *((service_error(status), True) for status in (429, 500, 502, 503, 504)),
        *((service_error(status), False) for status in (400, 402, 403, 404, 409)),
        (service_error(400, "ThrottlingException"), True),  # by code, whatever the status
        (service_error(503, "ServiceUnavailableException"), True),
        (hic.ParamValidationError(["x: bad"]), False),
        (hic.InvalidResponseError("bad JSON"), False),
        (hic.TransportError("reset"), True),
        (hic.ConnectError("refused"), True),
        (hic.TimeoutError("read timeout"), True),
        (hic.CredentialsError("none"), False),
    ],
    ids=repr,
)
def test_what_is_retried(error: hic.HealthImagingError, retried: bool) -> None:
    assert is_retryable(error) is retried


# --- the send loops ----------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_status_is_retried_until_success(sdk: Harness, mock: Any, status: int) -> None:
    route = mock.post(SEARCH_URL).mock(side_effect=[error_response(status), httpx.Response(200, json=SEARCH_OK)])
    client = sdk.client(retry=hic.RetryConfig())
    slept = sdk.clock.sleeps
    out = sdk.run(client.search_image_sets(DATASTORE_ID))
    assert out.image_sets_metadata_summaries[0].image_set_id == IMAGE_SET_ID
    assert route.call_count == 2
    assert len(slept) == 1 and 0 <= slept[0] <= 1.0


@pytest.mark.parametrize("status", [400, 402, 403, 404, 409])
def test_client_errors_are_never_retried(sdk: Harness, mock: Any, status: int) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=error_response(status))
    client = sdk.client(retry=hic.RetryConfig(max_attempts=5))
    slept = sdk.clock.sleeps
    with pytest.raises(hic.ServiceError) as caught:
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert type(caught.value).__name__ == ERROR_CODES[status]
    assert caught.value.attempts == 1
    assert route.call_count == 1
    assert slept == []


def test_invalid_parameters_send_nothing(sdk: Harness, mock: Any) -> None:
    route = mock.post(url__startswith=ENDPOINT)
    with pytest.raises(hic.ParamValidationError):
        sdk.run(sdk.client().search_image_sets(DATASTORE_ID, max_results=0))
    assert route.call_count == 0


def test_the_final_error_is_the_sdks_and_records_the_attempts(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=error_response(500))
    client = sdk.client(retry=hic.RetryConfig(max_attempts=4))
    slept = sdk.clock.sleeps
    with pytest.raises(hic.InternalServerException) as caught:
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert not isinstance(caught.value, tenacity.RetryError)
    assert caught.value.attempts == 4
    assert str(caught.value).endswith("after 4 attempts")
    assert route.call_count == 4
    assert len(slept) == 3


def test_max_attempts_one_turns_retries_off(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=error_response(503))
    client = sdk.client(retry=hic.RetryConfig(max_attempts=1))
    with pytest.raises(hic.ServiceError):
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert route.call_count == 1


def test_transport_failures_are_retried_and_typed(sdk: Harness, mock: Any) -> None:
    failures = [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut short")]
    route = mock.post(SEARCH_URL).mock(side_effect=failures)
    client = sdk.client(retry=hic.RetryConfig())
    with pytest.raises(hic.TransportError) as caught:
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert type(caught.value) is hic.TransportError
    assert isinstance(caught.value.__cause__, hic.CauseSummary)
    assert caught.value.__cause__.type_names[0] == "httpx.RemoteProtocolError"
    assert caught.value.attempts == 3
    assert route.call_count == 3


def test_a_foreign_exception_from_the_transport_becomes_a_transport_error(sdk: Harness, mock: Any) -> None:
    class ParserError(Exception):
        """Stands for what a third-party transport may raise, such as aiohttp.ClientResponseError."""

    route = mock.post(SEARCH_URL).mock(
        side_effect=[ParserError("bad status line"), httpx.Response(200, json=SEARCH_OK)]
    )
    client = sdk.client()
    assert sdk.run(client.search_image_sets(DATASTORE_ID)).image_sets_metadata_summaries
    assert route.call_count == 2


def test_retry_after_sets_the_wait(sdk: Harness, mock: Any) -> None:
    throttled = error_response(429, **{"x-amz-retry-after": "1500"})
    mock.post(SEARCH_URL).mock(
        side_effect=[throttled, error_response(503, "", **{"Retry-After": "120"}), httpx.Response(200, json=SEARCH_OK)]
    )
    client = sdk.client(retry=hic.RetryConfig(max_delay=20.0))
    slept = sdk.clock.sleeps
    sdk.run(client.search_image_sets(DATASTORE_ID))
    assert slept == [1.5, 20.0]


def test_each_attempt_is_signed_afresh(sdk: Harness, mock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's signing time follows the fake clock that the backoff advances: each attempt has its own signature."""
    start = sdk.clock.now
    signed_at = datetime(2026, 1, 2, 3, 4, 5)
    monkeypatch.setattr(
        "botocore.auth.get_current_datetime", lambda *a, **k: signed_at + timedelta(seconds=sdk.clock.now - start)
    )
    wait = {"Retry-After": "7"}
    route = mock.post(SEARCH_URL).mock(
        side_effect=[error_response(500, **wait), error_response(429, **wait), httpx.Response(200, json=SEARCH_OK)]
    )
    client = sdk.client(retry=hic.RetryConfig())
    sdk.run(client.search_image_sets(DATASTORE_ID))
    requests = [call.request for call in route.calls]
    assert [r.headers["x-amz-date"] for r in requests] == ["20260102T030405Z", "20260102T030412Z", "20260102T030419Z"]
    assert len({r.headers["authorization"] for r in requests}) == 3
    for request in requests:
        problem = verify(
            method="POST",
            raw_path=request.url.raw_path.decode().split("?")[0],
            raw_query=urlsplit(str(request.url)).query,
            headers=dict(request.headers),
            body=request.content,
            secret_for={ACCESS_KEY: SECRET_KEY}.get,
        )
        assert problem is None


class _RotatingProvider(CredentialProvider):
    """Temporary credentials that are due for refresh every time they are read, with a new key each time."""

    METHOD = "rotating-test"
    serial = itertools.count(1)

    def load(self) -> RefreshableCredentials:
        return RefreshableCredentials.create_from_metadata(self._fresh(), self._fresh, self.METHOD)

    def _fresh(self) -> dict[str, str]:
        expiry = datetime.now(UTC) + timedelta(minutes=5)  # inside botocore's refresh window
        return {
            "access_key": f"AKIDROTATING{next(self.serial):08d}",
            "secret_key": SECRET_KEY,
            "token": SESSION_TOKEN,
            "expiry_time": expiry.isoformat(),
        }


def test_each_attempt_uses_refreshed_credentials(sdk: Harness, mock: Any) -> None:
    import botocore.session

    session = botocore.session.Session()
    session.get_component("credential_provider").insert_before("env", _RotatingProvider())
    route = mock.post(SEARCH_URL).mock(side_effect=[error_response(500), httpx.Response(200, json=SEARCH_OK)])
    client = sdk.client(aws_access_key_id=None, aws_secret_access_key=None, botocore_session=session)
    sdk.run(client.search_image_sets(DATASTORE_ID))
    keys = [call.request.headers["authorization"].split("Credential=")[1].split("/")[0] for call in route.calls]
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(key.startswith("AKIDROTATING") for key in keys)


def test_each_retry_is_logged_without_patient_data_or_secrets(
    sdk: Harness, mock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    patient = "SYNTHETIC-PATIENT-7f3a"
    mock.post(SEARCH_URL).mock(
        side_effect=[
            error_response(500, **{"x-amzn-RequestId": "req-1"}),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=SEARCH_OK),
        ]
    )
    client = sdk.client(retry=hic.RetryConfig())
    wanted = hic.SearchFilter(values=[hic.SearchByAttributeValue(dicom_patient_id=patient)], operator="EQUAL")
    with caplog.at_level(logging.DEBUG):
        sdk.run(client.search_image_sets(DATASTORE_ID, filters=[wanted]))
    retries = [r for r in caplog.records if r.name == "healthimaging_client" and r.levelno == logging.INFO]
    assert len(retries) == 2
    first, second = (r.getMessage() for r in retries)
    assert first.startswith("retrying SearchImageSets after HTTP 500 InternalServerException (attempt 1 of 3) in ")
    assert second.startswith("retrying SearchImageSets after TimeoutError (attempt 2 of 3) in ")
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (patient, SECRET_KEY, SESSION_TOKEN, "Signature="):
        assert secret not in everything


# --- writes: a retry never applies twice, and a conflict after an unclear attempt says so ---------


def _update(sdk: Harness, client: Any) -> Any:
    return sdk.run(
        client.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=3, revert_to_version_id=1)
    )


@pytest.mark.parametrize(
    "first",
    [error_response(500), error_response(502, ""), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut short")],
    ids=["500", "502", "read-timeout", "cut-short"],
)
def test_conflict_after_an_attempt_that_may_have_applied_says_so(sdk: Harness, mock: Any, first: Any) -> None:
    route = mock.post(f"{IMAGE_SET_URL}/updateImageSetMetadata").mock(side_effect=[first, error_response(409)])
    client = sdk.client()
    with pytest.raises(hic.ConflictException) as caught:
        _update(sdk, client)
    error = caught.value
    assert error.may_have_applied
    assert dict(error.version_ids) == {"latest_version_id": "3"}
    assert "may already have been applied (latest_version_id=3)" in str(error)
    assert error.attempts == 2
    assert route.call_count == 2


@pytest.mark.parametrize(
    "first",
    [None, error_response(429), error_response(503, ""), httpx.ConnectError("refused")],
    ids=["first-attempt", "throttled", "unavailable", "not-connected"],
)
def test_conflict_after_attempts_that_cannot_have_applied_is_plain(sdk: Harness, mock: Any, first: Any) -> None:
    script = [error_response(409)] if first is None else [first, error_response(409)]
    mock.post(f"{IMAGE_SET_URL}/updateImageSetMetadata").mock(side_effect=script)
    client = sdk.client()
    with pytest.raises(hic.ConflictException) as caught:
        _update(sdk, client)
    assert not caught.value.may_have_applied
    assert "may already" not in str(caught.value)


def test_conflict_on_a_copy_names_both_versions(sdk: Harness, mock: Any) -> None:
    mock.post(f"{IMAGE_SET_URL}/copyImageSet").mock(side_effect=[error_response(500), error_response(409)])
    client = sdk.client()
    with pytest.raises(hic.ConflictException) as caught:
        sdk.run(
            client.copy_image_set(
                DATASTORE_ID,
                IMAGE_SET_ID,
                source_latest_version_id=2,
                destination_image_set_id=OTHER_IMAGE_SET_ID,
                destination_latest_version_id=5,
            )
        )
    assert dict(caught.value.version_ids) == {"source_latest_version_id": "2", "destination_latest_version_id": "5"}


def test_a_write_retried_after_a_throttle_succeeds_once(sdk: Harness, mock: Any) -> None:
    route = mock.post(f"{IMAGE_SET_URL}/updateImageSetMetadata").mock(
        side_effect=[error_response(429), httpx.Response(200, json=UPDATE_OK)]
    )
    client = sdk.client()
    assert _update(sdk, client).latest_version_id == "4"
    assert [call.request.url.params["latestVersion"] for call in route.calls] == ["3", "3"]


# --- with_options ------------------------------------------------------------------


def test_with_options_view_keeps_the_policys_waiting_and_leaves_the_client_as_it_was(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(return_value=error_response(500))
    client = sdk.client(retry=hic.RetryConfig(max_attempts=3))
    slept = sdk.clock.sleeps
    view = client.with_options(retry=hic.RetryConfig(max_attempts=2, base_delay=0.5), timeout=0.25)
    with pytest.raises(hic.InternalServerException):
        sdk.run(view.search_image_sets(DATASTORE_ID))
    assert route.call_count == 2
    assert len(slept) == 1 and slept[0] <= 0.5  # recorded, not slept: the view waits as the client does
    assert route.calls[-1].request.extensions["timeout"]["read"] == 0.25
    route.mock(side_effect=[error_response(500), error_response(500), httpx.Response(200, json=SEARCH_OK)])
    assert sdk.run(client.search_image_sets(DATASTORE_ID)).image_sets_metadata_summaries
    assert route.call_count == 5
    assert route.calls[-1].request.extensions["timeout"]["read"] == 60.0
