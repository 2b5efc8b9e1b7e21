"""Gzip as the service sends it: GetImageSetMetadata's body is a gzip member."""

from __future__ import annotations

import gzip
import zlib

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
