"""A transport failure says which host and what went wrong, for every transport: the one mapping in _transport.

``ConnectError: SearchImageSets: could not connect (ConnectError)`` named neither the host nor whether
DNS failed or the port refused. Each failure is staged for real (tests/network_failures.py) and met
by each transport; the message names the host and port and the kind, ``host`` holds them, and
``__cause__`` is a summary of the transport's exception, whose type names say where it came from.
"""

from __future__ import annotations

import itertools
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

import healthimaging_client as hic
from healthimaging_client._transport import transport_error

from . import network_failures
from .conftest import DATASTORE_ID, Harness
from .faultserver import FaultServer

TRANSPORTS = [*network_failures.TRANSPORTS, "async-aiohttp"]


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("failure", list(network_failures.FAILURES))
def test_the_message_names_the_host_and_the_kind_of_failure(
    monkeypatch: pytest.MonkeyPatch, fault_server: FaultServer, failure: str, transport: str
) -> None:
    staged = network_failures.FAILURES[failure]
    harness = Harness("sync" if transport == "sync" else "async")
    try:
        with network_failures.staged(staged, fault_server, monkeypatch) as url:
            host = urlsplit(url).netloc
            client, http = network_failures.client(harness, transport, url, retry=hic.RetryConfig(max_attempts=1))
            with pytest.raises(hic.HealthImagingError) as caught:
                harness.run(client.search_image_sets(DATASTORE_ID))
            if http is not None:
                harness.run(http.aclose())
    finally:
        harness.close()
    error = caught.value
    assert type(error) is staged.error, repr(error)
    assert str(error) == f"SearchImageSets: {staged.says.format(host=host)}"
    assert isinstance(error, hic.TransportError) and error.host == host
    cause = error.__cause__
    assert isinstance(cause, hic.CauseSummary) and error.__context__ is None
    assert cause.type_names[0].startswith(("httpx.", "aiohttp."))  # httpx-aiohttp lets a bad status line through
    assert cause.description.startswith(staged.says.format(host=host))


# --- the mapping on its own: chains as the transports build them -----------------------------------

URL = httpx.URL("https://runtime-medical-imaging.us-east-1.amazonaws.com/datastore/x/searchImageSets?maxResults=1")
HOST = "runtime-medical-imaging.us-east-1.amazonaws.com:443"


def chain(*exceptions: BaseException) -> BaseException:
    """The first exception, chaining the others in turn as ``__cause__``."""
    for outer, inner in itertools.pairwise(exceptions):
        outer.__cause__ = inner
    return exceptions[0]


def test_a_certificate_failure_names_the_tls_reason() -> None:
    verify = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    verify.reason = "CERTIFICATE_VERIFY_FAILED"
    verify.verify_message = "self-signed certificate"
    error = transport_error("SearchImageSets", chain(httpx.ConnectError("tls"), verify), URL)
    assert type(error) is hic.ConnectError
    assert str(error) == f"SearchImageSets: could not connect to {HOST}: its TLS certificate could not be verified"
    assert "CERTIFICATE_VERIFY_FAILED: self-signed certificate" in str(error.__cause__)


@pytest.mark.parametrize(
    ("exc", "cls", "says"),
    [
        (httpx.PoolTimeout("p"), hic.TimeoutError, f"no connection to {HOST} came free in time (the pool timeout)"),
        (httpx.ConnectTimeout("c"), hic.TimeoutError, f"connecting to {HOST} timed out"),
        (httpx.WriteTimeout("w"), hic.TimeoutError, f"sending the request to {HOST} timed out"),
        (httpx.DecodingError("d"), hic.InvalidResponseError, f"the response body from {HOST} could not be decoded"),
        (httpx.LocalProtocolError("Illegal header value b'x'"), hic.TransportError, "the HTTP library refused it"),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            hic.TransportError,
            f"{HOST} closed the connection without answering",
        ),
        (RuntimeError("a custom transport broke"), hic.TransportError, f"the exchange with {HOST} failed"),
    ],
)
def test_each_httpx_failure_has_its_words(exc: BaseException, cls: type[hic.HealthImagingError], says: str) -> None:
    error = transport_error("ListImageSetVersions", exc, URL)
    assert type(error) is cls
    assert says in str(error)
    # The transport's message is read, never repeated: it can quote a header value.
    assert "Illegal header value" not in str(error) and "Illegal header value" not in str(error.__cause__)
