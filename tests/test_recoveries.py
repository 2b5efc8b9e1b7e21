"""Refusals a retry can cure get one, after the fix (issue 13, defect 7).

An expired session token (``ExpiredTokenException`` or ``ExpiredToken``, 400 or
403): the credential chain is resolved anew, and the call retried once. A
signature refused for its time ("Signature expired", ``RequestTimeTooSkewed``)
from a client whose clock is 20 minutes off: the signing clock is set from the
response's ``Date``, the call retried once, and later calls are signed right
the first time. The service refused those requests before acting on them, so
a write is retried too. ``Retry-After: 0`` keeps the backoff
(test_retry.py::test_server_asked_wait_is_honoured_and_capped).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import httpx
import pytest
import respx
from botocore.credentials import CredentialProvider, Credentials

import healthimaging_client as hic
from healthimaging_client.testing._sigv4 import verify

from .conftest import ACCESS_KEY, DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, SECRET_KEY, Harness

SEARCH_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/searchImageSets"
COPY_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/copyImageSet"
SEARCH_OK = {"imageSetsMetadataSummaries": []}
COPY_OK = {
    "datastoreId": DATASTORE_ID,
    "sourceImageSetProperties": {"imageSetId": IMAGE_SET_ID, "latestVersionId": "2"},
    "destinationImageSetProperties": {"imageSetId": "b" * 32, "latestVersionId": "1"},
}
#: SigV4 requests the service accepts are within 5 minutes of its clock.
ALLOWED_SKEW = 5 * 60


@pytest.fixture
def mock() -> Iterator[Any]:
    with respx.mock(using="httpx", assert_all_called=False) as mock:
        yield mock


# --- expired credentials -----------------------------------------------------------------


class NumberedProvider(CredentialProvider):  # type: ignore[misc]
    """The credential chain's answer changes each time it is walked: token-1, token-2, ..."""

    METHOD = "numbered-test"
    CANONICAL_NAME = "NumberedTest"

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def load(self) -> Credentials:
        self.loads += 1
        return Credentials(ACCESS_KEY, SECRET_KEY, f"token-{self.loads}", method=self.METHOD)


def _chain(sdk: Harness, provider: NumberedProvider, **overrides: Any) -> Any:
    session = botocore.session.Session()
    session.get_component("credential_provider").insert_before("env", provider)
    return sdk.client(
        aws_access_key_id=None,
        aws_secret_access_key=None,
        aws_session_token=None,
        botocore_session=session,
        **overrides,
    )


def _expired_until(good: str, code: str, status: int) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("x-amz-security-token") == good:
            return httpx.Response(200, json=SEARCH_OK)
        return httpx.Response(
            status,
            json={"message": "The security token included in the request is expired"},
            headers={"x-amzn-ErrorType": code},
        )

    return answer


@pytest.mark.parametrize(
    ("code", "status"), [("ExpiredTokenException", 403), ("ExpiredTokenException", 400), ("ExpiredToken", 400)]
)
def test_expired_credentials_are_resolved_anew_and_the_call_retried_once(
    sdk: Harness, mock: Any, code: str, status: int
) -> None:
    route = mock.post(SEARCH_URL).mock(side_effect=_expired_until("token-2", code, status))
    provider = NumberedProvider()
    client = _chain(sdk, provider)
    sdk.run(client.search_image_sets(DATASTORE_ID))
    assert [call.request.headers["x-amz-security-token"] for call in route.calls] == ["token-1", "token-2"]
    assert sdk.clock.sleeps == [0.0]  # no backoff: the refusal said nothing about load


def test_credentials_that_stay_expired_are_retried_only_once(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(side_effect=_expired_until("never", "ExpiredTokenException", 403))
    client = _chain(sdk, NumberedProvider(), retry=hic.RetryConfig(max_attempts=5))
    with pytest.raises(hic.AccessDeniedException) as caught:
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert caught.value.code == "ExpiredTokenException" and caught.value.attempts == 2
    assert route.call_count == 2


def test_credentials_passed_explicitly_are_not_retried(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(side_effect=_expired_until("never", "ExpiredTokenException", 403))
    client = sdk.client()  # aws_access_key_id and friends: nothing to resolve anew
    with pytest.raises(hic.AccessDeniedException):
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert route.call_count == 1


# --- a skewed clock ---------------------------------------------------------------------------


@pytest.fixture
def clock_20_minutes_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's clock, as botocore's signer reads it, is 20 minutes behind the service's."""
    monkeypatch.setattr(
        "botocore.auth.get_current_datetime",
        lambda remove_tzinfo=True: datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=20),
    )


class StrictService:
    """Checks each request's time against the real clock (its Date) and its signature, as the service does."""

    def __init__(self, code: str = "InvalidSignatureException", date: bool = True, answer: object = SEARCH_OK) -> None:
        self.code = code
        self.date = date
        self.answer = answer
        self.signed_at: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        signed_at = datetime.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        self.signed_at.append(signed_at)
        now = time.time()
        headers = {"Date": formatdate(now, usegmt=True)} if self.date else {}
        if abs(now - signed_at) > ALLOWED_SKEW:
            message = f"Signature expired: {request.headers['x-amz-date']} is now earlier than the allowed window"
            return httpx.Response(403, json={"message": message}, headers={"x-amzn-ErrorType": self.code, **headers})
        problem = verify(
            method=request.method,
            raw_path=request.url.raw_path.decode().split("?")[0],
            raw_query=urlsplit(str(request.url)).query,
            headers=dict(request.headers),
            body=request.content,
            secret_for={ACCESS_KEY: SECRET_KEY}.get,
        )
        assert problem is None, problem
        return httpx.Response(200, json=self.answer, headers=headers)


@pytest.mark.usefixtures("clock_20_minutes_slow")
@pytest.mark.parametrize("code", ["InvalidSignatureException", "RequestTimeTooSkewed"])
def test_a_skewed_clock_is_corrected_from_the_date_header_and_the_call_retried_once(
    sdk: Harness, mock: Any, code: str
) -> None:
    service = StrictService(code)
    route = mock.post(SEARCH_URL).mock(side_effect=service)
    client = sdk.client()
    sdk.run(client.search_image_sets(DATASTORE_ID))
    assert route.call_count == 2
    first, second = service.signed_at
    assert time.time() - first > 19 * 60 and abs(time.time() - second) < 5  # signed by the service's clock
    sdk.run(client.search_image_sets(DATASTORE_ID))  # the correction is kept: right the first time
    assert route.call_count == 3


@pytest.mark.usefixtures("clock_20_minutes_slow")
def test_a_write_refused_for_its_time_is_retried_since_it_was_never_applied(sdk: Harness, mock: Any) -> None:
    route = mock.post(COPY_URL).mock(side_effect=StrictService(answer=COPY_OK))
    client = sdk.client()
    copied = sdk.run(client.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=2))
    assert copied.destination_image_set_properties.image_set_id == "b" * 32
    assert route.call_count == 2


@pytest.mark.usefixtures("clock_20_minutes_slow")
def test_without_a_date_header_there_is_nothing_to_correct(sdk: Harness, mock: Any) -> None:
    route = mock.post(SEARCH_URL).mock(side_effect=StrictService(date=False))
    client = sdk.client()
    with pytest.raises(hic.AccessDeniedException, match="Signature expired"):
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert route.call_count == 1
