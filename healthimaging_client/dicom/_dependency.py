"""Whether the ``dicom`` extra is installed; importing this module never imports pydicom."""

from __future__ import annotations

from ..errors import MissingDependencyError

__all__ = ["INSTALL_HINT", "require_pydicom"]

#: What to install for DICOM export.
INSTALL_HINT = "pip install 'healthimaging-client[dicom]'"


def require_pydicom() -> None:
    """Raise :class:`MissingDependencyError` unless pydicom 3 can be imported."""
    try:
        import pydicom
    except ImportError:
        failed = True
    else:
        failed = not pydicom.__version__.startswith("3.")
    if failed:
        # Raised outside the ``except`` block, so no ImportError of pydicom's is chained to it.
        raise MissingDependencyError(
            f"exporting DICOM needs pydicom 3: {INSTALL_HINT}", extra="dicom", package="pydicom"
        )
