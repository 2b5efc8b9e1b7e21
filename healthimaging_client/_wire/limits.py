"""How much of a response the SDK will hold: a cap on decoded bodies, and a guard against gzip bombs. Pure.

Every response body is read within a cap, and decoded within it: the client's
``max_response_bytes`` (2 GiB by default), or less when the model bounds the
answer (``Call.max_body_bytes``: a search page cannot hold more than 50 small
entries). A body is refused as soon as it crosses the cap, before or after
decoding, having allocated little more than the cap: a declared
Content-Length over the cap is refused before a byte is read.

Why 2 GiB: the largest document is a metadata document, which grows with its
instances by a few kilobytes each; a study of 100,000 instances is a few
hundred megabytes of JSON, and parsing it takes several times that in memory.
2 GiB leaves room for the largest real studies while stopping a body that
could only exhaust memory.

A gzip body may also not inflate more than ``MAX_GZIP_RATIO`` times the
compressed bytes read so far, once past ``RATIO_FLOOR``. Deflate's ceiling is
1032:1 and a bomb sits near it; real metadata compresses about 40:1 (a CT
series of 3,000 slices), and even a document whose instances differ only in a
short UID stays near 150:1. So a 1 MB body that would inflate to 1 GiB is
refused after about 20 MB. ``max_response_bytes=None`` turns off both the cap
and the guard. Streamed downloads to a file are not capped.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Mapping

from .. import errors
from .gzip import GZIP_MAGIC, inflate_within

#: The default of ``max_response_bytes``.
DEFAULT_MAX_RESPONSE_BYTES = 2 * 2**30
#: A gzip body may inflate at most this many times the compressed bytes read so far ...
MAX_GZIP_RATIO = 300
#: ... once its output is past this size (small bodies are never refused for their ratio).
RATIO_FLOOR = 16 * 2**20


def body_limit(client_cap: int | None, call_cap: int | None) -> int | None:
    """The cap for one response: the client's and the operation's, whichever is lower (None: no cap)."""
    if client_cap is None:
        return call_cap
    return client_cap if call_cap is None else min(client_cap, call_cap)


def _size(limit: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if limit >= scale:
            return f"{limit / scale:g} {unit}"
    return f"{limit} bytes"


class BodyBuffer:
    """One response's body as sent, collected chunk by chunk within the cap, then decoded within it."""

    def __init__(self, limit: int | None, operation: str, headers: Mapping[str, str], *, decoded: bool = False) -> None:
        self._limit = limit
        self._operation = operation
        self._headers = headers
        self._decoded = decoded  # the transport undid the Content-Encoding already
        self._chunks: list[bytes] = []
        self._size = 0
        declared = headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            raise self._too_large("the response declares a body over")

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._limit is not None and self._size > self._limit:
            raise self._too_large("the response body is over")
        self._chunks.append(chunk)

    def decoded(self, *, sniff_gzip: bool = False) -> bytes:
        """The body with its Content-Encoding undone (``sniff_gzip``: gzip recognised by its magic bytes too)."""
        content = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks = []
        encoding = "" if self._decoded else self._headers.get("content-encoding", "").strip().lower()
        gzipped = encoding in ("gzip", "x-gzip") or (sniff_gzip and content[:2] == GZIP_MAGIC)
        if not gzipped:
            if encoding not in ("", "identity"):
                raise self._invalid(f"the response has a Content-Encoding the SDK does not decode ({encoding[:20]})")
            return content
        try:
            inflated = inflate_within(content, self._allowed)
        except (zlib.error, EOFError):
            raise self._invalid("the response body could not be decoded (corrupt gzip data)") from None
        if inflated is None:
            raise self._inflated_too_far(len(content))
        return inflated

    def _allowed(self, compressed: int) -> int:
        """The most a gzip body may have inflated to after ``compressed`` bytes of it (no cap: no guard either)."""
        if self._limit is None:
            return sys.maxsize
        return min(self._limit, max(MAX_GZIP_RATIO * compressed, RATIO_FLOOR))

    def _too_large(self, what: str) -> errors.ResponseTooLargeError:
        assert self._limit is not None
        return errors.ResponseTooLargeError(
            f"{what} the {_size(self._limit)} cap (max_response_bytes, or the most this operation can answer)",
            limit=self._limit,
            operation=self._operation,
        )

    def _inflated_too_far(self, compressed: int) -> errors.ResponseTooLargeError:
        ratio_bound = max(MAX_GZIP_RATIO * compressed, RATIO_FLOOR)
        if self._limit is not None and self._limit <= ratio_bound:
            return self._too_large("the response body decodes to more than")
        return errors.ResponseTooLargeError(
            f"the gzip response body inflates more than {MAX_GZIP_RATIO} times its size, as no real document does"
            " (a decompression bomb?)",
            limit=ratio_bound,
            operation=self._operation,
        )

    def _invalid(self, message: str) -> errors.InvalidResponseError:
        return errors.InvalidResponseError(
            message, operation=self._operation, request_id=self._headers.get("x-amzn-requestid")
        )
