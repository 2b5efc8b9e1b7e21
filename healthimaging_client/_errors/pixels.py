"""Pixel data that cannot be decoded, verified or stacked, and instances that cannot make a DICOM file."""

from __future__ import annotations

from .base import HealthImagingError

__all__ = [
    "ChecksumMismatchError",
    "DICOMExportError",
    "FrameDecodeError",
    "PixelDataError",
    "UnsupportedPixelFormatError",
    "VolumeGeometryError",
]


class PixelDataError(HealthImagingError):
    """A frame's pixel data could not be decoded, verified or assembled.

    ``image_frame_id`` names the frame when it is known.
    """

    def __init__(self, message: str, *, image_frame_id: str | None = None) -> None:
        self.image_frame_id = image_frame_id
        where = f"image frame {image_frame_id}: " if image_frame_id else ""
        super().__init__(where + message)


class UnsupportedPixelFormatError(PixelDataError):
    """The content type, transfer syntax or pixel layout is one the SDK cannot decode."""


class FrameDecodeError(PixelDataError):
    """The codestream failed to decode, or decoded to a size or type the metadata does not describe.

    The codec's own exception, if any, is chained as ``__cause__``.
    """


class ChecksumMismatchError(PixelDataError):
    """The decoded pixels' CRC32 differs from ``PixelDataChecksumFromBaseToFullResolution``.

    The frame may be corrupt, or decoded by a codec that disagrees with the service's.
    ``expected`` and ``actual`` hold the two checksums, ``width`` and ``height`` the
    resolution checked; the message names neither checksum.
    """

    def __init__(self, *, image_frame_id: str | None, width: int, height: int, expected: int, actual: int) -> None:
        self.width = width
        self.height = height
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"the CRC32 of the decoded pixels ({width}x{height}) does not match the checksum in the metadata",
            image_frame_id=image_frame_id,
        )


class VolumeGeometryError(PixelDataError):
    """A series' frames differ in size, type or orientation, or share positions, so they do not form one volume."""


class DICOMExportError(HealthImagingError, ValueError):
    """An instance's metadata or frames cannot be written as a valid DICOM file.

    The message names the attribute (keyword and tag) or the count that is wrong, and the
    instance by its place in the image set, never by a value: DICOM values are patient data.
    """
