"""GetImageFrame's request member and its output: one frame's codestream, as the service stores it."""

from __future__ import annotations

import attrs


@attrs.frozen(kw_only=True)
class ImageFrameInformation:
    """Which frame to fetch: an ``ImageFrames[].ID`` of the image set's metadata."""

    image_frame_id: str


def _size(data: bytes) -> str:
    return f"<{len(data)} bytes>"


@attrs.frozen(kw_only=True)
class GetImageFrameOutput:
    """A frame's codestream (``data``, the model's ``imageFrameBlob``) and the ``Content-Type`` it came with.

    The content type follows the instance's stored transfer syntax (``image/jph``
    for HTJ2K, the default ``application/octet-stream`` for syntaxes the model
    lists no type for); :func:`healthimaging_client.pixels.decode_frame` turns
    the two into an array. ``repr`` shows the size of ``data``, never its bytes.
    """

    data: bytes = attrs.field(repr=_size)
    content_type: str = "application/octet-stream"
