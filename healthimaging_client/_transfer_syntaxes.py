"""Stored transfer syntaxes: which codec each one needs, and the content type GetImageFrame answers with.

The content types are those the service model documents for GetImageFrame's
``contentType``; a syntax the table leaves out comes back as the default,
``application/octet-stream``, so the codec is chosen from the instance's
``StoredTransferSyntaxUID`` and the header only cross-checks it. Pure data,
shared by the decoder (``pixels``) and the emulator (``testing``).
"""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "Codec",
    "TransferSyntax",
    "codec_of_content_type",
    "content_type_for",
    "media_type",
    "transfer_syntax",
]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class Codec(enum.StrEnum):
    """The kind of codestream a frame is stored as."""

    UNCOMPRESSED = "uncompressed"
    HTJ2K = "HTJ2K"
    JPEG2000 = "JPEG 2000"
    JPEG = "JPEG"
    JPEGXL = "JPEG XL"
    VIDEO = "video"


@attrs.frozen
class TransferSyntax:
    uid: str
    name: str
    codec: Codec
    #: What GetImageFrame answers with for this syntax (the model's table; the default where it lists none).
    content_type: str = DEFAULT_CONTENT_TYPE
    #: Whether frames of this syntax may be lossy (their lower resolutions cannot be derived exactly).
    lossy: bool = False


_SYNTAXES = {
    s.uid: s
    for s in (
        TransferSyntax("1.2.840.10008.1.2", "Implicit VR Little Endian", Codec.UNCOMPRESSED),
        TransferSyntax("1.2.840.10008.1.2.1", "Explicit VR Little Endian", Codec.UNCOMPRESSED),
        TransferSyntax("1.2.840.10008.1.2.4.50", "JPEG Baseline", Codec.JPEG, "image/jpeg", lossy=True),
        TransferSyntax("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless", Codec.JPEG2000),
        TransferSyntax("1.2.840.10008.1.2.4.91", "JPEG 2000", Codec.JPEG2000, "image/j2c", lossy=True),
        TransferSyntax("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", Codec.JPEGXL),
        TransferSyntax("1.2.840.10008.1.2.4.112", "JPEG XL", Codec.JPEGXL, "image/jxl", lossy=True),
        TransferSyntax("1.2.840.10008.1.2.4.201", "HTJ2K Lossless", Codec.HTJ2K),
        TransferSyntax("1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", Codec.HTJ2K, "image/jph"),
        TransferSyntax("1.2.840.10008.1.2.4.203", "HTJ2K", Codec.HTJ2K, "image/jphc", lossy=True),
        *(
            TransferSyntax(uid, "MPEG2", Codec.VIDEO, "video/mpeg", lossy=True)
            for uid in ("1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.100.1", "1.2.840.10008.1.2.4.101")
        ),
        TransferSyntax("1.2.840.10008.1.2.4.101.1", "MPEG2", Codec.VIDEO, "video/mpeg", lossy=True),
        *(
            TransferSyntax(f"1.2.840.10008.1.2.4.{n}{suffix}", "MPEG-4 AVC/H.264", Codec.VIDEO, "video/mp4", lossy=True)
            for n in range(102, 107)
            for suffix in ("", ".1")
        ),
        *(
            TransferSyntax(uid, "HEVC/H.265", Codec.VIDEO, "video/H256", lossy=True)
            for uid in ("1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108")
        ),
    )
}

#: Content types that name one codec; ``application/octet-stream`` names none.
_CONTENT_TYPE_CODECS = {
    "image/jph": Codec.HTJ2K,
    "image/jphc": Codec.HTJ2K,
    "image/j2c": Codec.JPEG2000,
    "image/jp2": Codec.JPEG2000,
    "image/jpeg": Codec.JPEG,
    "image/jxl": Codec.JPEGXL,
    "video/mpeg": Codec.VIDEO,
    "video/mp4": Codec.VIDEO,
    "video/h256": Codec.VIDEO,
    "video/h265": Codec.VIDEO,
}


def transfer_syntax(uid: str) -> TransferSyntax | None:
    """The syntax of this UID, or None when the SDK does not know it."""
    return _SYNTAXES.get(uid)


def content_type_for(uid: str) -> str:
    """The content type GetImageFrame answers with for frames stored in this syntax."""
    known = _SYNTAXES.get(uid)
    return known.content_type if known else DEFAULT_CONTENT_TYPE


def media_type(content_type: str) -> str:
    """The media type alone, lower-cased: ``image/jph; q=1`` -> ``image/jph``."""
    return content_type.split(";", 1)[0].strip().lower()


def codec_of_content_type(content_type: str) -> Codec | None:
    """The codec a content type names; None for the default type, which names none.

    Raises ``KeyError`` for a type that is neither.
    """
    media = media_type(content_type)
    if media in ("", DEFAULT_CONTENT_TYPE):
        return None
    return _CONTENT_TYPE_CODECS[media]
