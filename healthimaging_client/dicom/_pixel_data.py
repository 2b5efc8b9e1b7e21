"""How an instance's frames become its Pixel Data element, in the encoding they are stored in.

Compressed frames are *encapsulated* (PS3.5 A.4): an undefined-length OB element
holding a Basic Offset Table item, then one fragment item per frame, then a
sequence delimiter. Uncompressed frames are written *native*: one OB or OW
element holding the frames back to back. Both the in-memory dataset and the
streaming writer encode through this module, so they write the same bytes.

Transcoding (decoding HTJ2K to native pixels for tools that cannot read it) is
phase 2: it will choose a native :class:`PixelEncoding` here and decode each
frame before it reaches the writer.
"""

from __future__ import annotations

import struct
from typing import Any

import attrs
from pydicom.dataset import Dataset

from ..errors import DICOMExportError

__all__ = [
    "EXPLICIT_VR_LITTLE_ENDIAN",
    "PIXEL_DATA_TAG",
    "PixelDataEncoder",
    "PixelEncoding",
    "expected_frames",
    "pixel_encoding",
    "stored_transfer_syntax",
]

PIXEL_DATA_TAG = 0x7FE00010
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
_IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"

#: Stored syntaxes whose frames are one codestream each, written as one fragment per frame.
ENCAPSULATED_SYNTAXES = frozenset(
    {
        "1.2.840.10008.1.2.4.50",  # JPEG baseline
        "1.2.840.10008.1.2.4.51",  # JPEG extended
        "1.2.840.10008.1.2.4.57",  # JPEG lossless
        "1.2.840.10008.1.2.4.70",  # JPEG lossless SV1
        "1.2.840.10008.1.2.4.80",  # JPEG-LS lossless
        "1.2.840.10008.1.2.4.81",  # JPEG-LS near-lossless
        "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
        "1.2.840.10008.1.2.4.91",  # JPEG 2000
        "1.2.840.10008.1.2.4.92",  # JPEG 2000 multi-component lossless
        "1.2.840.10008.1.2.4.93",  # JPEG 2000 multi-component
        "1.2.840.10008.1.2.4.110",  # JPEG XL lossless
        "1.2.840.10008.1.2.4.111",  # JPEG XL JPEG recompression
        "1.2.840.10008.1.2.4.112",  # JPEG XL
        "1.2.840.10008.1.2.4.201",  # HTJ2K lossless
        "1.2.840.10008.1.2.4.202",  # HTJ2K lossless RPCL (the service's default)
        "1.2.840.10008.1.2.4.203",  # HTJ2K
        "1.2.840.10008.1.2.5",  # RLE lossless
    }
)

_ITEM = struct.Struct("<HHI")  # (FFFE,E000) and its length
_MAX_LENGTH = 0xFFFFFFFE  # the longest even length a 32-bit length field holds


@attrs.frozen
class PixelEncoding:
    """The transfer syntax a file is written in, and how its Pixel Data element holds the frames."""

    transfer_syntax_uid: str
    encapsulated: bool
    #: Native only: the element's VR (OB for 8-bit samples, else OW) and the bytes of one frame.
    native_vr: str = "OB"
    native_frame_length: int | None = None


def stored_transfer_syntax(stored: str) -> str:
    """The transfer syntax to write frames stored in ``stored`` with, unchanged.

    Native frames are written explicit VR little endian, which carries the same pixel bytes as
    implicit VR little endian; a syntax the SDK cannot carry unchanged (video, big endian,
    deflate) raises :class:`DICOMExportError`.
    """
    if stored in ENCAPSULATED_SYNTAXES or stored == EXPLICIT_VR_LITTLE_ENDIAN:
        return stored
    if stored == _IMPLICIT_VR_LITTLE_ENDIAN:
        return EXPLICIT_VR_LITTLE_ENDIAN
    # A transfer syntax UID is no patient data.
    raise DICOMExportError(f"frames stored in transfer syntax {stored} cannot be exported unchanged yet")


def pixel_encoding(dataset: Dataset, transfer_syntax_uid: str) -> PixelEncoding:
    """How to write the frames of ``dataset`` in ``transfer_syntax_uid``."""
    if transfer_syntax_uid in ENCAPSULATED_SYNTAXES:
        return PixelEncoding(transfer_syntax_uid, encapsulated=True)
    if transfer_syntax_uid != EXPLICIT_VR_LITTLE_ENDIAN:
        raise DICOMExportError(f"the SDK cannot write frames in transfer syntax {transfer_syntax_uid}")
    bits = _unsigned(dataset, "BitsAllocated")
    rows, columns = _unsigned(dataset, "Rows"), _unsigned(dataset, "Columns")
    samples = _unsigned(dataset, "SamplesPerPixel", default=1)
    # 1-bit frames are packed across frame boundaries, so they have no whole-byte length.
    length = rows * columns * samples * bits // 8 if bits % 8 == 0 else None
    vr = "OB" if bits <= 8 else "OW"
    return PixelEncoding(transfer_syntax_uid, encapsulated=False, native_vr=vr, native_frame_length=length)


def expected_frames(dataset: Dataset) -> int:
    """``NumberOfFrames``; where it is left out, 1 for an image (it has Rows) and 0 for other objects."""
    if "NumberOfFrames" in dataset and not dataset["NumberOfFrames"].is_empty:
        return _unsigned(dataset, "NumberOfFrames")
    return 1 if "Rows" in dataset else 0


def _unsigned(dataset: Dataset, keyword: str, *, default: int | None = None) -> int:
    element = dataset[keyword] if keyword in dataset else None  # noqa: SIM401 (get() gives a value, not the element)
    value: Any = default if element is None or element.is_empty else element.value
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < (0 if keyword != "NumberOfFrames" else 1):
        raise DICOMExportError(f"{keyword} is missing or not a whole number, so the frames cannot be laid out")
    return number


class PixelDataEncoder:
    """Encodes an instance's frames, one at a time, as the bytes of its Pixel Data element.

    A writer writes :meth:`header`, then each :meth:`frame`'s chunks, then :meth:`trailer`;
    when encapsulated it then writes :meth:`offset_table` over the placeholder table at
    :attr:`offset_table_position` (an offset into the header), since the table comes first
    but its offsets are known only once every frame has passed.
    """

    def __init__(self, encoding: PixelEncoding, frame_count: int) -> None:
        self.encoding = encoding
        self.frame_count = frame_count
        self._offsets: list[int] = []
        self._next_offset = 0  # bytes of fragment items so far
        if not encoding.encapsulated:
            if encoding.native_frame_length is None:
                raise DICOMExportError("native frames of fewer than 8 bits per sample cannot be exported yet")
            self._native_length = encoding.native_frame_length * frame_count
            if self._native_length + self._native_length % 2 > _MAX_LENGTH:
                raise DICOMExportError("the native pixel data are too large for one element (4 GiB)")

    @property
    def frames_written(self) -> int:
        return len(self._offsets)

    @property
    def offset_table_position(self) -> int:
        """Where the Basic Offset Table item starts in :meth:`header`."""
        return _ELEMENT_HEADER.size

    def header(self) -> bytes:
        """The element's tag, VR and length, then (encapsulated) a placeholder offset table."""
        if self.encoding.encapsulated:
            return _element_header(b"OB", 0xFFFFFFFF) + _bot_item([0] * self.frame_count)
        padded = self._native_length + self._native_length % 2
        return _element_header(self.encoding.native_vr.encode(), padded)

    def frame(self, data: object) -> tuple[bytes, ...]:
        """The chunks that write one frame, in order: item header, data, padding (or the data alone)."""
        if len(self._offsets) == self.frame_count:
            raise DICOMExportError(f"more frames were given than the instance has ({self.frame_count})")
        if not isinstance(data, bytes | bytearray):  # the caller's type hints may not be checked
            raise DICOMExportError(f"frame {len(self._offsets) + 1} is not bytes: give each frame's bytes")
        data = bytes(data) if isinstance(data, bytearray) else data
        if not data:
            raise DICOMExportError(f"frame {len(self._offsets) + 1} is empty")
        if not self.encoding.encapsulated:
            if len(data) != self.encoding.native_frame_length:
                raise DICOMExportError(
                    f"frame {len(self._offsets) + 1} has {len(data)} bytes, but Rows, Columns, SamplesPerPixel "
                    f"and BitsAllocated make a frame {self.encoding.native_frame_length} bytes"
                )
            self._offsets.append(0)
            return (data,)
        if self._next_offset > 0xFFFFFFFF:
            raise DICOMExportError("the frames are too large for a Basic Offset Table to address (4 GiB)")
        padding = b"\x00" if len(data) % 2 else b""
        length = len(data) + len(padding)
        if length > _MAX_LENGTH:
            raise DICOMExportError(f"frame {len(self._offsets) + 1} is too large for one fragment (4 GiB)")
        self._offsets.append(self._next_offset)
        self._next_offset += _ITEM.size + length
        return _ITEM.pack(0xFFFE, 0xE000, length), data, padding

    def trailer(self) -> bytes:
        """What closes the element, once every frame is written: a sequence delimiter, or an even-length pad."""
        if len(self._offsets) != self.frame_count:
            raise DICOMExportError(f"{len(self._offsets)} frames were given, but the instance has {self.frame_count}")
        if self.encoding.encapsulated:
            return _ITEM.pack(0xFFFE, 0xE0DD, 0)
        return b"\x00" * (self._native_length % 2)

    def offset_table(self) -> bytes:
        """The Basic Offset Table item, with every frame's offset (same length as the placeholder)."""
        return _bot_item(self._offsets)


_ELEMENT_HEADER = struct.Struct("<HH2sHI")


def _element_header(vr: bytes, length: int) -> bytes:
    return _ELEMENT_HEADER.pack(0x7FE0, 0x0010, vr, 0, length)


def _bot_item(offsets: list[int]) -> bytes:
    return _ITEM.pack(0xFFFE, 0xE000, 4 * len(offsets)) + struct.pack(f"<{len(offsets)}I", *offsets)
