"""What the SDK's loggers record: the body switch's cut of long bodies, and its marker."""

from __future__ import annotations

import logging

import pytest

from healthimaging_client import _logging


def test_a_long_body_is_cut_and_says_how_much_was_left_out(caplog: pytest.LogCaptureFixture) -> None:
    limit = _logging.MAX_LOGGED_BODY
    request = b"r" * 10
    response = b"a" * limit + b"TAIL-NOT-LOGGED" + b"b" * 85
    with caplog.at_level(logging.DEBUG, logger="healthimaging_client.bodies"):
        _logging.log_bodies("SearchImageSets", request, response)
    sent, received = (record.getMessage() for record in caplog.records)
    assert sent == "SearchImageSets request body: " + "r" * 10
    assert received.startswith("SearchImageSets response body: " + "a" * limit)
    assert received.endswith(" ... (100 more bytes)")
    assert "TAIL-NOT-LOGGED" not in received


def test_a_body_at_the_limit_is_logged_whole(caplog: pytest.LogCaptureFixture) -> None:
    body = b"x" * _logging.MAX_LOGGED_BODY
    with caplog.at_level(logging.DEBUG, logger="healthimaging_client.bodies"):
        _logging.log_bodies("GetImageSetMetadata", None, body)
    assert caplog.records[1].getMessage() == "GetImageSetMetadata response body: " + "x" * len(body)


def test_a_binary_body_is_named_by_its_size_not_shown(caplog: pytest.LogCaptureFixture) -> None:
    """A frame's codestream would be a screen of mojibake (and is pixel data): its size says enough."""
    codestream = b"\xff\x4f\xff\x51" + bytes(range(256)) * 300
    text_cut_mid_character = "é".encode() * _logging.MAX_LOGGED_BODY
    with caplog.at_level(logging.DEBUG, logger="healthimaging_client.bodies"):
        _logging.log_bodies("GetImageFrame", b'{"imageFrameId":"x"}', codestream)
        _logging.log_bodies("SearchImageSets", None, text_cut_mid_character)
    frame, text = caplog.records[1].getMessage(), caplog.records[3].getMessage()
    assert frame == f"GetImageFrame response body: <{len(codestream)} bytes of binary data, not shown>"
    assert text.startswith("SearchImageSets response body: ééé") and text.endswith("more bytes)")
