"""``AsyncClient.get_image_set_metadata_many``'s fan-out: many requests as tasks, a bounded number at a time.

Async only (it makes asyncio tasks), so ``Client`` derives nothing from it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, cast

from . import errors
from ._wire.validation import positive_int

if TYPE_CHECKING:
    from .metadata import ImageSetMetadata


async def fan_out(
    fetch: Callable[[str], Coroutine[Any, Any, ImageSetMetadata]], image_set_ids: Iterable[str], concurrency: int
) -> AsyncGenerator[tuple[str, ImageSetMetadata | errors.HealthImagingError]]:
    """``(id, fetch(id))`` or ``(id, error)`` for each id as it completes, ``concurrency`` at a time.

    The next request starts only when the consumer asks for more; closing the
    iterator cancels and awaits what is still in flight.
    """
    import asyncio

    positive_int("concurrency", concurrency)
    if isinstance(image_set_ids, str | bytes) or not isinstance(cast(object, image_set_ids), Iterable):
        raise errors.ParamValidationError(
            [f"image_set_ids: expected an iterable of ids, got {type(image_set_ids).__name__}"]
        )
    pending_ids = iter(image_set_ids)
    running: dict[asyncio.Task[ImageSetMetadata], str] = {}

    def start_next() -> bool:
        for image_set_id in pending_ids:
            task = asyncio.ensure_future(fetch(image_set_id))
            running[task] = image_set_id
            return True
        return False

    try:
        while len(running) < concurrency and start_next():  # not range(concurrency): it may be huge
            pass
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                image_set_id = running.pop(task)
                exc = task.exception()
                if exc is not None and not isinstance(exc, errors.HealthImagingError):
                    raise exc
                yield image_set_id, task.result() if exc is None else exc
                start_next()  # only once the consumer asked for more
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
