"""The emulator's GetImageFrame: the frame's codestream, in the content type the service sends for its syntax."""

from __future__ import annotations

import re

from .._operations import Operation
from ..errors import ExtraNotInstalledError
from ._faults import ServiceFault, validation
from ._listing import image_sets
from ._requests import Emulator, Handler, Request, json_object
from ._responses import Response, headers

_IMAGE_FRAME_ID = re.compile(r"[0-9a-z]{32}")


def get_image_frame(emulator: Emulator, request: Request) -> Response:
    frame_id = json_object(request.body).get("imageFrameId")
    if not isinstance(frame_id, str) or not _IMAGE_FRAME_ID.fullmatch(frame_id):
        raise validation("imageFrameId must be 32 lower-case letters and digits")
    image_sets(emulator, request).frame_of(request.datastore_id, request.image_set_id, frame_id)
    try:
        codestream, content_type = image_sets(emulator, request).frames.codestream(frame_id)
    except ExtraNotInstalledError as exc:
        raise ServiceFault(501, "NotImplemented", str(exc)) from None
    return Response(200, headers(**{"Content-Type": content_type}), codestream)


HANDLERS: dict[str, Handler] = {Operation.GET_IMAGE_FRAME: get_image_frame}
