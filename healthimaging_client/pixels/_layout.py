"""How an instance's frames are laid out, read from its DICOM image pixel attributes.

The layout decides the array a frame decodes to: ``rows x columns`` (``x
samples`` for colour, interleaved), of ``uint8``/``int8`` or ``uint16``/``int16``
as BitsAllocated and PixelRepresentation say.
"""

from __future__ import annotations

from typing import cast

import attrs
import numpy as np

from ..errors import UnsupportedPixelFormatError
from ..metadata import Instance
from . import _values as values


@attrs.frozen
class PixelLayout:
    """The image pixel attributes of an instance that shape its decoded frames."""

    rows: int
    columns: int
    samples_per_pixel: int = 1
    bits_allocated: int = 16
    bits_stored: int = 16
    pixel_representation: int = 0
    planar_configuration: int = 0
    photometric_interpretation: str = "MONOCHROME2"
    number_of_frames: int = 1
    rescale_slope: float = 1.0
    rescale_intercept: float = 0.0

    @classmethod
    def from_instance(cls, instance: Instance, *, image_frame_id: str | None = None) -> PixelLayout:
        """The layout of ``instance``; raises :class:`UnsupportedPixelFormatError` naming the attribute at fault."""
        dicom = instance.dicom

        def read(name: str, default: int | None = None) -> int:
            value = values.integer(dicom.get(name)) if name in dicom else default
            if value is None:
                raise UnsupportedPixelFormatError(
                    f"the instance's {name} is missing or not a whole number", image_frame_id=image_frame_id
                )
            return value

        rows, columns = read("Rows"), read("Columns")
        samples = read("SamplesPerPixel", 1)
        allocated = read("BitsAllocated")
        stored = read("BitsStored", allocated)
        high_bit = read("HighBit", stored - 1)
        representation = read("PixelRepresentation", 0)
        problem = _problem(rows, columns, samples, allocated, stored, high_bit, representation)
        if problem:
            raise UnsupportedPixelFormatError(problem, image_frame_id=image_frame_id)
        # Enhanced multi-frame objects keep the rescale in their shared functional groups.
        transform = dicom
        if "RescaleSlope" not in dicom:
            shared = values.item(dicom, "SharedFunctionalGroupsSequence", "PixelValueTransformationSequence")
            transform = shared if shared is not None else dicom
        photometric: object = dicom.get("PhotometricInterpretation")
        if isinstance(photometric, list) and photometric:
            photometric = cast(list[object], photometric)[0]
        return cls(
            rows=rows,
            columns=columns,
            samples_per_pixel=samples,
            bits_allocated=allocated,
            bits_stored=stored,
            pixel_representation=representation,
            planar_configuration=read("PlanarConfiguration", 0) if samples > 1 else 0,
            photometric_interpretation=photometric
            if isinstance(photometric, str)
            else ("RGB" if samples == 3 else "MONOCHROME2"),
            number_of_frames=max(read("NumberOfFrames", 1), 1),
            rescale_slope=_rescale(transform.get("RescaleSlope"), 1.0),
            rescale_intercept=_rescale(transform.get("RescaleIntercept"), 0.0),
        )

    @property
    def signed(self) -> bool:
        return self.pixel_representation == 1

    @property
    def dtype(self) -> np.dtype[np.integer]:
        """``uint8``, ``int8``, ``uint16`` or ``int16``, as BitsAllocated and PixelRepresentation say."""
        return np.dtype(f"{'i' if self.signed else 'u'}{self.bits_allocated // 8}")

    def shape(self, reduce: int = 0) -> tuple[int, ...]:
        """The frame's array shape, at full resolution or ``reduce`` halvings below it."""
        rows, columns = -(-self.rows // (1 << reduce)), -(-self.columns // (1 << reduce))
        return (rows, columns) if self.samples_per_pixel == 1 else (rows, columns, self.samples_per_pixel)

    @property
    def frame_size(self) -> int:
        """Bytes of one uncompressed frame."""
        return self.rows * self.columns * self.samples_per_pixel * (self.bits_allocated // 8)


def _problem(rows: int, columns: int, samples: int, allocated: int, stored: int, high: int, representation: int) -> str:
    if rows < 1 or columns < 1:
        return "Rows and Columns must be positive"
    if samples not in (1, 3):
        return f"SamplesPerPixel {samples} is not supported (1 or 3)"
    if allocated not in (8, 16):
        return f"BitsAllocated {allocated} is not supported (8 or 16)"
    if not 1 <= stored <= allocated:
        return "BitsStored must be between 1 and BitsAllocated"
    if high != stored - 1:
        return "HighBit must be BitsStored - 1"
    if representation not in (0, 1):
        return "PixelRepresentation must be 0 or 1"
    return ""


def _rescale(value: object, default: float) -> float:
    number = values.number(value)
    return default if number is None else number
