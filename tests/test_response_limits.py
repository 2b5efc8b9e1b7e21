"""Response bodies are read within a cap, and gzip within a ratio guard (issue 13, defect 5).

A body over the cap (``max_response_bytes``, or the most the operation can
answer), or a gzip body that inflates as only a bomb does, ends in a
``ResponseTooLargeError`` that names the cap, having allocated little more
than the cap (measured here with tracemalloc). Streamed downloads to a file
are not capped.
"""

from __future__ import annotations

import gzip
import json
import re
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import healthimaging_client as hic
from healthimaging_client._wire.limits import MAX_GZIP_RATIO, RATIO_FLOOR, BodyBuffer, Cap

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Harness
from .faultserver import FaultServer, reply

MiB = 2**20
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def gzip_bomb(inflated: int, *, trailer_says: int | None = None) -> bytes:
    """A gzip member of ``inflated`` zero bytes (its CRC left wrong: nobody should read that far), built from one
    compressed MiB repeated; its trailer claims ``trailer_says`` bytes when given (a lying bomb)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(bytes(MiB)) + deflate.flush(zlib.Z_FULL_FLUSH)  # each MiB compresses alike
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    size = inflated if trailer_says is None else trailer_says
    return GZIP_HEADER + block * (inflated // MiB) + final + struct.pack("<II", 0, size % 2**32)


def peak_while(run: Callable[[], Any]) -> int:
    """The most memory Python held at once (above what it held already) while ``run`` ran."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def _metadata(sdk: Harness, client: Any) -> Any:
    return sdk.run(client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))


def _refused(sdk: Harness, client: Any, call: Callable[[], Any]) -> tuple[hic.ResponseTooLargeError, int]:
    caught: list[hic.ResponseTooLargeError] = []

    def run() -> None:
        try:
            call()
        except hic.ResponseTooLargeError as exc:
            caught.append(exc)

    peak = peak_while(run)
    assert caught, "the body was accepted"
    return caught[0], peak


# --- the bomb -----------------------------------------------------------------------------


def test_the_bomb_builder_builds_what_it_says() -> None:
    bomb = gzip_bomb(8 * MiB)
    assert zlib.decompressobj(-15).decompress(bomb[len(GZIP_HEADER) : -8]) == bytes(8 * MiB)
    assert bomb[:2] == b"\x1f\x8b" and struct.unpack("<I", bomb[-4:]) == (8 * MiB,)
    assert len(bomb) < 16 * 1024


def test_a_1_gib_bomb_is_refused_by_the_ratio_guard_having_allocated_little(sdk: Harness, server: FaultServer) -> None:
    bomb = gzip_bomb(2**30, trailer_says=3_000)  # 1 MB that inflates to 1 GiB, its trailer lying
    server.script(reply(200, bomb, {"Content-Encoding": "gzip"}))
    client = sdk.client(endpoint_url=server.url)  # the default cap, 2 GiB: the ratio guard stops it
    error, peak = _refused(sdk, client, lambda: _metadata(sdk, client))
    assert f"more than {MAX_GZIP_RATIO} times" in str(error)
    assert peak < RATIO_FLOOR + 48 * MiB
    assert error.attempts == 1 and len(server.requests) == 1  # not retried: it would come back the same
    assert "0000" not in str(error) and "\\x00" not in str(error)


def test_an_honest_bomb_over_the_cap_is_refused_by_its_trailer(sdk: Harness, server: FaultServer) -> None:
    server.script(reply(200, gzip_bomb(256 * MiB), {"Content-Encoding": "gzip"}))
    client = sdk.client(endpoint_url=server.url, max_response_bytes=8 * MiB)
    error, peak = _refused(sdk, client, lambda: _metadata(sdk, client))
    assert error.limit == 8 * MiB and "8 MiB cap" in str(error)
    assert peak < 8 * MiB


def test_a_lying_bomb_stops_at_the_cap(sdk: Harness, server: FaultServer) -> None:
    server.script(reply(200, gzip_bomb(256 * MiB, trailer_says=100), {"Content-Encoding": "gzip"}))
    client = sdk.client(endpoint_url=server.url, max_response_bytes=8 * MiB)
    error, peak = _refused(sdk, client, lambda: _metadata(sdk, client))
    assert error.limit == 8 * MiB
    assert peak < 2 * 8 * MiB + 4 * MiB  # the cap, and one slice's copy


def test_an_undeclared_gzip_metadata_bomb_is_refused_too(sdk: Harness, server: FaultServer) -> None:
    server.script(reply(200, gzip_bomb(64 * MiB, trailer_says=100)))  # no Content-Encoding: gzip by its magic
    client = sdk.client(endpoint_url=server.url, max_response_bytes=4 * MiB)
    error, _ = _refused(sdk, client, lambda: _metadata(sdk, client))
    assert error.limit == 4 * MiB


# --- plain bodies ---------------------------------------------------------------------------


def test_a_search_body_over_what_the_model_allows_is_refused_before_it_is_read(
    sdk: Harness, server: FaultServer
) -> None:
    body = b'{"imageSetsMetadataSummaries": [' + b" " * (200 * MiB) + b"]}"
    server.script(reply(200, body))
    client = sdk.client(endpoint_url=server.url)  # whatever the client allows, a search page is small
    error, peak = _refused(sdk, client, lambda: sdk.run(client.search_image_sets(DATASTORE_ID)))
    assert error.limit == 16 * MiB and "declares a body over the 16 MiB cap" in str(error)
    assert peak < 4 * MiB


def test_the_cap_is_the_clients_and_with_options_can_lift_it(sdk: Harness, server: FaultServer) -> None:
    document = {"SchemaVersion": "1.1", "ImageSetID": IMAGE_SET_ID, "Padding": "x" * (3 * MiB)}
    server.script(reply(200, json.dumps(document).encode()))
    client = sdk.client(endpoint_url=server.url, max_response_bytes=2 * MiB)
    with pytest.raises(hic.ResponseTooLargeError, match="2 MiB cap"):
        _metadata(sdk, client)
    assert _metadata(sdk, client.with_options(max_response_bytes=None))["ImageSetID"] == IMAGE_SET_ID


def test_a_real_document_with_a_high_ratio_is_accepted() -> None:
    same = {f"Tag{i}": "SAME" for i in range(40)}
    instances = {str(n): {"DICOM": {"SOPInstanceUID": f"1.2.{n}", **same}} for n in range(30_000)}
    content = json.dumps({"Study": {"Series": {"1": {"Instances": instances}}}}).encode()
    compressed = gzip.compress(content)
    assert len(content) > RATIO_FLOOR and len(content) / len(compressed) > 50
    body = BodyBuffer(Cap(2**31), {"content-encoding": "gzip"})
    body.add(compressed)
    assert body.decoded() == content


def test_a_streamed_body_without_a_length_is_cut_at_the_cap() -> None:
    body = BodyBuffer(Cap(MiB), {})
    body.add(b"x" * MiB)
    with pytest.raises(hic.ResponseTooLargeError):
        body.add(b"x")


def test_several_gzip_members_decode_within_the_cap() -> None:
    members = gzip.compress(b'{"a": ') + gzip.compress(b"1}")
    body = BodyBuffer(Cap(MiB), {"content-encoding": "gzip"})
    body.add(members)
    assert body.decoded() == b'{"a": 1}'


@pytest.mark.parametrize(
    ("headers", "content", "message"),
    [
        ({"content-encoding": "gzip"}, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not deflate", "corrupt gzip"),
        ({"content-encoding": "gzip"}, gzip.compress(b"{}")[:-6], "corrupt gzip"),
        ({"content-encoding": "br"}, b"{}", "Content-Encoding the SDK does not decode (br)"),
    ],
)
def test_bodies_that_cannot_be_decoded_are_invalid(headers: dict[str, str], content: bytes, message: str) -> None:
    body = BodyBuffer(Cap(MiB), headers)
    body.add(content)
    with pytest.raises(hic.InvalidResponseError, match=re.escape(message)) as caught:
        body.decoded()
    assert not isinstance(caught.value, hic.ResponseTooLargeError)


# --- downloads to a file ------------------------------------------------------------------------


def test_a_download_to_a_file_is_not_capped(sdk: Harness, server: FaultServer, tmp_path: Path) -> None:
    document = {"SchemaVersion": "1.1", "ImageSetID": IMAGE_SET_ID, "Padding": "x" * (3 * MiB)}
    server.script(reply(200, gzip.compress(json.dumps(document).encode()), {"Content-Encoding": "gzip"}))
    client = sdk.client(endpoint_url=server.url, max_response_bytes=MiB)
    target = tmp_path / "metadata.json"
    sdk.run(client.download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, target))
    assert json.loads(target.read_bytes()) == document
