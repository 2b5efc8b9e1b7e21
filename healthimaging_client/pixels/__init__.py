"""Pixel data: image frames decoded to NumPy arrays, and series assembled into volumes.

Needs the ``pixels`` extra (NumPy and imagecodecs)::

    pip install 'healthimaging-client[pixels]'

Without it, importing this package raises :class:`~healthimaging_client.ExtraNotInstalledError`
(an ``ImportError``) that says so; the rest of the SDK never imports it.

Everything here is pure: it takes codestream bytes (GetImageFrame's body) and
the typed metadata tree, and fetches nothing, so the same functions serve
``Client``, ``AsyncClient`` and codestreams you fetched yourself::

    ref = find_frame(metadata, image_frame_id)
    array = decode_frame(output.data, ref.instance, ref.frame, content_type=output.content_type)

    plan = plan_volume(metadata.study.series[series_uid])
    volume = plan.allocate()
    for frame_id in plan.frame_ids:          # or from a thread pool, as frames arrive
        plan.fill(volume, frame_id, codestreams[frame_id])
    result = plan.volume(volume)             # with spacing, orientation and origin
"""

from .._extras import require

require("pixels", "Decoding pixel data")

from ._decode import RESCALED_DTYPE, choose_codec, decode_frame, frame_crc32, verify_checksum  # noqa: E402
from ._frames import FrameRef, find_frame, iter_frames  # noqa: E402
from ._layout import PixelLayout  # noqa: E402
from ._volume import Volume, VolumePlan, plan_volume  # noqa: E402

__all__ = [
    "FrameRef",
    "PixelLayout",
    "RESCALED_DTYPE",
    "Volume",
    "VolumePlan",
    "choose_codec",
    "decode_frame",
    "find_frame",
    "frame_crc32",
    "iter_frames",
    "plan_volume",
    "verify_checksum",
]
