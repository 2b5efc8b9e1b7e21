"""Whether the ``dicom`` extra is installed; importing this module never imports pydicom."""

from __future__ import annotations

from .._extras import require
from ..errors import ExtraNotInstalledError

__all__ = ["require_pydicom"]

_FEATURE = "exporting DICOM"


def require_pydicom() -> None:
    """Raise :class:`ExtraNotInstalledError` unless pydicom 3 can be imported."""
    require("dicom", _FEATURE)
    import pydicom

    if not pydicom.__version__.startswith("3."):
        raise ExtraNotInstalledError("dicom", "pydicom>=3,<4", _FEATURE)
