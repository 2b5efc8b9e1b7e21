"""Reading numbers out of DICOM values as the metadata document carries them.

The service may send a number, a numeric string (IS, DS), a list of either,
or a backslash-separated string; these read all of them, and return None for
anything else rather than guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast


def numbers(value: object) -> list[float] | None:
    """Every number of a (possibly multi-valued) DICOM value, or None if any part is not one."""
    if isinstance(value, str):
        parts: Sequence[object] = value.split("\\")
    elif isinstance(value, list):
        parts = cast(list[object], value)
    else:
        parts = [value]
    found: list[float] = []
    for part in parts:
        number = _number(part)
        if number is None:
            return None
        found.append(number)
    return found or None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def number(value: object) -> float | None:
    """A single-valued DICOM number."""
    found = numbers(value)
    return found[0] if found is not None and len(found) == 1 else None


def integer(value: object) -> int | None:
    """A single-valued DICOM integer (US, IS): None unless it is whole."""
    found = number(value)
    return int(found) if found is not None and found.is_integer() else None


def vector(value: object, size: int) -> tuple[float, ...] | None:
    """A multi-valued DICOM number with exactly ``size`` values (ImagePositionPatient: 3)."""
    found = numbers(value)
    return tuple(found) if found is not None and len(found) == size else None


def item(dicom: Mapping[str, Any], *path: str) -> Mapping[str, Any] | None:
    """The first item of nested sequences: ``item(d, "SharedFunctionalGroupsSequence", "PixelMeasuresSequence")``."""
    current: Mapping[str, Any] = dicom
    for name in path:
        value = current.get(name)
        if not isinstance(value, list) or not value or not isinstance(value[0], dict):
            return None
        current = cast(dict[str, Any], value[0])
    return current
