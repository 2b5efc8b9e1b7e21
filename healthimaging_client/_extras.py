"""The one place optional extras are checked: their modules import, or a typed error names the extra."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from .errors import ExtraNotInstalledError

#: The modules each extra installs, in the order they are checked.
EXTRAS: dict[str, Sequence[str]] = {"pixels": ("numpy", "imagecodecs"), "dicom": ("pydicom",)}


def require(extra: str, feature: str) -> None:
    """Import every module of ``extra``, or raise :class:`ExtraNotInstalledError` naming the one missing."""
    for name in EXTRAS[extra]:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ExtraNotInstalledError(extra, name, feature) from exc
