"""The file side of ``export_image_set``: which files to write, and writing them as frames arrive, in order.

No network here: the client method fetches, and calls these through the backend's
``run_blocking`` (a worker thread for ``AsyncClient``), one call at a time::

    plan_export(metadata, directory, ...)     each instance's path, from the tree's UIDs; complete files skipped
    ExportFiles.write(job, frame)             the job's file opened at its first frame, committed after its last
    ExportFiles.abort()                       the .part file of an instance left unfinished removed

Only the file being written is open, and only its dataset and the frame being written
are held here: a dataset is made when its file is begun, so a plan of thousands of
instances holds their paths, not their datasets.

The client runs each of them through :func:`shielded`: a failure comes out without the
frames below it, whose locals hold datasets and paths (patient data, and UIDs the service
model marks sensitive), and a local one (disk full, no permission) as the same kind of
``OSError`` naming the export directory rather than the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

import attrs
from pydicom.dataset import Dataset

from .._export import ExportProgress, ExportSummary
from ..errors import HealthImagingError
from ..metadata import ImageFrame, ImageSetMetadata, Instance
from ._dataset import to_dataset
from ._layout import is_complete, path_of
from ._writer import Part10Writer

__all__ = ["ExportFiles", "ExportPlan", "FrameJob", "PendingFile", "plan_export", "shielded"]

P = ParamSpec("P")
T = TypeVar("T")


@attrs.frozen
class PendingFile:
    """An instance still to write, and its final path."""

    instance: Instance
    path: Path = attrs.field(repr=False)


@attrs.frozen
class FrameJob:
    """One frame to fetch and append (``frame`` is None for an instance without frames, written in one go)."""

    file: int  # index into the plan's pending files
    instance: Instance
    frame: ImageFrame | None
    last: bool

    def __repr__(self) -> str:
        return f"FrameJob(file={self.file}, last={self.last})"


@attrs.frozen
class ExportPlan:
    """The files an export writes, in document order, and those it found complete."""

    metadata: ImageSetMetadata
    transcode: bool
    pending: list[PendingFile]
    skipped: list[Path] = attrs.field(repr=False)

    def dataset(self, pending: PendingFile) -> Dataset:
        """The instance's dataset, made when its file is begun (the plan keeps only its path)."""
        return to_dataset(self.metadata, pending.instance, transcode=self.transcode)

    def jobs(self) -> Iterator[FrameJob]:
        """Every frame of every pending file, file by file, in order."""
        for index, pending in enumerate(self.pending):
            frames = pending.instance.image_frames
            if not frames:
                yield FrameJob(index, pending.instance, None, last=True)
            for number, frame in enumerate(frames, start=1):
                yield FrameJob(index, pending.instance, frame, last=number == len(frames))


def plan_export(
    metadata: ImageSetMetadata, directory: Path, *, series: frozenset[str] | None, transcode: bool
) -> ExportPlan | str:
    """Each chosen instance's path, with complete files set aside; or what is wrong with ``series``.

    The path comes from the UIDs the tree keys the instance by (``instance_path``'s layout);
    its dataset is made only when its file is begun, so metadata that cannot make a file stops
    the export at that instance, the files before it written.
    """
    if series is not None:
        unknown = series - set(metadata.study.series)
        if unknown:
            return f"series: {len(unknown)} of the SeriesInstanceUIDs given are not in the image set"
    pending: list[PendingFile] = []
    skipped: list[Path] = []
    study = metadata.study.study_instance_uid
    for instance in metadata.iter_instances():
        if series is not None and instance.series_instance_uid not in series:
            continue
        path = path_of(directory, study, instance.series_instance_uid, instance.sop_instance_uid)
        if is_complete(path):
            skipped.append(path)
        else:
            pending.append(PendingFile(instance, path))
    return ExportPlan(metadata, transcode, pending, skipped)


class ExportFiles:
    """Writes the plan's files from their frames, handed over in order; counts what it wrote."""

    def __init__(self, plan: ExportPlan, *, fsync: bool) -> None:
        self._plan = plan
        self._fsync = fsync
        self._writer: Part10Writer | None = None
        self.files_written = 0
        self.frames_written = 0
        self.bytes_written = 0
        self.files_skipped = len(plan.skipped)
        self.files_total = len(plan.pending) + len(plan.skipped)

    def skipped(self) -> Iterator[ExportProgress]:
        """A progress report for each file found complete, counting up."""
        for number, path in enumerate(self._plan.skipped, start=1):
            yield self._progress(path, skipped=True, files_skipped=number)

    def write(self, job: FrameJob, frame: bytes | None) -> ExportProgress | None:
        """Append the job's frame to its file (opening it first); after the last one, commit and report."""
        pending = self._plan.pending[job.file]
        if self._writer is None:
            self._writer = Part10Writer(pending.path, self._plan.dataset(pending), fsync=self._fsync)
        if frame is not None:
            self._writer.write_frame(frame)
            self.frames_written += 1
        if not job.last:
            return None
        self._writer.commit()
        self._writer = None
        self.files_written += 1
        self.bytes_written += os.path.getsize(pending.path)
        return self._progress(pending.path, skipped=False, files_skipped=self.files_skipped)

    def abort(self) -> None:
        """Remove the partial file of the instance being written, if any; complete files stay."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def summary(self) -> ExportSummary:
        return ExportSummary(
            files_written=self.files_written,
            files_skipped=self.files_skipped,
            frames_written=self.frames_written,
            bytes_written=self.bytes_written,
        )

    def _progress(self, path: Path, *, skipped: bool, files_skipped: int) -> ExportProgress:
        return ExportProgress(
            path=path,
            skipped=skipped,
            files_total=self.files_total,
            files_written=self.files_written,
            files_skipped=files_skipped,
            frames_written=self.frames_written,
            bytes_written=self.bytes_written,
        )


def shielded(directory: Path, fn: Callable[P, T]) -> Callable[P, T]:
    """``fn``, raising its SDK errors and OSErrors from here, without the frames below.

    An ``OSError`` comes out as a new one of the same kind naming ``directory`` (the
    file's own name holds UIDs); an SDK error as it is, its traceback starting here.
    """

    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except OSError as failure:
            problem: BaseException = type(failure)(failure.errno, failure.strerror, str(directory))
        except HealthImagingError as failure:
            problem = failure.with_traceback(None)
        raise problem  # outside the handler: nothing chained

    return call
