"""What the clients' pixel methods settle before anything is sent: the extra, which frames, their calls.

Pure: the methods in ``_async_client`` fetch and decode; this module only
checks their input (the ``pixels`` extra is installed, ids are well formed,
the metadata belongs to the image set, the frame is in it) and pairs each
frame with its GetImageFrame :class:`~._operations.Call`.

How many frames are in flight by default, and why: ``DEFAULT_FRAME_CONCURRENCY``
is 16. The pool keeps 20 connections alive (httpx's default), so 16 requests
always find a warm connection, with room for the client's other calls. In an
AWS region a GetImageFrame takes tens of milliseconds, so 16 in flight ask for
a few hundred frames a second, under the service's default quota of 1,000 per
second even with a second job running; and decoding a 512x512 HTJ2K frame takes
1.5 to 3 ms of one core, so that rate keeps a few cores busy, no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from . import _operations as ops
from . import models as m
from ._extras import require
from ._wire import validation as v
from .errors import ParamValidationError
from .metadata import ImageSetMetadata, Instance, Series

if TYPE_CHECKING:
    from .pixels import FrameRef

#: Frames fetched and decoded at once by ``iter_frame_arrays`` and ``get_series_volume`` (see above).
DEFAULT_FRAME_CONCURRENCY = 16

#: What ``iter_frame_arrays`` takes as ``frames``: a level of the metadata tree, or frames chosen from it.
FramesInput = ImageSetMetadata | Series | Instance | Iterable["FrameRef"]


@attrs.frozen
class FrameFetch:
    """One frame to fetch: where it sits in the metadata, and its GetImageFrame call."""

    ref: FrameRef
    call: ops.Call[m.GetImageFrameOutput]


def require_pixels() -> None:
    """The ``pixels`` extra is installed, or :class:`~healthimaging_client.ExtraNotInstalledError` is raised."""
    require("pixels", "Decoding pixel data")


def check_metadata(image_set_id: str, metadata: ImageSetMetadata, path: str = "metadata") -> None:
    """Metadata given with an image set id must be that image set's (a mix-up would decode the wrong frames)."""
    if not isinstance(metadata, ImageSetMetadata):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ParamValidationError([f"{path}: expected an ImageSetMetadata, got {type(metadata).__name__}"])
    if metadata.image_set_id is not None and metadata.image_set_id != image_set_id:
        raise ParamValidationError([f"{path}: is the metadata of another image set than image_set_id"])


def find_ref(metadata: ImageSetMetadata, image_frame_id: str) -> FrameRef:
    """The frame of this id with its instance; ParamValidationError when the metadata lists none."""
    from .pixels import find_frame  # ExtraNotInstalledError without the extra

    ref = find_frame(metadata, image_frame_id)
    if ref is None:
        raise ParamValidationError(["image_frame_id: the image set's metadata lists no frame with this id"])
    return ref


def frame_fetches(datastore_id: str, image_set_id: str, frames: FramesInput, concurrency: int) -> list[FrameFetch]:
    """Every frame asked for with its call, each id checked; raises before anything is sent."""
    from .pixels import FrameRef, iter_frames  # ExtraNotInstalledError without the extra

    v.positive_int("concurrency", concurrency)
    if isinstance(frames, ImageSetMetadata):
        check_metadata(image_set_id, frames, "frames")
    if isinstance(frames, ImageSetMetadata | Series | Instance):
        refs: list[Any] = list(iter_frames(frames))
    elif isinstance(frames, Iterable) and not isinstance(frames, str | bytes):  # pyright: ignore[reportUnnecessaryIsInstance]
        refs = list(frames)
        if not all(isinstance(ref, FrameRef) for ref in refs):
            raise ParamValidationError(["frames: every item must be a FrameRef (from pixels.iter_frames)"])
    else:
        raise ParamValidationError(
            [f"frames: expected ImageSetMetadata, Series, Instance or FrameRefs, got {type(frames).__name__}"]
        )
    return _fetches(datastore_id, image_set_id, refs)


def volume_fetches(
    datastore_id: str, image_set_id: str, slices: Iterable[FrameRef], concurrency: int
) -> list[FrameFetch]:
    """The calls for a volume plan's slices."""
    v.positive_int("concurrency", concurrency)
    return _fetches(datastore_id, image_set_id, list(slices))


def _fetches(datastore_id: str, image_set_id: str, refs: list[FrameRef]) -> list[FrameFetch]:
    p = v.Problems(ops.Operation.GET_IMAGE_FRAME)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    for index, ref in enumerate(refs):
        v.identifier(p, f"frames[{index}].image_frame_id", ref.image_frame_id)
    p.raise_if_any()
    return [FrameFetch(ref, ops.get_image_frame(datastore_id, image_set_id, ref.image_frame_id)) for ref in refs]
