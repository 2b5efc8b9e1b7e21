"""Writing a metadata body to a file as it streams in, without holding it in memory.

The body goes to ``<path>.part``, renamed over ``path`` once complete, so a
failed or retried attempt never leaves a truncated document under the name
the caller asked for.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from . import errors
from ._masking import Masked
from ._wire.gzip import GZIP_MAGIC


class MetadataTranscoder:
    """Turns the body, chunk by chunk, into the bytes to write: JSON, or gzip as sent.

    The service sends gzip; a body that arrives as plain JSON (an emulator, or
    a proxy that decoded it) is compressed instead when gzip is wanted.
    """

    def __init__(self, *, decompress: bool) -> None:
        self._decompress = decompress
        self._coder: Any = None  # zlib's decompressobj or compressobj; None passes bytes through
        self._started = False

    def feed(self, chunk: bytes) -> bytes:
        if not self._started and chunk:
            self._started = True
            gzipped = chunk[:2] == GZIP_MAGIC
            if self._decompress and gzipped:
                self._coder = zlib.decompressobj(wbits=31)
            elif not self._decompress and not gzipped:
                self._coder = zlib.compressobj(wbits=31)
        if self._coder is None:
            return chunk
        return cast(bytes, self._coder.decompress(chunk) if self._decompress else self._coder.compress(chunk))

    def finish(self) -> bytes:
        """The bytes still buffered; raises EOFError when a gzip body ended early."""
        if self._coder is None:
            return b""
        if self._decompress and not self._coder.eof:
            raise EOFError("the gzip body ended early")
        return cast(bytes, self._coder.flush())


class MetadataFile:
    """One attempt's file: written chunk by chunk, then committed (renamed) or aborted (removed)."""

    def __init__(self, path: str | os.PathLike[str], *, decompress: bool, operation: str) -> None:
        self._path = Path(path)
        self._part = self._path.with_name(self._path.name + ".part")
        self._operation = operation
        self._transcoder = MetadataTranscoder(decompress=decompress)
        self._file = self._part.open("wb")

    # The bytes (patient data) go straight from the transcoder to the file, never into a local of these frames.

    def write(self, chunk: Masked[bytes]) -> None:
        self._file.write(self._transcoded(lambda: self._transcoder.feed(chunk.value)))

    def commit(self) -> None:
        self._file.write(self._transcoded(self._transcoder.finish))
        self._file.close()
        self._part.replace(self._path)

    def abort(self) -> None:
        self._file.close()
        self._part.unlink(missing_ok=True)

    def _transcoded(self, transcode: Callable[[], bytes]) -> bytes:
        """What ``transcode`` returns; corrupt gzip raises InvalidResponseError, without zlib's error as its context."""
        try:
            return transcode()
        except (zlib.error, EOFError):
            pass
        raise errors.InvalidResponseError("corrupt gzip data", operation=self._operation)
