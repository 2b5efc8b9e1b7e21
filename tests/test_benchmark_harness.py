"""The benchmark's judging logic (no benchmark runs here): paired quartiles, the server's wire check, the map."""

from __future__ import annotations

import json

import pytest

stats = pytest.importorskip("benchmarks._stats", reason="benchmarks/ is not shipped in the sdist")
from benchmarks import _inputs as i  # noqa: E402
from benchmarks import _map, _wire  # noqa: E402

HOST = "127.0.0.1:8000"


def test_a_ratio_is_taken_within_each_repetition() -> None:
    # Each repetition's pair moves together (a noisy machine): the ratio is steady although the samples are not.
    spread = stats.ratios([2.0, 4.0, 6.0, 8.0, 10.0], [4.0, 8.0, 12.0, 16.0, 20.0])
    assert (spread.low, spread.median, spread.high) == (0.5, 0.5, 0.5)


def test_a_target_is_met_only_by_its_losing_quartile() -> None:
    spread = stats.ratios([0.4, 0.5, 0.5, 0.6, 0.7], [1.0] * 5)
    assert spread.median == 0.5 and spread.high == 0.6 and spread.low == 0.5
    assert not stats.Target("cpu", spread, 0.55, at_most=True).met  # the median meets it, Q3 does not
    assert stats.Target("cpu", spread, 0.6, at_most=True).met
    assert stats.Target("rate", spread, 0.5, at_most=False).met
    assert not stats.Target("rate", spread, 0.52, at_most=False).met


def _signed(path: str, query: str, body: bytes, *, region: str = i.REGION) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import ReadOnlyCredentials

    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    headers = {"Content-Type": "application/json"} if body else {}
    request = AWSRequest(method="POST", url=url, headers=headers, data=body)
    SigV4Auth(ReadOnlyCredentials(i.ACCESS_KEY, i.SECRET_KEY, None), i.SERVICE, region).add_auth(request)
    return {"host": HOST, **{k.lower(): v for k, v in request.headers.items()}}


SEARCH = f"/datastore/{i.DATASTORE_ID}/searchImageSets"


def test_the_wire_check_accepts_a_correct_request_and_names_what_is_wrong() -> None:
    body = json.dumps(i.SEARCH_BODY).encode()
    headers = _signed(SEARCH, "maxResults=10", body)
    assert _wire.check("POST", f"{SEARCH}?maxResults=10", headers, body, HOST) is None
    other = json.dumps({"filters": []}).encode()
    assert "not this workload's" in str(_wire.check("POST", f"{SEARCH}?maxResults=10", headers, other, HOST))
    resigned = _signed(SEARCH, "maxResults=10", other)  # signed, but not what the workload sends
    assert _wire.check("POST", f"{SEARCH}?maxResults=10", resigned, other, HOST) is not None
    assert "signature" in str(_wire.check("POST", f"{SEARCH}?maxResults=11", headers, body, HOST))
    wrong_region = _signed(SEARCH, "maxResults=10", body, region="eu-west-1")
    assert "not signed for" in str(_wire.check("POST", f"{SEARCH}?maxResults=10", wrong_region, body, HOST))
    stale = {**headers, "x-amz-date": "20200101T000000Z"}
    assert "x-amz-date" in str(_wire.check("POST", f"{SEARCH}?maxResults=10", stale, body, HOST))


def test_the_map_puts_a_sample_in_its_innermost_stage() -> None:
    parse = ("Call.parse", "healthimaging_client/_operations/_call.py")
    structure = ("structure_SearchImageSetsOutput", "<cattrs generated structure>")
    body = ("search_image_sets", "healthimaging_client/_operations/image_sets.py")
    sign = ("Signer.sign", "healthimaging_client/_signing.py")
    send = ("Client.send", "httpx/_client.py")
    assert _map.classify([parse, structure]) == "model building (cattrs, attrs)"
    assert _map.classify([body, structure]).startswith("request building: ours")
    assert _map.classify(
        [("Core._build_request", "healthimaging_client/_core.py"), sign, ("hmac", "hmac.py")]
    ).startswith("signing")
    assert _map.classify([send, ("extract_cookies", "httpx/_models.py"), ("x", "http/cookiejar.py")]).endswith(
        "cookie parsing"
    )
    assert _map.classify([("Retrying.__iter__", "tenacity/__init__.py")]) == "retry wrapper (tenacity)"
    read = ("read_json", "healthimaging_client/_wire/bodies.py")
    assert _map.classify([parse, read]) == "parsing: JSON, gzip, typed tree"
    assert _map.classify([parse, ("structure", "healthimaging_client/models/image_sets.py")]).startswith("model")
