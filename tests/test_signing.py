"""SigV4: what the client signs is exactly what it sends, checked by an independent verifier."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client.testing._sigv4 import canonical_query, parse_authorization, verify

from .conftest import DATASTORE_ID, IMAGE_SET_ID, SECRET_KEY, SESSION_TOKEN, Harness

TRICKY_TOKEN = "tok en+/=~%" + "A" * 20


def _verify(request: httpx.Request, secret: str = SECRET_KEY) -> str | None:
    raw_path, _, raw_query = request.url.raw_path.decode().partition("?")
    return verify(
        method=request.method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=request.headers,
        body=request.content,
        secret_for=lambda key: secret,
    )


OPERATIONS: list[tuple[str, Any]] = [
    ("search", lambda c: c.search_image_sets(DATASTORE_ID, next_token=TRICKY_TOKEN, max_results=7)),
    ("metadata", lambda c: c.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id=3)),
    ("versions", lambda c: c.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID, next_token=TRICKY_TOKEN)),
    (
        "update",
        lambda c: c.update_image_set_metadata(
            DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, revert_to_version_id=0, force=True
        ),
    ),
    (
        "copy",
        lambda c: c.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=1, promote_to_primary=True),
    ),
]


@pytest.mark.parametrize("call", [op[1] for op in OPERATIONS], ids=[op[0] for op in OPERATIONS])
def test_every_operation_is_signed_over_what_is_sent(sdk: Harness, call: Any) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(500))
        client = sdk.client(retry=hic.RetryConfig(max_attempts=1))
        with pytest.raises(hic.InternalServerException):
            sdk.run(call(client))
    request = route.calls[0].request
    assert _verify(request) is None
    auth = parse_authorization(request.headers["authorization"])
    assert auth is not None
    assert (auth.region, auth.service) == ("us-east-1", "medical-imaging")
    signed = set(auth.signed_headers)
    assert {"host", "x-amz-date", "x-amz-security-token"} <= signed
    assert not signed & {"user-agent", "accept-encoding", "connection", "content-length", "accept"}
    assert request.headers["x-amz-security-token"] == SESSION_TOKEN


def test_the_verifier_rejects_a_tampered_request(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(
            return_value=httpx.Response(200, json={"imageSetsMetadataSummaries": []})
        )
        sdk.run(sdk.client().search_image_sets(DATASTORE_ID, next_token="a b"))
    request = route.calls[0].request
    assert _verify(request) is None
    assert _verify(request, secret="another-secret") == "signature does not match"
    tampered = httpx.Request(
        "POST", str(request.url).replace("a%20b", "a+b"), headers=request.headers, content=request.content
    )
    assert _verify(tampered) == "signature does not match"


def test_canonical_query_encodes_per_rfc3986() -> None:
    assert canonical_query("b=a%2Bb&a=x%20y%2F%3D~") == "a=x%20y%2F%3D~&b=a%2Bb"
    assert canonical_query("z=a+b") == "z=a%2Bb"  # a '+' is a plus sign, never a space


def test_a_body_less_request_sends_no_content_type(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        sdk.run(sdk.client().list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    request = route.calls[0].request
    assert "content-type" not in request.headers
    assert request.content == b""
    assert _verify(request) is None


def test_each_attempt_is_signed_afresh(sdk: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import botocore.auth

    moments = iter(dt.datetime(2030, 1, 1, 0, 0, s, tzinfo=dt.UTC) for s in range(10))
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: next(moments))
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(
            side_effect=[httpx.Response(429), httpx.Response(200, json={"imageSetPropertiesList": []})]
        )
        sdk.run(sdk.client().list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    dates = [call.request.headers["x-amz-date"] for call in route.calls]
    assert dates == ["20300101T000000Z", "20300101T000001Z"]
    assert all(_verify(call.request) is None for call in route.calls)


def test_botocore_signer_debug_records_are_dropped(sdk: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        sdk.run(sdk.client().list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert SESSION_TOKEN not in text
    assert "Signature" not in text
    assert not [r for r in caplog.records if r.name == "botocore.auth"]
    # botocore's own signing, outside our calls, still logs as before.
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    SigV4Auth(Credentials("a", "b"), "s", "r").add_auth(AWSRequest("POST", "https://x.example/"))
    assert [r for r in caplog.records if r.name == "botocore.auth"]
