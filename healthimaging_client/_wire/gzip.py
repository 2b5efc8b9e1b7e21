"""Gzip as the service sends it: GetImageSetMetadata's body is a gzip member."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

GZIP_MAGIC = b"\x1f\x8b"


def decompress_metadata(content: bytes) -> bytes:
    """The metadata JSON bytes, whether or not the transport already undid the gzip.

    One pass into a buffer sized from the gzip trailer (ISIZE, the length mod
    2**32, capped at deflate's maximum ratio), so the output is not copied
    from growing blocks. A length that disagrees (several gzip members, or a
    body over 4 GiB) falls back to the general path.
    """
    if content[:2] != GZIP_MAGIC:
        return content
    hint = min(int.from_bytes(content[-4:], "little"), 1032 * len(content)) or zlib.DEF_BUF_SIZE
    data = zlib.decompress(content, wbits=31, bufsize=hint)
    if len(data) % 2**32 != int.from_bytes(content[-4:], "little"):
        return gzip.decompress(content)
    return data


#: Deflate's ceiling: one compressed byte inflates to at most 1032 bytes.
DEFLATE_MAX_RATIO = 1032


def inflate_within(content: bytes, allowed: Callable[[int], int]) -> bytes | None:
    """The gzip member(s) of ``content`` decompressed, or None as soon as the output would pass
    ``allowed(compressed bytes read so far)``, having allocated about that much at most.

    A small body, whose worst case stays within what is allowed, takes the one-pass
    path of :func:`decompress_metadata`. Larger ones are inflated in growing
    slices, each call told how much output it may make. A body that starts as
    gzip and whose trailer claims too much ends at once.
    """
    if DEFLATE_MAX_RATIO * len(content) <= allowed(len(content)):
        return decompress_metadata(content)  # cannot inflate past what is allowed
    if int.from_bytes(content[-4:], "little") > allowed(len(content)):  # the last member's size, mod 2**32
        zlib.decompressobj(wbits=31).decompress(content[:4096], 1)  # raises unless it starts as gzip
        return None  # gzip whose trailer says too much
    pieces: list[bytes] = []
    total = read = 0
    step = 1 << 16
    view = memoryview(content)
    inflater = zlib.decompressobj(wbits=31)
    while read < len(content):
        data: bytes | memoryview = view[read : read + step]
        read += len(data)
        limit = allowed(read)
        while data:
            piece = inflater.decompress(data, limit - total + 1)
            total += len(piece)
            pieces.append(piece)
            if total > limit:
                return None
            data = inflater.unused_data  # another gzip member follows
            if data:
                if data[:2] != GZIP_MAGIC:
                    raise zlib.error("data after the gzip member")
                inflater = zlib.decompressobj(wbits=31)
        step = min(step * 4, 1 << 24)
    if not inflater.eof:
        raise EOFError("the gzip body ended early")
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)
