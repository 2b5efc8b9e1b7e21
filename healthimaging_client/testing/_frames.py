"""The emulator's image frames: which pixels each frame id holds, and its codestream, made on first request.

Frames belong to the datastore, not to one image set version: a copy or an
update keeps the same frame ids and pixel data, as in the service. Encoding
needs the ``pixels`` extra (imported only here, only when a compressed frame is
first asked for); uncompressed frames are served without it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .._extras import require
from .._transfer_syntaxes import Codec, content_type_for, transfer_syntax
from ._pixels import FrameSpec, pixel_bytes

#: Codestreams kept after encoding; a 200-frame 512x512 series fits several times over.
CACHE_FRAMES = 1024


class FrameStore:
    """Frame ids to the specs of their pixels, and a bounded cache of their codestreams."""

    def __init__(self, cache_frames: int = CACHE_FRAMES) -> None:
        self._specs: dict[str, FrameSpec] = {}
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_frames = cache_frames
        self._lock = threading.Lock()

    def add(self, frame_id: str, spec: FrameSpec) -> None:
        self._specs[frame_id] = spec

    def __contains__(self, frame_id: str) -> bool:
        return frame_id in self._specs

    def spec(self, frame_id: str) -> FrameSpec:
        return self._specs[frame_id]

    def codestream(self, frame_id: str) -> tuple[bytes, str]:
        """The frame's codestream and the content type GetImageFrame answers with."""
        spec = self._specs[frame_id]
        content_type = content_type_for(spec.format.transfer_syntax_uid)
        with self._lock:
            cached = self._cache.get(frame_id)
            if cached is not None:
                self._cache.move_to_end(frame_id)
                return cached, content_type
        data = encode(spec)
        with self._lock:
            self._cache[frame_id] = data
            while len(self._cache) > self._cache_frames:
                self._cache.popitem(last=False)
        return data, content_type


def encode(spec: FrameSpec) -> bytes:
    """The frame in its stored transfer syntax (raises ExtraNotInstalledError for a compressed one without it)."""
    data = pixel_bytes(spec)
    syntax = transfer_syntax(spec.format.transfer_syntax_uid)
    if syntax is not None and syntax.codec is Codec.UNCOMPRESSED:
        return data
    require("pixels", "Encoding the emulator's compressed frames")
    from ..pixels import _encode

    return _encode.encode_frame(
        _encode.as_array(data, spec.format.shape, spec.format.numpy_dtype), spec.format.transfer_syntax_uid
    )


def thumbnails(spec: FrameSpec) -> list[tuple[int, int, int]]:
    """(width, height, CRC32) of each lower resolution a decoder returns for the frame, smallest first."""
    require("pixels", "Listing thumbnail checksums")
    from ..pixels import _encode, frame_crc32

    pixels = _encode.as_array(pixel_bytes(spec), spec.format.shape, spec.format.numpy_dtype)
    levels = _encode.reduced_levels(pixels, spec.format.transfer_syntax_uid)
    return [(level.shape[1], level.shape[0], frame_crc32(level)) for level in levels]
