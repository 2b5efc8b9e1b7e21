"""The pixel methods' work, written once for both clients: fetch a frame and decode it, or fill a volume.

``AsyncClient``'s pixel methods keep their signatures and docstrings and call
these with their core; like them, these await only the core.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

from . import errors
from ._pixel_requests import FrameFetch, volume_fetches
from .metadata import Series

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._core import Core
    from .pixels import Volume


async def frame_array(core: Core, fetch: FrameFetch, verify: bool, rescale: bool) -> NDArray[Any]:
    """Fetch one frame and decode it on the process's CPU pool (off the event loop for ``AsyncClient``)."""
    from .pixels import decode_frame

    output = await core.request(fetch.call)
    ref = fetch.ref
    return await core.backend.run_cpu_bound(
        decode_frame,
        output.data,
        ref.instance,
        ref.frame,
        content_type=output.content_type,
        verify=verify,
        rescale=rescale,
    )


async def series_volume(
    core: Core, datastore_id: str, image_set_id: str, series: Series, verify: bool, rescale: bool, concurrency: int
) -> Volume:
    """``get_series_volume``: plan the volume, then decode each frame into its slice as it arrives."""
    from .pixels import plan_volume

    if not isinstance(cast(object, series), Series):  # found by the fuzz: a wrong type failed inside the planner
        raise errors.ParamValidationError(
            [f"series: expected a Series of the metadata tree, got {type(series).__name__}"]
        )
    plan = plan_volume(series)
    fetches = volume_fetches(datastore_id, image_set_id, plan.slices, concurrency)
    volume = plan.allocate(rescale=rescale)
    run = core.backend.run_cpu_bound

    async def fill(fetch: FrameFetch) -> None:
        output = await core.request(fetch.call)
        await run(plan.fill, volume, fetch.ref.image_frame_id, output.data, output.content_type, verify=verify)

    async with contextlib.aclosing(core.backend.map_bounded(fill, fetches, limit=concurrency, ordered=False)) as filled:
        async for _ in filled:
            pass
    return plan.volume(volume)
