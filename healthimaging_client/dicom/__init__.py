"""Image set metadata and frames as DICOM: pydicom datasets and Part 10 files.

Needs the ``dicom`` extra: ``pip install 'healthimaging-client[dicom]'``.

::

    to_dataset(metadata, instance)          one instance of the tree as a pydicom Dataset, file meta set
    write_part10(path, dataset, frames)     a Part 10 file, frames streamed to disk one at a time
    Part10Writer(path, dataset)             the same, frame by frame: write_frame(), then commit()
    transcode_frame(codestream, ...)        a frame decoded (pixels extra) to native bytes, for transcode=True
    instance_path(directory, dataset)       directory/study_uid/series_uid/sop_uid.dcm
    is_complete(path)                       whether a finished export is there (for resuming)

Frames stay in their stored encoding (HTJ2K, JPEG 2000, ... as encapsulated fragments
with a Basic Offset Table; uncompressed as native pixel data), so nothing is decoded
and the export is lossless; ``transcode=True`` decodes them to explicit VR little
endian instead, for tools that cannot read HTJ2K.

Importing this package does not import pydicom; the first use of a function that needs
it does, and raises :class:`ExtraNotInstalledError` (an ``ImportError``) naming the
extra to install when pydicom 3 is not there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import DICOMExportError, ExtraNotInstalledError
from ._dependency import require_pydicom
from ._layout import instance_path, is_complete

if TYPE_CHECKING:
    from ._dataset import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, to_dataset
    from ._transcode import transcode_frame
    from ._writer import Part10Writer, write_part10

__all__ = [
    "DICOMExportError",
    "ExtraNotInstalledError",
    "IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME",
    "Part10Writer",
    "instance_path",
    "is_complete",
    "to_dataset",
    "transcode_frame",
    "write_part10",
]

# The names whose modules import pydicom, loaded on first use.
_NEEDS_PYDICOM = {
    "IMPLEMENTATION_CLASS_UID": "._dataset",
    "IMPLEMENTATION_VERSION_NAME": "._dataset",
    "to_dataset": "._dataset",
    "Part10Writer": "._writer",
    "transcode_frame": "._transcode",
    "write_part10": "._writer",
}


def __getattr__(name: str) -> object:
    module = _NEEDS_PYDICOM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    require_pydicom()
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
