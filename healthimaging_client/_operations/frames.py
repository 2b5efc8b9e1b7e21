"""GetImageFrame: one frame's codestream, read as the raw body with the ``Content-Type`` it came with."""

from __future__ import annotations

from collections.abc import Mapping

from .. import errors
from .. import models as m
from .._transfer_syntaxes import DEFAULT_CONTENT_TYPE
from .._wire import validation as v
from .._wire.bodies import json_body
from ._call import Call, Operation, WithHeaders, segment


def get_image_frame(datastore_id: str, image_set_id: str, image_frame_id: str) -> Call[m.GetImageFrameOutput]:
    """One image frame's pixel data, as the codestream the service stores (HTJ2K by default), undecoded."""
    p = v.Problems(Operation.GET_IMAGE_FRAME)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    v.identifier(p, "image_frame_id", image_frame_id)
    p.raise_if_any()
    return Call(
        Operation.GET_IMAGE_FRAME,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(image_set_id)}/getImageFrame",
        "",
        json_body(m.ImageFrameInformation(image_frame_id=image_frame_id)),
        _READ_FRAME,
    )


def _read_frame(headers: Mapping[str, str], content: bytes) -> m.GetImageFrameOutput:
    """The body is the codestream itself (no JSON, no envelope); the model requires it."""
    if not content:
        raise errors.InvalidResponseError("the response has no image frame data")
    return m.GetImageFrameOutput(data=content, content_type=headers.get("content-type") or DEFAULT_CONTENT_TYPE)


_READ_FRAME = WithHeaders(_read_frame)
