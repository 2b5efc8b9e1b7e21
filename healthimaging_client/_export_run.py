"""``export_image_set``'s run, once its input is checked and the metadata fetched: frames fetched ``concurrency``
at a time, in order, and streamed into Part 10 files (``dicom/_files``) as they come."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import _operations as ops
from . import errors

if TYPE_CHECKING:
    from ._core import Core
    from ._export import ExportProgress, ExportSummary
    from .metadata import ImageSetMetadata


async def export_files(
    core: Core,
    datastore_id: str,
    image_set_id: str,
    metadata: ImageSetMetadata,
    root: Path,
    chosen: frozenset[str] | None,
    *,
    concurrency: int,
    transcode: bool,
    progress: Callable[[ExportProgress], object] | None,
    fsync: bool,
) -> ExportSummary:
    """Plan the files, report those already complete, then fetch, write and report the rest; the summary."""
    from .dicom import _files
    from .dicom._transcode import transcode_frame

    run = core.backend.run_blocking
    plan = await run(_files.shielded(root, _files.plan_export), metadata, root, series=chosen, transcode=transcode)
    if isinstance(plan, str):
        raise errors.ParamValidationError([plan])
    files = _files.ExportFiles(plan, fsync=fsync)
    for skipped in files.skipped():
        if progress is not None:
            progress(skipped)

    async def fetch(job: _files.FrameJob) -> tuple[_files.FrameJob, bytes | None]:
        if job.frame is None:
            return job, None
        output = await core.request(ops.get_image_frame(datastore_id, image_set_id, job.frame.id))
        if not transcode:
            return job, output.data
        decode = _files.shielded(root, transcode_frame)  # on the CPU pool, as the pixel methods decode
        data = await core.backend.run_cpu_bound(
            decode, output.data, job.instance, job.frame, content_type=output.content_type
        )
        return job, data

    jobs = core.backend.map_bounded(fetch, plan.jobs(), limit=concurrency, ordered=True)
    write = _files.shielded(root, files.write)
    try:
        async with contextlib.aclosing(jobs) as frames:
            async for job, frame in frames:
                report = await run(write, job, frame)
                if report is not None and progress is not None:
                    progress(report)
    finally:
        files.abort()  # the file in progress, if any: a close and an unlink, never a wait
    return files.summary()
