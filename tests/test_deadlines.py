"""No attempt outlasts its timeout, and no call its ``total_timeout`` (issue 13, defect 2).

The SDK keeps each attempt's deadline itself, whatever the transport does: a
body trickled one byte at a time and a ``100 Continue`` followed by silence
both end in the SDK's ``TimeoutError`` within about the timeout, on both
clients and each async transport. ``total_timeout`` bounds a whole call, its
retries and the waits between them. Staged on the raw-socket fault server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client._deadlines import Deadline, attempt_budget

from .conftest import DATASTORE_ID, ENDPOINT, TRANSPORTS, Faulty, Harness, client_kwargs
from .faultserver import FaultServer, interim_then_silence, reply_json, stall, trickle

SEARCH = {"imageSetsMetadataSummaries": []}
TIMEOUT = 1.0
#: What a loaded 2-core machine may add to a deadline (scheduling, a last read).
SLACK = 1.5


@pytest.fixture(params=TRANSPORTS)
def strict(request: pytest.FixtureRequest, server: FaultServer) -> Iterator[Faulty]:
    """A client of each kind with ``timeout=1`` and no retries, aimed at the fault server."""
    faulty = Faulty(request.param, server, timeout=TIMEOUT, retry=hic.RetryConfig(max_attempts=1))
    yield faulty
    faulty.close()


def _timed_search(faulty: Faulty) -> tuple[hic.TimeoutError, float]:
    started = time.monotonic()
    with pytest.raises(hic.TimeoutError) as caught:
        faulty.call("SearchImageSets")
    return caught.value, time.monotonic() - started


def test_a_trickled_body_ends_within_the_timeout(strict: Faulty, server: FaultServer) -> None:
    server.script(trickle(b'{"imageSetsMetadataSummaries": []}' + b" " * 200, every=0.1))  # 23 s in all
    error, took = _timed_search(strict)
    assert TIMEOUT * 0.9 <= took < TIMEOUT + SLACK
    assert "timeout=1s passed" in str(error)


def test_an_interim_response_then_silence_ends_within_the_timeout(strict: Faulty, server: FaultServer) -> None:
    server.script(interim_then_silence(100, seconds=30.0))
    error, took = _timed_search(strict)
    assert took < TIMEOUT + SLACK
    assert error.operation == "SearchImageSets" and error.request_sent


def test_total_timeout_cuts_an_attempt_short_in_real_time(sdk: Harness, server: FaultServer) -> None:
    server.script(stall(30.0, reply_json(200, SEARCH)))
    # The default clock: total_timeout is kept on the client's clock, and here time must really pass.
    cls = hic.AsyncClient if sdk.kind == "async" else hic.Client
    client = cls(**client_kwargs(endpoint_url=server.url, timeout=30.0, total_timeout=TIMEOUT))
    sdk.clients.append(client)
    started = time.monotonic()
    with pytest.raises(hic.TimeoutError) as caught:
        sdk.run(client.search_image_sets(DATASTORE_ID))
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert "total_timeout=1s passed" in str(caught.value)
    assert caught.value.attempts == 1 and len(server.requests) == 1  # no time was left for a retry


def test_no_retry_starts_whose_wait_would_end_past_total_timeout(sdk: Harness) -> None:
    headers = {"x-amzn-ErrorType": "InternalServerException", "Retry-After": "7"}
    throttled = httpx.Response(500, json={}, headers=headers)
    with respx.mock(using="httpx") as mock:
        route = mock.post(f"{ENDPOINT}/datastore/{DATASTORE_ID}/searchImageSets").mock(return_value=throttled)
        client = sdk.client(retry=hic.RetryConfig(max_attempts=5, max_delay=10), total_timeout=10.0)
        with pytest.raises(hic.InternalServerException) as caught:
            sdk.run(client.search_image_sets(DATASTORE_ID))
    assert sdk.clock.sleeps == [7.0]  # a second 7 s wait would end at 14 s, past the 10 s
    assert caught.value.attempts == 2 and route.call_count == 2


def test_with_options_sets_and_clears_total_timeout(sdk: Harness) -> None:
    throttled = httpx.Response(503, json={}, headers={"Retry-After": "7"})
    with respx.mock(using="httpx") as mock:
        route = mock.post(f"{ENDPOINT}/datastore/{DATASTORE_ID}/searchImageSets").mock(return_value=throttled)
        client = sdk.client(retry=hic.RetryConfig(max_attempts=3, max_delay=10))
        with pytest.raises(hic.ServiceError):
            sdk.run(client.with_options(total_timeout=5.0).search_image_sets(DATASTORE_ID))
        assert route.call_count == 1  # the first 7 s wait already ends past 5 s
        bounded = client.with_options(total_timeout=5.0)
        with pytest.raises(hic.ServiceError):
            sdk.run(bounded.with_options(total_timeout=None).search_image_sets(DATASTORE_ID))
        assert route.call_count == 4


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"total_timeout": 0}, "total_timeout"),
        ({"total_timeout": -1.0}, "total_timeout"),
        ({"total_timeout": "5"}, "total_timeout"),
        ({"total_timeout": True}, "total_timeout"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"max_response_bytes": 1.5}, "max_response_bytes"),
    ],
)
def test_limits_are_checked_when_the_client_is_made(sdk: Harness, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(hic.ParamValidationError, match=field):
        sdk.client(**kwargs)
    with pytest.raises(hic.ParamValidationError, match=field):
        sdk.client().with_options(**kwargs)


# --- the pure deadline ---------------------------------------------------------------------


def test_an_attempt_may_take_as_long_as_the_longest_part_of_the_timeout() -> None:
    assert attempt_budget(httpx.Timeout(60.0, connect=10.0)) == 60.0
    assert attempt_budget(httpx.Timeout(5.0, pool=30.0)) == 30.0
    assert attempt_budget(httpx.Timeout(None)) is None


def test_an_attempt_gets_what_is_left_of_total_timeout_and_caps_the_transports_timeouts() -> None:
    timeout = httpx.Timeout(60.0, connect=10.0)
    own = Deadline.for_attempt(timeout, now=100.0, call_left=None, total=None)
    assert (own.at, own.setting, own.timeout) == (160.0, "timeout", timeout)
    short = Deadline.for_attempt(timeout, now=100.0, call_left=4.0, total=30.0)
    assert (short.at, short.setting, short.seconds) == (104.0, "total_timeout", 30.0)
    assert (short.timeout.connect, short.timeout.read, short.timeout.pool) == (4.0, 4.0, 4.0)
    forever = Deadline.for_attempt(httpx.Timeout(None), now=100.0, call_left=None, total=None)
    assert forever.at == float("inf") and forever.pool_wait(100.0)[0] is None


def test_waiting_for_the_pool_is_counted_inside_the_deadline() -> None:
    deadline = Deadline.for_attempt(httpx.Timeout(10.0, pool=2.0), now=0.0, call_left=None, total=None)
    wait, error = deadline.pool_wait(0.0)
    assert wait == 2.0 and not error.request_sent and "timeout.pool=2s" in str(error)
    wait, error = deadline.pool_wait(9.0)  # 1 s of the attempt left: less than the pool timeout
    assert wait == 1.0 and "timeout=10s" in str(error)
