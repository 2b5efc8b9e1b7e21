"""The SDK's signing is botocore's, byte for byte: the same headers as AWSRequest + a fresh SigV4Auth give."""

from __future__ import annotations

import datetime as dt

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from healthimaging_client._masking import Masked
from healthimaging_client._signing import SERVICE_NAME, Signer

BASE = "https://runtime-medical-imaging.us-east-1.amazonaws.com/datastore/0123456789abcdef0123456789abcdef"
CASES = [
    ("POST", f"{BASE}/searchImageSets?maxResults=7&nextToken=a%2Bb%20c", {"Content-Type": "application/json"}, b"{}"),
    ("POST", f"{BASE}/imageSet/fedcba9876543210fedcba9876543210/getImageSetMetadata?version=3", {}, None),
    ("GET", "http://127.0.0.1:8080/datastore", {}, None),
    ("POST", "https://medical-imaging.eu-west-1.amazonaws.com:443/tags/arn%3Aaws", {"Content-Type": "x"}, b"\xc3\xa9"),
]
MOMENTS = [dt.datetime(2030, 1, 1, 23, 59, 59), dt.datetime(2030, 1, 2, 0, 0, 1), dt.datetime(2030, 1, 2, 12, 0, 0)]


def _botocore(
    credentials: Credentials, region: str, method: str, url: str, headers: dict[str, str], body: bytes | None
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body or b"")
    botocore.auth.SigV4Auth(credentials.get_frozen_credentials(), SERVICE_NAME, region).add_auth(request)
    signed = {"X-Amz-Date": request.headers["X-Amz-Date"], "Authorization": request.headers["Authorization"]}
    if credentials.token:
        signed["X-Amz-Security-Token"] = credentials.token
    return signed


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_every_request_is_signed_as_botocore_signs_it_across_days_and_keys(
    monkeypatch: pytest.MonkeyPatch, token: str | None, region: str
) -> None:
    now: list[dt.datetime] = []
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now[0])
    first, second = (
        Credentials("AKIDEXAMPLEFAKE00001", "secret-one", token),
        Credentials("AKIDEXAMPLEFAKE00002", "secret-two", token),
    )
    signer = Signer(None, region, first)
    for credentials in (first, second, first):  # the signer and its cached key follow the credentials in hand
        for moment in MOMENTS:  # the cached signing key follows the day
            now[:] = [moment]
            for method, url, headers, body in CASES:
                ours = signer.sign(method, url, dict(headers), body, Masked(credentials.get_frozen_credentials(), "c"))
                assert ours.value == _botocore(credentials, region, method, url, headers, body)


def test_a_clock_offset_moves_the_date_and_the_signature_as_botocore_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: dt.datetime(2030, 1, 1, 23, 59, 0))
    credentials = Credentials("AKIDEXAMPLEFAKE00001", "secret-one")
    signer = Signer(None, "us-east-1", credentials)
    signer.clock_offset = 120.0  # past midnight: another day, another signing key
    method, url, headers, body = CASES[0]
    ours = signer.sign(method, url, dict(headers), body, Masked(credentials.get_frozen_credentials(), "c"))
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: dt.datetime(2030, 1, 2, 0, 1, 0))
    assert ours.value == _botocore(credentials, "us-east-1", method, url, headers, body)
