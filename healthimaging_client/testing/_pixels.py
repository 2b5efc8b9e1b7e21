"""Synthetic pixel data: deterministic frames, their DICOM tags and true checksums, in pure Python.

A frame is a smooth profile across the columns, each row a cyclic shift of it
along a random walk: cheap to make without NumPy (whole rows are sliced bytes),
compressible like an image, and changed by any transposition or flip. Nothing
here is encoded: the codestream is made when a client first asks for the frame
(``_frames``), so an emulator with many image sets starts fast.
"""

from __future__ import annotations

import array
import math
import random
import sys
import zlib
from typing import Any

import attrs

from .._transfer_syntaxes import Codec, transfer_syntax

JSON = dict[str, Any]

HTJ2K_RPCL = "1.2.840.10008.1.2.4.202"
#: An axial slice: rows run along +x, columns along +y.
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@attrs.frozen
class FrameFormat:
    """How the emulator stores one instance's frames: transfer syntax, size and sample type.

    ``rescale`` is ``(slope, intercept)`` for RescaleSlope/RescaleIntercept, or None
    to leave them out. ``thumbnail_checksums`` lists the checksums of the lower
    resolutions too (JPEG 2000 and HTJ2K only; needs the ``pixels`` extra).
    """

    transfer_syntax_uid: str = HTJ2K_RPCL
    rows: int = 256
    columns: int = 256
    samples_per_pixel: int = 1
    bits_allocated: int = 16
    bits_stored: int = 16
    signed: bool = False
    rescale: tuple[float, float] | None = None
    thumbnail_checksums: bool = False

    def __attrs_post_init__(self) -> None:
        syntax = transfer_syntax(self.transfer_syntax_uid)
        if syntax is None or syntax.codec not in (Codec.HTJ2K, Codec.JPEG2000, Codec.UNCOMPRESSED):
            raise ValueError("the emulator stores frames as HTJ2K, JPEG 2000 or uncompressed only")
        if self.bits_allocated not in (8, 16) or not 1 <= self.bits_stored <= self.bits_allocated:
            raise ValueError("bits_allocated must be 8 or 16, and bits_stored at most that")
        if self.samples_per_pixel not in (1, 3) or min(self.rows, self.columns) < 1:
            raise ValueError("samples_per_pixel must be 1 or 3, and the frame at least 1x1")

    @property
    def typecode(self) -> str:
        """The ``array`` module's type code of one sample."""
        code = "b" if self.bits_allocated == 8 else "h"
        return code if self.signed else code.upper()

    @property
    def numpy_dtype(self) -> str:
        return f"<{'i' if self.signed else 'u'}{self.bits_allocated // 8}"

    @property
    def shape(self) -> tuple[int, ...]:
        rows, columns = self.rows, self.columns
        return (rows, columns) if self.samples_per_pixel == 1 else (rows, columns, self.samples_per_pixel)

    @property
    def value_range(self) -> tuple[int, int]:
        if self.signed:
            return -(1 << (self.bits_stored - 1)), (1 << (self.bits_stored - 1)) - 1
        return 0, (1 << self.bits_stored) - 1

    def dicom(self) -> JSON:
        """The image pixel attributes (and rescale) of an instance stored in this format."""
        colour = self.samples_per_pixel == 3
        tags: JSON = {
            "Rows": self.rows,
            "Columns": self.columns,
            "SamplesPerPixel": self.samples_per_pixel,
            "PhotometricInterpretation": "RGB" if colour else "MONOCHROME2",
            "BitsAllocated": self.bits_allocated,
            "BitsStored": self.bits_stored,
            "HighBit": self.bits_stored - 1,
            "PixelRepresentation": int(self.signed),
        }
        if colour:
            tags["PlanarConfiguration"] = 0
        if self.rescale is not None:
            tags["RescaleSlope"], tags["RescaleIntercept"] = (_ds(v) for v in self.rescale)
            tags["RescaleType"] = "HU"
        return tags


@attrs.frozen
class FrameSpec:
    """Everything that determines one frame's pixels."""

    format: FrameFormat
    seed: int


@attrs.frozen
class _Profile:
    row: bytes
    shifts: tuple[int, ...]
    low: int
    high: int


def _profile(spec: FrameSpec) -> _Profile:
    fmt = spec.format
    rng = random.Random(spec.seed)
    low, high = fmt.value_range
    span = high - low
    count = fmt.columns * fmt.samples_per_pixel
    phases = [rng.random() for _ in range(fmt.samples_per_pixel)]
    step = 2 * math.pi / max(count / rng.uniform(1.5, 3.5), 2.0)
    jitter = rng.randbytes(count)  # one call, not one per sample: this runs for every frame at start
    values = [
        max(
            low,
            min(
                high,
                low
                + round(
                    span
                    * (0.5 + 0.35 * math.sin(i * step + phases[i % fmt.samples_per_pixel]) + (jitter[i] - 128) / 1600)
                ),
            ),
        )
        for i in range(count)
    ]
    row = array.array(fmt.typecode, values)
    if sys.byteorder == "big":
        row.byteswap()
    shifts: list[int] = []
    shift = 0
    for move in rng.randbytes(fmt.rows):
        shifts.append(shift)
        shift = (shift + move % 6 - 2) % fmt.columns
    return _Profile(row.tobytes(), tuple(shifts), min(values), max(values))


def pixel_bytes(spec: FrameSpec) -> bytes:
    """The frame's pixels: little-endian, samples interleaved, rows x columns x samples."""
    return _rows(spec, _profile(spec))


def _rows(spec: FrameSpec, profile: _Profile) -> bytes:
    step = spec.format.samples_per_pixel * spec.format.bits_allocated // 8
    row = profile.row
    return b"".join(row[s * step :] + row[: s * step] for s in profile.shifts)


def frame_entry(frame_id: str, spec: FrameSpec, thumbnails: list[tuple[int, int, int]]) -> JSON:
    """The ``ImageFrames`` entry of a frame; ``thumbnails`` lists lower resolutions as (width, height, crc)."""
    fmt = spec.format
    profile = _profile(spec)
    data = _rows(spec, profile)
    checksums = [{"Width": w, "Height": h, "Checksum": crc} for w, h, crc in thumbnails]
    checksums.append({"Width": fmt.columns, "Height": fmt.rows, "Checksum": zlib.crc32(data)})
    return {
        "ID": frame_id,
        "PixelDataChecksumFromBaseToFullResolution": checksums,
        "MinPixelValue": profile.low,
        "MaxPixelValue": profile.high,
        "FrameSizeInBytes": len(data),
    }


def _ds(value: float) -> str:
    """A DS (decimal string) value, as DICOM JSON carries it."""
    return f"{value:g}"


def geometry(position: tuple[float, float, float], *, pixel_spacing: float, thickness: float) -> JSON:
    """The plane attributes of an axial slice at ``position``."""
    return {
        "ImagePositionPatient": [_ds(v) for v in position],
        "ImageOrientationPatient": [_ds(v) for v in AXIAL],
        "PixelSpacing": [_ds(pixel_spacing), _ds(pixel_spacing)],
        "SliceThickness": _ds(thickness),
    }


def frame_geometry(positions: list[tuple[float, float, float]], *, pixel_spacing: float, thickness: float) -> JSON:
    """The plane attributes of a multi-frame stack of axial slices, as functional groups: shared and per frame."""
    plane = geometry(positions[0], pixel_spacing=pixel_spacing, thickness=thickness)
    measures = {"PixelSpacing": plane["PixelSpacing"], "SliceThickness": plane["SliceThickness"]}
    return {
        "SharedFunctionalGroupsSequence": [
            {
                "PixelMeasuresSequence": [measures],
                "PlaneOrientationSequence": [{"ImageOrientationPatient": plane["ImageOrientationPatient"]}],
            }
        ],
        "PerFrameFunctionalGroupsSequence": [
            {"PlanePositionSequence": [{"ImagePositionPatient": [_ds(v) for v in position]}]} for position in positions
        ],
    }
