"""Transcoding: frames decoded with the ``pixels`` extra and written native, in explicit VR little endian.

For tools that cannot read HTJ2K (or JPEG 2000): the file is larger, but any DICOM reader
opens it. Each frame goes through :func:`~healthimaging_client.pixels.decode_frame`, so its
checksum is verified on the way, and the dataset's pixel description follows the decoded
pixels rather than the codestream::

    PhotometricInterpretation   YBR_RCT, YBR_ICT  -> RGB   the JPEG 2000 decoder undoes the colour transform
                                YBR_* of JPEG     -> RGB   the JPEG and JPEG XL decoders return RGB
    PlanarConfiguration         0                          samples come back interleaved
    BitsAllocated ... PixelRepresentation         kept     bits above HighBit cleared, or carrying the sign

Lossy frames stay lossy: ``LossyImageCompression`` and its companions are kept as the
metadata has them.
"""

from __future__ import annotations

from pydicom.dataset import Dataset

from .. import _transfer_syntaxes as syntaxes
from .._extras import require
from .._transfer_syntaxes import Codec
from ..errors import PixelDataError
from ..metadata import ImageFrame, Instance

__all__ = ["describe_decoded", "transcode_frame", "transcoding_problem"]

_FEATURE = "Transcoding DICOM pixel data"
_COLOUR_TRANSFORMED = frozenset({"YBR_RCT", "YBR_ICT"})


def transcode_frame(
    codestream: bytes | bytearray | memoryview,
    instance: Instance,
    frame: ImageFrame,
    *,
    content_type: str | None = None,
    verify: bool = True,
) -> bytes:
    """One frame's codestream as the native pixel bytes explicit VR little endian holds.

    ``codestream`` and ``content_type`` are GetImageFrame's body and header; ``instance`` and
    ``frame`` come from the metadata tree. The result is little-endian, samples interleaved,
    ``Rows x Columns x SamplesPerPixel x BitsAllocated / 8`` bytes. ``verify`` checks the
    frame's CRC32 (:class:`~healthimaging_client.ChecksumMismatchError` on a difference).
    Needs the ``pixels`` extra.
    """
    require("pixels", _FEATURE)
    from ..pixels import decode_frame

    pixels = decode_frame(codestream, instance, frame, content_type=content_type, verify=verify)
    return pixels.astype(pixels.dtype.newbyteorder("<"), copy=False).tobytes()


def transcoding_problem(instance: Instance) -> str | None:
    """Why the instance's frames cannot be transcoded, or None when they can (checked before any file is made)."""
    require("pixels", _FEATURE)
    from ..pixels import PixelLayout

    stored = instance.transfer_syntax_uid
    syntax = syntaxes.transfer_syntax(stored)
    if syntax is None or syntax.codec is Codec.VIDEO:
        return f"frames stored in transfer syntax {stored} cannot be transcoded: the SDK does not decode them"
    try:
        PixelLayout.from_instance(instance)
    except PixelDataError as problem:  # names the attribute at fault, never a value
        return f"its frames cannot be transcoded: {problem}"
    return None


def describe_decoded(dataset: Dataset, stored_transfer_syntax_uid: str) -> None:
    """Set the dataset's pixel description to the decoded frames' (see the module's table)."""
    if int(dataset.get("SamplesPerPixel", 1)) == 1:
        return
    syntax = syntaxes.transfer_syntax(stored_transfer_syntax_uid)
    codec = syntax.codec if syntax is not None else None
    photometric = str(dataset.get("PhotometricInterpretation", ""))
    if (codec in (Codec.HTJ2K, Codec.JPEG2000) and photometric in _COLOUR_TRANSFORMED) or (
        codec in (Codec.JPEG, Codec.JPEGXL) and photometric.startswith("YBR")
    ):
        dataset.PhotometricInterpretation = "RGB"
    dataset.PlanarConfiguration = 0
