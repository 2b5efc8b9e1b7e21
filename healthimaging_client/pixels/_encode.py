"""Encoding frames into the stored formats the service keeps; for the emulator and benchmarks, not for users.

Every encoding here is lossless, so a frame decodes back to exactly its pixels
whatever syntax it is stored in.
"""

from __future__ import annotations

from typing import Any

import imagecodecs
import numpy as np
from numpy.typing import NDArray

from .._codestream import read_main_header
from .._transfer_syntaxes import Codec, transfer_syntax
from . import _wavelet

#: Wavelet levels of encoded frames: a 512x512 frame gets thumbnails down to 16x16.
LEVELS = 5


def levels_for(rows: int, columns: int) -> int:
    """Decomposition levels for a frame: up to :data:`LEVELS`, the smallest at least 8 pixels where the frame allows."""
    return max(1, min(LEVELS, min(rows, columns).bit_length() - 4))


def encode_frame(pixels: NDArray[Any], transfer_syntax_uid: str) -> bytes:
    """``pixels`` (rows x columns [x samples]) as a codestream of this transfer syntax."""
    syntax = transfer_syntax(transfer_syntax_uid)
    codec = syntax.codec if syntax else None
    levels = levels_for(*pixels.shape[:2])
    if codec is Codec.HTJ2K:
        # OpenJPH writes RPCL progression, which 4.202 needs and the other two allow.
        # imagecodecs counts decompositions for HTJ2K and resolutions (one more) for JPEG 2000.
        return _with_levels(imagecodecs.htj2k_encode(pixels, reversible=True, resolutions=levels), levels)
    if codec is Codec.JPEG2000:
        encoded = imagecodecs.jpeg2k_encode(pixels, level=0, reversible=True, codecformat="J2K", resolutions=levels + 1)
        return _with_levels(encoded, levels)
    if codec is Codec.UNCOMPRESSED:
        return pixels.astype(pixels.dtype.newbyteorder("<"), copy=False).tobytes()
    raise ValueError(f"the emulator does not encode {transfer_syntax_uid}")


def _with_levels(codestream: bytes | bytearray, levels: int) -> bytes:
    """The codestream, after checking the encoder kept the levels its lower-resolution checksums assume."""
    found = read_main_header(codestream).levels
    if found != levels:
        raise RuntimeError(f"the encoder wrote {found} wavelet levels, not {levels}")
    return bytes(codestream)


def reduced_levels(pixels: NDArray[Any], transfer_syntax_uid: str) -> list[NDArray[Any]]:
    """The lower resolutions a decoder returns for this frame, smallest first (none for uncompressed)."""
    syntax = transfer_syntax(transfer_syntax_uid)
    if syntax is None or syntax.codec not in (Codec.HTJ2K, Codec.JPEG2000):
        return []
    colour = pixels.ndim == 3
    levels = levels_for(*pixels.shape[:2])
    return [_wavelet.reduced(pixels, k, colour_transform=colour) for k in range(levels, 0, -1)]


def as_array(data: bytes, shape: tuple[int, ...], dtype: str) -> NDArray[Any]:
    """Little-endian pixel bytes as an array of ``shape`` and ``dtype`` (such as ``"<u2"``)."""
    return np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape)
