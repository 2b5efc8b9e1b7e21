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

A metadata document is inflated by its reader (``inflate_document``), so that
the decompressed bytes are freed before parsing starts; the send loop sets the
cap it reads within (``reading_within``).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import zlib
from collections.abc import Generator, Mapping

import attrs

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


@attrs.frozen
class Cap:
    """The most one response body may hold once decoded (None: no cap, and no ratio guard either)."""

    limit: int | None

    def allowed(self, compressed: int) -> int:
        """The most a gzip body may have inflated to after ``compressed`` bytes of it."""
        if self.limit is None:
            return sys.maxsize
        return min(self.limit, max(MAX_GZIP_RATIO * compressed, RATIO_FLOOR))

    def inflate(self, content: bytes) -> bytes:
        """A gzip body inflated within the cap (zlib.error or EOFError when it is corrupt)."""
        inflated = inflate_within(content, self.allowed)
        if inflated is None:
            size = len(content)
            del content  # patient data: out of this frame's locals before the error passes through it
            raise self._inflated_too_far(size)
        return inflated

    def too_large(self, what: str) -> errors.ResponseTooLargeError:
        assert self.limit is not None
        return errors.ResponseTooLargeError(
            f"{what} the {_size(self.limit)} cap (max_response_bytes, or the most this operation can answer)",
            limit=self.limit,
        )

    def _inflated_too_far(self, compressed: int) -> errors.ResponseTooLargeError:
        ratio_bound = max(MAX_GZIP_RATIO * compressed, RATIO_FLOOR)
        if self.limit is not None and self.limit <= ratio_bound:
            return self.too_large("the response body decodes to more than")
        return errors.ResponseTooLargeError(
            f"the gzip response body inflates more than {MAX_GZIP_RATIO} times its size, as no real document does"
            " (a decompression bomb?)",
            limit=ratio_bound,
        )


class BodyBuffer:
    """One response's body as sent, collected chunk by chunk within the cap, then decoded within it."""

    def __init__(self, cap: Cap, headers: Mapping[str, str], *, decoded: bool = False) -> None:
        self._cap = cap
        self._headers = headers
        self._decoded = decoded  # the transport undid the Content-Encoding already
        self._chunks: list[bytes] = []
        self._size = 0
        declared = headers.get("content-length", "")
        if cap.limit is not None and declared.isdigit() and int(declared) > cap.limit:
            raise cap.too_large("the response declares a body over")

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._cap.limit is not None and self._size > self._cap.limit:
            raise self._cap.too_large("the response body is over")
        self._chunks.append(chunk)

    def raw(self) -> bytes:
        """The body as sent (its reader undoes any gzip itself: ``inflate_document``)."""
        content = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks = []
        return content

    def decoded(self) -> bytes:
        """The body with its Content-Encoding undone (the body is never a local here: errors pass through)."""
        encoding = "" if self._decoded else self._headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            return self.raw()
        if encoding not in ("gzip", "x-gzip"):
            raise self._invalid(f"the response has a Content-Encoding the SDK does not decode ({encoding[:20]})")
        try:
            return self._cap.inflate(self.raw())
        except (zlib.error, EOFError):
            pass  # raised below, outside this block: zlib's error is not the SDK error's context
        raise self._invalid("the response body could not be decoded (corrupt gzip data)")

    def _invalid(self, message: str) -> errors.InvalidResponseError:
        return errors.InvalidResponseError(message, request_id=self._headers.get("x-amzn-requestid"))


_DEFAULT_CAP = Cap(DEFAULT_MAX_RESPONSE_BYTES)  # frozen
_reading_cap = contextvars.ContextVar("healthimaging_client_reading_cap", default=_DEFAULT_CAP)


@contextlib.contextmanager
def reading_within(cap: Cap) -> Generator[None]:
    """Readers that inflate their own body (``inflate_document``) do so within ``cap`` meanwhile."""
    token = _reading_cap.set(cap)
    try:
        yield
    finally:
        _reading_cap.reset(token)


def inflate_document(content: bytes) -> bytes:
    """A body that may be gzip whether or not it says so (a metadata document), inflated within the cap the
    send loop set (the default cap outside it); plain JSON passes as it is."""
    if content[:2] != GZIP_MAGIC:
        return content
    return _reading_cap.get().inflate(content)
