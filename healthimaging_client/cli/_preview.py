"""A decoded frame as an 8-bit picture to look at: windowed, the right way up in brightness, PNG-encoded.

Pure, and needs the ``pixels`` extra (NumPy, and imagecodecs for PNG). A
grayscale frame is mapped through the instance's own window (WindowCenter and
WindowWidth, applied to rescaled values as DICOM defines them) when it has
one, and otherwise through the 0.5th to 99.5th percentile of its values, so a
few extreme pixels do not wash the picture out. MONOCHROME1 is inverted, so
bright means dense as in every viewer. Colour frames of 8 bits are kept as
they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from ..metadata import Instance

#: The share of values left out at each end when the instance names no window.
_CLIP_PERCENT = 0.5


def _first_number(value: object) -> float | None:
    """A DICOM DS value as the metadata holds it (a number, a string, or a list of them): its first number."""
    if isinstance(value, list | tuple):
        items = cast(Sequence[object], value)
        value = items[0] if items else None
    if isinstance(value, str):
        value = value.split("\\")[0].strip()
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def window(dicom: Mapping[str, Any]) -> tuple[float, float] | None:
    """The instance's (center, width), if it names a usable one."""
    center, width = _first_number(dicom.get("WindowCenter")), _first_number(dicom.get("WindowWidth"))
    if center is None or width is None or width < 1:
        return None
    return center, width


def to_8bit(pixels: NDArray[Any], instance: Instance) -> NDArray[np.uint8]:
    """``pixels`` (rescaled to physical values, for grayscale) as 8-bit values to show."""
    if pixels.ndim == 3:  # colour: rows x columns x samples
        if pixels.dtype == np.uint8:
            return pixels
        low, high = float(pixels.min()), float(pixels.max())
        return _scaled(pixels.astype(np.float64), low, high)
    values = pixels.astype(np.float64)
    chosen = window(instance.dicom)
    if chosen is not None:
        center, width = chosen
        # DICOM's linear window (PS3.3 C.11.2.1.2.1): centre - 0.5 and width - 1.
        low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
    else:
        low, high = (float(v) for v in np.percentile(values, [_CLIP_PERCENT, 100 - _CLIP_PERCENT]))
    shown = _scaled(values, low, high)
    if str(instance.dicom.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
        shown = np.subtract(255, shown, dtype=np.uint8)
    return shown


def _scaled(values: NDArray[np.float64], low: float, high: float) -> NDArray[np.uint8]:
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    return np.clip((values - low) * (255.0 / (high - low)), 0, 255).round().astype(np.uint8)


def png(picture: NDArray[np.uint8]) -> bytes:
    """An 8-bit grayscale or RGB picture as PNG bytes."""
    import imagecodecs

    return bytes(imagecodecs.png_encode(np.ascontiguousarray(picture)))
