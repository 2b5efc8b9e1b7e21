"""What ``export_image_set`` settles before anything is sent, and what it reports: its arguments, progress and summary.

Pure, and free of pydicom: the client method (``AsyncClient.export_image_set``)
checks its input here, then fetches the metadata and the frames; the files are
planned and written by ``dicom._files`` in the backend's ``run_blocking``.

An export runs like this::

    arguments checked, extras present            (ParamValidationError, ExtraNotInstalledError: nothing sent)
    GetImageSetMetadata
    plan: each instance's dataset and path       complete files skipped, each reported to ``progress``
    GetImageFrame, ``concurrency`` at a time     in order, so each file is written front to back
        (transcode: decoded on worker threads)
    each frame appended to its instance's file   <name>.part, renamed when the instance is complete
    after each instance: ``progress``            and the summary at the end
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import attrs

from ._extras import require
from ._wire import validation as v
from .errors import ParamValidationError

__all__ = ["ExportProgress", "ExportSummary", "check_export", "series_filter"]


@attrs.frozen
class ExportSummary:
    """What an export did: files written and skipped (complete from an earlier run), and what was written."""

    files_written: int
    files_skipped: int
    frames_written: int
    bytes_written: int

    @property
    def files(self) -> int:
        """Every instance's file: written now, or found complete."""
        return self.files_written + self.files_skipped


@attrs.frozen
class ExportProgress:
    """Where an export stands, given to ``progress`` after each instance's file is written or found complete.

    ``path`` is that file (its name holds the instance's UIDs, so ``repr`` masks it);
    ``skipped`` says it was complete already. The counts are the export's so far, out
    of ``files_total``.
    """

    path: Path = attrs.field(repr=False)
    skipped: bool
    files_total: int
    files_written: int
    files_skipped: int
    frames_written: int
    bytes_written: int

    @property
    def files_done(self) -> int:
        return self.files_written + self.files_skipped


def check_export(
    directory: object, *, series: object, concurrency: int, transcode: bool, progress: object
) -> tuple[Path, frozenset[str] | None]:
    """The export's arguments, checked before anything is sent: the directory as a Path, and the series chosen.

    Raises :class:`ParamValidationError` naming each argument at fault, and
    :class:`~healthimaging_client.ExtraNotInstalledError` naming the extra an export needs.
    """
    problems: list[str] = []
    path = _directory(directory)
    if path is None:
        problems.append("directory: expected a path (str or os.PathLike of str)")
    chosen: frozenset[str] | None = None
    try:
        chosen = series_filter(series)
    except ParamValidationError as problem:
        problems.extend(problem.problems)
    try:
        v.positive_int("concurrency", concurrency)
    except ParamValidationError as problem:
        problems.extend(problem.problems)
    if not isinstance(transcode, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        problems.append("transcode: expected True or False")
    if progress is not None and not callable(progress):
        problems.append("progress: expected a callable that takes an ExportProgress, or None")
    if problems:
        raise ParamValidationError(problems)
    require("dicom", "Exporting DICOM")
    if transcode:
        require("pixels", "Transcoding DICOM pixel data")
    assert path is not None
    return path, chosen


def _directory(directory: object) -> Path | None:
    text: object = directory
    if isinstance(directory, os.PathLike):
        text = os.fspath(cast("os.PathLike[str]", directory))
    return Path(text) if isinstance(text, str) and text else None


def series_filter(series: object) -> frozenset[str] | None:
    """``series`` as a set of SeriesInstanceUIDs: one UID, several, or None for every series."""
    if series is None:
        return None
    if isinstance(series, str):
        chosen: list[object] = [series]
    else:
        chosen = list(cast(Iterable[object], series)) if isinstance(series, Iterable) else []
    if not chosen or not all(isinstance(uid, str) and uid for uid in chosen):
        raise ParamValidationError(["series: expected a SeriesInstanceUID or an iterable of them"])
    return frozenset(str(uid) for uid in chosen)
