"""Where an export puts each instance, and how a later run knows a file is complete."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DICOMExportError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

__all__ = ["instance_path", "is_complete", "path_of"]

# A DICOM UID: digits and dots, at most 64 characters. Nothing else may become a path component.
_UID = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_PREAMBLE_AND_PREFIX = 132
_KEYWORDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")


def instance_path(directory: str | os.PathLike[str], dataset: Dataset) -> Path:
    """``directory/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm`` for ``dataset``.

    The UIDs come from the dataset, so an edited (say, de-identified) dataset lands under its
    new UIDs. A UID that is not digits and dots raises :class:`DICOMExportError` (naming
    which UID, not its value), so no value can lead a path outside ``directory``.
    """
    return path_of(directory, *(dataset.get(keyword) for keyword in _KEYWORDS))


def path_of(directory: str | os.PathLike[str], study: object, series: object, sop: object) -> Path:
    """``directory/<study>/<series>/<sop>.dcm``, each UID checked as :func:`instance_path` checks it."""
    for keyword, uid in zip(_KEYWORDS, (study, series, sop), strict=True):
        if not isinstance(uid, str) or len(uid) > 64 or not _UID.fullmatch(uid):
            raise DICOMExportError(f"{keyword} is missing or not a valid UID, so it cannot name a path")
    return Path(directory) / str(study) / str(series) / f"{sop}.dcm"


def is_complete(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a finished export: a regular file that starts as a Part 10 file does.

    The writer gives a file its final name only once it is complete (and flushed to the
    disk), so a file under that name is one a finished export renamed there; a file in
    progress or left by a crash is a ``.part`` next to it. The ``DICM`` check only guards
    against something else having been put there.
    """
    try:
        with open(path, "rb") as file:
            head = file.read(_PREAMBLE_AND_PREFIX)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False
    return len(head) == _PREAMBLE_AND_PREFIX and head[128:] == b"DICM"
