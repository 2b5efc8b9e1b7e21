"""A series as one 3D volume: which frame is which slice, the geometry, and filling it in place.

A :class:`VolumePlan` is made from the metadata alone. Slices are ordered by
ImagePositionPatient projected on the slice normal (the cross product of the
ImageOrientationPatient cosines), so axis 0 runs along the normal; where a
frame has no position, by InstanceNumber and the frame's place in its
instance. Multi-frame instances give one slice per frame, placed by their
per-frame functional groups, or by SpacingBetweenSlices along the normal from
the instance's position. Filling is pure and thread-safe: hand ``fill`` each
frame's codestream as it arrives (from any thread) and it decodes straight
into its slice of a preallocated array.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping, Sequence
from typing import Any, cast

import attrs
import numpy as np
from numpy.typing import NDArray

from ..errors import VolumeGeometryError
from ..metadata import Series
from . import _values as values
from ._decode import RESCALED_DTYPE, Buffer, decode_frame
from ._frames import FrameRef, iter_frames
from ._layout import PixelLayout

Vector = tuple[float, float, float]

#: Cosines that differ by less than this count as one orientation; positions closer than this (mm) as one.
_TOLERANCE = 1e-4


@attrs.frozen
class Volume:
    """A series' pixels as one array, with where it lies in the patient.

    ``array`` is slices x rows x columns (x samples). ``spacing`` is the
    distance in mm between slices, rows and columns (None where the metadata
    does not say); ``orientation`` the row and column direction cosines
    (ImageOrientationPatient); ``origin`` the position of the first voxel.
    """

    array: NDArray[Any]
    frame_ids: tuple[str, ...]
    spacing: tuple[float | None, float | None, float | None]
    orientation: tuple[float, ...] | None
    origin: Vector | None
    #: ``"ImagePositionPatient"`` or ``"InstanceNumber"``: what decided the order of the slices.
    ordered_by: str
    #: Each slice's distance along the normal (mm), when ordered by position; uneven steps show here.
    slice_positions: tuple[float, ...] | None

    def __repr__(self) -> str:
        return (
            f"Volume(shape={self.array.shape}, dtype={self.array.dtype}, spacing={self.spacing}, "
            f"ordered_by={self.ordered_by!r})"
        )


@attrs.frozen
class _Placed:
    ref: FrameRef
    position: Vector | None
    orientation: tuple[float, ...] | None


@attrs.frozen(repr=False)
class VolumePlan:
    """Where each frame of a series goes in its volume, and the volume's geometry; made by :func:`plan_volume`."""

    layout: PixelLayout
    slices: tuple[FrameRef, ...]
    orientation: tuple[float, ...] | None
    origin: Vector | None
    ordered_by: str
    slice_positions: tuple[float, ...] | None
    spacing: tuple[float | None, float | None, float | None]
    _index: Mapping[str, int] = attrs.field(alias="index")

    def __repr__(self) -> str:
        return f"VolumePlan(shape={self.shape}, ordered_by={self.ordered_by!r})"

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.slices), *self.layout.shape())

    @property
    def frame_ids(self) -> tuple[str, ...]:
        return tuple(ref.image_frame_id for ref in self.slices)

    def dtype(self, *, rescale: bool = False) -> np.dtype[Any]:
        return RESCALED_DTYPE if rescale else self.layout.dtype

    def allocate(self, *, rescale: bool = False) -> NDArray[Any]:
        """An uninitialised array for the volume: stored values, or float32 physical values with ``rescale``."""
        return np.empty(self.shape, dtype=self.dtype(rescale=rescale))

    def index(self, image_frame_id: str) -> int:
        """The slice a frame goes to; ``KeyError`` if the frame is not in the series."""
        return self._index[image_frame_id]

    def fill(
        self,
        volume: NDArray[Any],
        image_frame_id: str,
        codestream: Buffer,
        content_type: str | None = None,
        *,
        verify: bool = True,
    ) -> None:
        """Decode one frame into its slice of ``volume`` (rescaled when ``volume`` is float32)."""
        ref = self.slices[self.index(image_frame_id)]
        decode_frame(
            codestream,
            ref.instance,
            ref.frame,
            content_type=content_type,
            verify=verify,
            rescale=volume.dtype == RESCALED_DTYPE,
            out=volume[self.index(image_frame_id)],
        )

    def place(self, volume: NDArray[Any], image_frame_id: str, pixels: NDArray[Any]) -> None:
        """Copy an already decoded frame into its slice."""
        volume[self.index(image_frame_id)] = pixels

    def volume(self, array: NDArray[Any]) -> Volume:
        """``array`` (filled) with this plan's geometry."""
        if array.shape != self.shape:
            raise ValueError(f"the volume must have shape {self.shape}")
        return Volume(
            array=array,
            frame_ids=self.frame_ids,
            spacing=self.spacing,
            orientation=self.orientation,
            origin=self.origin,
            ordered_by=self.ordered_by,
            slice_positions=self.slice_positions,
        )


def plan_volume(series: Series | Sequence[FrameRef]) -> VolumePlan:
    """The volume a series' frames make; raises :class:`VolumeGeometryError` if they do not stack."""
    refs = list(iter_frames(series)) if isinstance(series, Series) else list(series)
    if not refs:
        raise VolumeGeometryError("the series has no image frames")
    layout = _common_layout(refs)
    placed = [_place(ref) for ref in refs]
    orientation = _common_orientation(placed)
    first = refs[0].instance.dicom
    pixel_spacing = _pixel_spacing(first)
    if orientation is not None and all(p.position is not None for p in placed):
        normal = _normal(orientation)
        distances = [_dot(p.position, normal) for p in placed if p.position is not None]
        order = sorted(range(len(placed)), key=distances.__getitem__)
        positions = tuple(distances[i] for i in order)
        steps = [b - a for a, b in itertools.pairwise(positions)]
        if any(step < _TOLERANCE for step in steps):
            raise VolumeGeometryError(
                f"{sum(step < _TOLERANCE for step in steps) + 1} frames share a slice position; "
                "decode them one by one instead"
            )
        slice_spacing = statistics.median(steps) if steps else _slice_thickness(first)
        slices = tuple(placed[i].ref for i in order)
        origin = placed[order[0]].position
        ordered_by, slice_positions = "ImagePositionPatient", positions
    else:
        slices = tuple(sorted(refs, key=_instance_order))
        slice_spacing = _slice_thickness(first)
        origin, ordered_by, slice_positions = None, "InstanceNumber", None
    return VolumePlan(
        layout=layout,
        slices=slices,
        orientation=orientation,
        origin=origin,
        ordered_by=ordered_by,
        slice_positions=slice_positions,
        spacing=(slice_spacing, *pixel_spacing) if pixel_spacing else (slice_spacing, None, None),
        index={ref.image_frame_id: i for i, ref in enumerate(slices)},
    )


# --- reading the geometry -------------------------------------------------------------------


def _common_layout(refs: Sequence[FrameRef]) -> PixelLayout:
    layouts = {
        id(ref.instance): PixelLayout.from_instance(ref.instance, image_frame_id=ref.image_frame_id) for ref in refs
    }
    first = next(iter(layouts.values()))
    shape, dtype = first.shape(), first.dtype
    differing = sum(1 for layout in layouts.values() if layout.shape() != shape or layout.dtype != dtype)
    if differing:
        raise VolumeGeometryError(
            f"{differing} of the series' {len(layouts)} instances differ from the first in size or pixel type"
        )
    return first


def _place(ref: FrameRef) -> _Placed:
    dicom = ref.instance.dicom
    per_frame: object = dicom.get("PerFrameFunctionalGroupsSequence")
    frame_groups: Mapping[str, Any] = {}
    if isinstance(per_frame, list):
        groups = cast(list[object], per_frame)
        if ref.index < len(groups) and isinstance(groups[ref.index], dict):
            frame_groups = cast(dict[str, Any], groups[ref.index])
    position = _vector3(_from_groups(dicom, frame_groups, "PlanePositionSequence", "ImagePositionPatient"))
    orientation = values.vector(
        _from_groups(dicom, frame_groups, "PlaneOrientationSequence", "ImageOrientationPatient"), 6
    )
    if position is not None and orientation is not None and ref.index and not frame_groups:
        # A multi-frame instance with one position: its frames step along the normal.
        step = values.number(dicom.get("SpacingBetweenSlices"))
        if step is None:
            position = None
        else:
            normal = _normal(orientation)
            position = (
                position[0] + ref.index * step * normal[0],
                position[1] + ref.index * step * normal[1],
                position[2] + ref.index * step * normal[2],
            )
    return _Placed(ref, position, orientation)


def _from_groups(dicom: Mapping[str, Any], frame_groups: Mapping[str, Any], sequence: str, name: str) -> object:
    """An attribute from the frame's functional groups, the shared ones, or the instance itself."""
    for source in (
        values.item(frame_groups, sequence) if frame_groups else None,
        values.item(dicom, "SharedFunctionalGroupsSequence", sequence),
        dicom,
    ):
        if source is not None and name in source:
            return source[name]
    return None


def _common_orientation(placed: Sequence[_Placed]) -> tuple[float, ...] | None:
    orientations = [p.orientation for p in placed]
    first = orientations[0]
    if first is None or any(o is None for o in orientations):
        return None
    for other in orientations[1:]:
        assert other is not None
        if max(abs(a - b) for a, b in zip(first, other, strict=True)) > _TOLERANCE:
            raise VolumeGeometryError(
                "the series' frames differ in ImageOrientationPatient, so they are not one volume"
            )
    return first


def _pixel_spacing(dicom: Mapping[str, Any]) -> tuple[float, float] | None:
    spacing = values.vector(_from_groups(dicom, {}, "PixelMeasuresSequence", "PixelSpacing"), 2)
    return None if spacing is None else (spacing[0], spacing[1])


def _slice_thickness(dicom: Mapping[str, Any]) -> float | None:
    between = values.number(dicom.get("SpacingBetweenSlices"))
    return (
        between
        if between is not None
        else values.number(_from_groups(dicom, {}, "PixelMeasuresSequence", "SliceThickness"))
    )


def _instance_order(ref: FrameRef) -> tuple[float, int]:
    number = values.number(ref.instance.dicom.get("InstanceNumber"))
    return (float("inf") if number is None else number, ref.index)


def _vector3(value: object) -> Vector | None:
    found = values.vector(value, 3)
    return None if found is None else (found[0], found[1], found[2])


def _normal(orientation: Sequence[float]) -> Vector:
    (rx, ry, rz), (cx, cy, cz) = orientation[:3], orientation[3:6]
    return (ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx)


def _dot(a: Vector | None, b: Vector) -> float:
    assert a is not None
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
