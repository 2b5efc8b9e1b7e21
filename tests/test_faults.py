"""Fault injection against a real HTTP server on 127.0.0.1, for both clients and each async transport.

Every fault ends either in the right result after retries, or in a typed
``HealthImagingError`` (never a raw httpx, aiohttp, json, zlib or KeyError
exception), and the server sees exactly as many requests as the default
policy allows (3 attempts; errors that no retry can fix are tried once).
The waits are recorded, not slept, so the suite takes about a second.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import pytest

import healthimaging_client as hic

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Faulty
from .faultserver import FaultServer, Step, raw, reply, reply_gzip, reply_json, reset, stall, truncated

METADATA = {"SchemaVersion": "1.1", "DatastoreID": DATASTORE_ID, "ImageSetID": IMAGE_SET_ID, "Patient": {"DICOM": {}}}
SEARCH = {"imageSetsMetadataSummaries": [{"imageSetId": IMAGE_SET_ID, "version": 1}]}
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
DEFAULT_ATTEMPTS = 3


def _metadata_ok(result: Any) -> None:
    assert isinstance(result, hic.ImageSetMetadata)
    assert result["ImageSetID"] == IMAGE_SET_ID


def _search_ok(result: Any) -> None:
    assert isinstance(result, hic.SearchImageSetsOutput)
    assert [s.image_set_id for s in result.image_sets_metadata_summaries] == [IMAGE_SET_ID]


@attrs.frozen
class Case:
    script: tuple[Step, ...]
    operation: str
    requests: int
    #: The typed error the call ends in, or None when it ends in a result.
    raises: type[hic.HealthImagingError] | None = None
    check: Callable[[Any], None] | None = None
    #: Errors that must not be reported as the given class (a reset is no timeout).
    not_raises: type[hic.HealthImagingError] | None = None


OK_METADATA = reply_gzip(METADATA)
OK_SEARCH = reply_json(200, SEARCH)
CASES = {
    "reset-then-success": Case((reset(), OK_METADATA), "GetImageSetMetadata", 2, check=_metadata_ok),
    "reset-every-attempt": Case(
        (reset(),), "GetImageSetMetadata", DEFAULT_ATTEMPTS, raises=hic.TransportError, not_raises=hic.TimeoutError
    ),
    "slower-than-read-timeout-then-success": Case(
        (stall(30.0, OK_METADATA), OK_METADATA), "GetImageSetMetadata", 2, check=_metadata_ok
    ),
    "truncated-body-every-attempt": Case(
        (truncated(),), "SearchImageSets", DEFAULT_ATTEMPTS, raises=hic.TransportError
    ),
    "truncated-body-then-success": Case((truncated(), OK_SEARCH), "SearchImageSets", 2, check=_search_ok),
    "malformed-status-line-then-success": Case(
        (raw(b"NOT HTTP AT ALL\r\n\r\n"), OK_SEARCH), "SearchImageSets", 2, check=_search_ok
    ),
    "html-502-from-a-proxy": Case(
        (reply(502, HTML_502, {"Content-Type": "text/html"}),),
        "SearchImageSets",
        DEFAULT_ATTEMPTS,
        raises=hic.ServiceError,
    ),
    "200-with-invalid-json": Case(
        (reply(200, b'{"imageSetsMetadataSummaries": [{"imageSetId": '),),
        "SearchImageSets",
        1,
        raises=hic.InvalidResponseError,
    ),
    "200-with-corrupt-gzip": Case(
        (reply(200, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not deflate", {"Content-Encoding": "gzip"}),),
        "GetImageSetMetadata",
        1,
        raises=hic.InvalidResponseError,
    ),
    "200-with-corrupt-gzip-undeclared": Case(
        (reply(200, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not deflate"),),
        "GetImageSetMetadata",
        1,
        raises=hic.InvalidResponseError,
    ),
    "429-then-success": Case(
        (reply_json(429, {"message": "Rate exceeded"}, {"x-amzn-ErrorType": "ThrottlingException"}), OK_SEARCH),
        "SearchImageSets",
        2,
        check=_search_ok,
    ),
    "500-every-attempt": Case(
        (reply_json(500, {"message": "oops"}, {"x-amzn-ErrorType": "InternalServerException"}),),
        "SearchImageSets",
        DEFAULT_ATTEMPTS,
        raises=hic.InternalServerException,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_fault_ends_in_result_or_typed_error(faulty: Faulty, server: FaultServer, case: Case) -> None:
    server.script(*case.script)
    if case.raises is None:
        assert case.check is not None
        case.check(faulty.call(case.operation))
    else:
        with pytest.raises(hic.HealthImagingError) as caught:
            faulty.call(case.operation)
        error = caught.value
        assert isinstance(error, case.raises), repr(error)
        assert case.not_raises is None or not isinstance(error, case.not_raises), repr(error)
        assert type(error).__module__ == "healthimaging_client.errors"
        assert error.attempts == case.requests
        assert error.operation == case.operation
    assert len(server.requests) == case.requests
    # One wait between attempts, within the default backoff's ceiling (1 s, then 2 s).
    assert len(faulty.slept) == case.requests - 1
    assert all(0 <= delay <= 2.0**n for n, delay in enumerate(faulty.slept))


def test_every_attempt_is_a_complete_signed_request(faulty: Faulty, server: FaultServer) -> None:
    server.script(reset(), reply_json(500, {}), OK_SEARCH)
    _search_ok(faulty.call("SearchImageSets"))
    assert [r.path for r in server.requests] == [f"/datastore/{DATASTORE_ID}/searchImageSets"] * 3
    for seen in server.requests:
        assert seen.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
        assert "x-amz-date" in seen.headers
        assert json.loads(seen.body) == {}


def test_retry_after_from_the_server_is_the_wait(faulty: Faulty, server: FaultServer) -> None:
    throttled = reply_json(429, {}, {"x-amzn-ErrorType": "ThrottlingException", "Retry-After": "3"})
    server.script(throttled, OK_SEARCH)
    _search_ok(faulty.call("SearchImageSets"))
    assert faulty.slept == [3.0]


def test_html_502_error_names_status_not_page(faulty: Faulty, server: FaultServer) -> None:
    server.script(reply(502, HTML_502, {"Content-Type": "text/html", "x-amzn-RequestId": "req-502"}))
    with pytest.raises(hic.ServiceError) as caught:
        faulty.call("SearchImageSets")
    assert caught.value.status_code == 502
    assert caught.value.request_id == "req-502"
    assert "Bad Gateway" not in str(caught.value)
    assert "after 3 attempts" in str(caught.value)


def test_without_retries_each_fault_costs_one_request(faulty: Faulty, server: FaultServer) -> None:
    server.script(reset(), OK_SEARCH)
    once = faulty.client.with_options(retry=hic.RetryConfig(max_attempts=1))
    with pytest.raises(hic.TransportError):
        faulty.harness.run(once.search_image_sets(DATASTORE_ID))
    assert len(server.requests) == 1
    assert faulty.slept == []
    # The view shares the pool: the original client still retries, and its next call succeeds.
    _search_ok(faulty.call("SearchImageSets"))
    assert len(server.requests) == 2


# --- image frames (issue 15): a codestream cut short or too slow is fetched again -----------------

FRAME = b"\xff\x4f\xff\x51" + bytes(range(256)) * 64


@pytest.mark.parametrize(
    "fault",
    [truncated(sent=FRAME[:1000], declared=len(FRAME)), stall(30.0, reply(200, FRAME)), reset()],
    ids=["cut-short", "slower-than-read-timeout", "reset"],
)
def test_a_frame_that_did_not_arrive_whole_is_fetched_again(faulty: Faulty, server: FaultServer, fault: Step) -> None:
    server.script(fault, reply(200, FRAME, {"Content-Type": "image/jph"}))
    output = faulty.harness.run(faulty.client.get_image_frame(DATASTORE_ID, IMAGE_SET_ID, IMAGE_SET_ID))
    assert (output.data, output.content_type) == (FRAME, "image/jph")
    assert len(server.requests) == 2 and len(faulty.slept) == 1
