"""The image frames of an instance, a series or a whole image set, read from the typed metadata tree."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ..metadata import ImageFrame, ImageSetMetadata, Instance, Series


@attrs.frozen
class FrameRef:
    """One image frame with the instance it belongs to: all that decoding it needs besides its codestream."""

    instance: Instance
    frame: ImageFrame
    #: The frame's place in its instance (0 for single-frame instances).
    index: int

    @property
    def image_frame_id(self) -> str:
        return self.frame.id


def iter_frames(level: ImageSetMetadata | Series | Instance) -> Iterator[FrameRef]:
    """Every frame of an image set, a series or an instance, in document order."""
    if isinstance(level, Instance):
        instances: Iterator[Instance] = iter((level,))
    elif isinstance(level, Series):
        instances = iter(level.instances.values())
    else:
        instances = level.iter_instances()
    for instance in instances:
        for index, frame in enumerate(instance.image_frames):
            yield FrameRef(instance, frame, index)


def find_frame(metadata: ImageSetMetadata, image_frame_id: str) -> FrameRef | None:
    """The frame with this id and its instance, or None when the metadata lists no such frame."""
    return next((ref for ref in iter_frames(metadata) if ref.image_frame_id == image_frame_id), None)
