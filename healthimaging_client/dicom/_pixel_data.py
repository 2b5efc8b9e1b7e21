"""How an instance's frames become its Pixel Data element, in the encoding they are stored in.

Compressed frames are *encapsulated* (PS3.5 A.4): an undefined-length OB element
holding a Basic Offset Table item, then one fragment item per frame, then a
sequence delimiter. Uncompressed frames are written *native*: one OB or OW
element holding the frames back to back. Both the in-memory dataset and the
streaming writer encode through this module, so they write the same bytes.

Colour frames of JPEG 2000 and HTJ2K may have gone through the codestream's
colour transform; the file must then say YBR_RCT or YBR_ICT where the metadata
says RGB (PS3.5 8.2.4 and 8.2.14), so the encoder reads each colour frame's
main header and tells the writer which interpretation the frames hold.

Transcoding (``_transcode``) decodes each frame before it reaches the encoder,
which then writes it native, in explicit VR little endian.
"""

from __future__ import annotations

import struct
from typing import Any

import attrs
from pydicom.dataset import Dataset

from .. import _codestream
from ..errors import DICOMExportError, FrameDecodeError

__all__ = [
    "EXPLICIT_VR_LITTLE_ENDIAN",
    "JPEG2000_FAMILY",
    "PIXEL_DATA_TAG",
    "PixelDataEncoder",
    "PixelEncoding",
    "expected_frames",
    "pixel_encoding",
    "stored_photometric",
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

#: Syntaxes whose codestreams are JPEG 2000 (Part 1, or Part 15: HTJ2K), with its colour transform.
JPEG2000_FAMILY = frozenset(
    {
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.92",
        "1.2.840.10008.1.2.4.93",
        "1.2.840.10008.1.2.4.201",
        "1.2.840.10008.1.2.4.202",
        "1.2.840.10008.1.2.4.203",
    }
)
_COLOUR_TRANSFORMED = frozenset({"YBR_RCT", "YBR_ICT"})

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
    #: The dataset's PhotometricInterpretation, when its frames' colour transform may change it
    #: (colour JPEG 2000 and HTJ2K); None when the frames cannot change it.
    photometric: str | None = None


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
        photometric = dataset.get("PhotometricInterpretation")
        colour = transfer_syntax_uid in JPEG2000_FAMILY and _unsigned(dataset, "SamplesPerPixel", default=1) == 3
        return PixelEncoding(
            transfer_syntax_uid, encapsulated=True, photometric=str(photometric or "RGB") if colour else None
        )
    if transfer_syntax_uid != EXPLICIT_VR_LITTLE_ENDIAN:
        raise DICOMExportError(f"the SDK cannot write frames in transfer syntax {transfer_syntax_uid}")
    bits = _unsigned(dataset, "BitsAllocated")
    rows, columns = _unsigned(dataset, "Rows"), _unsigned(dataset, "Columns")
    samples = _unsigned(dataset, "SamplesPerPixel", default=1)
    # 1-bit frames are packed across frame boundaries, so they have no whole-byte length.
    length = rows * columns * samples * bits // 8 if bits % 8 == 0 else None
    vr = "OB" if bits <= 8 else "OW"
    return PixelEncoding(transfer_syntax_uid, encapsulated=False, native_vr=vr, native_frame_length=length)


def stored_photometric(photometric: str, codestream: bytes, *, where: str = "a colour frame") -> str:
    """The PhotometricInterpretation a colour JPEG 2000 or HTJ2K codestream holds, given the metadata's.

    The metadata keeps the interpretation of the pixels as imported (RGB, say). A codestream
    whose first three components went through the colour transform holds YBR_RCT (reversible
    wavelet) or YBR_ICT (irreversible); one that did not holds what the metadata says, or RGB
    where the metadata names a transform. Data that is not a raw codestream is left as it is.
    """
    if not _codestream.is_codestream(codestream):
        return photometric
    try:
        header = _codestream.read_main_header(codestream)
    except FrameDecodeError as problem:  # its message describes the header, never pixel values
        raise DICOMExportError(f"{where} is not a readable JPEG 2000 codestream: {problem}") from None
    if len(header.components) >= 3 and header.multiple_component_transform:
        return "YBR_RCT" if header.reversible else "YBR_ICT"
    return "RGB" if photometric in _COLOUR_TRANSFORMED else photometric


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
        #: What the frames given so far say the PhotometricInterpretation is (see :func:`stored_photometric`).
        self.photometric = encoding.photometric
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
        if self.encoding.photometric is not None:
            self._check_colour(data)
        if self._next_offset > 0xFFFFFFFF:
            raise DICOMExportError("the frames are too large for a Basic Offset Table to address (4 GiB)")
        padding = b"\x00" if len(data) % 2 else b""
        length = len(data) + len(padding)
        if length > _MAX_LENGTH:
            raise DICOMExportError(f"frame {len(self._offsets) + 1} is too large for one fragment (4 GiB)")
        self._offsets.append(self._next_offset)
        self._next_offset += _ITEM.size + length
        return _ITEM.pack(0xFFFE, 0xE000, length), data, padding

    def _check_colour(self, data: bytes) -> None:
        """The first colour frame decides the interpretation; the others must agree with it."""
        assert self.encoding.photometric is not None
        number = len(self._offsets) + 1
        found = stored_photometric(self.encoding.photometric, data, where=f"frame {number}")
        if number == 1:
            self.photometric = found
        elif found != self.photometric:
            raise DICOMExportError(
                f"frame {number} holds {found} colour, but frame 1 holds {self.photometric}: "
                "one PhotometricInterpretation cannot describe them both"
            )

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
