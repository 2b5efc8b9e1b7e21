"""Lower resolutions of a reversible JPEG 2000 frame, derived from the full one.

The decoders here cannot stop a Part 1 (non-HT) JPEG 2000 decode at a lower
resolution. For the reversible 5/3 wavelet that does not matter: the image a
decoder returns ``k`` resolutions down is the low-pass band after ``k`` forward
transform steps, computed exactly in integers (ISO/IEC 15444-1 Annex F, whole
sample symmetric extension, image and tile origin at 0), with the reversible
colour transform undone at that level when the codestream used it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

_Int = NDArray[np.int64]


def reduced(image: NDArray[Any], levels: int, *, colour_transform: bool) -> NDArray[Any]:
    """``image`` (rows x columns [x samples]) ``levels`` resolutions down.

    A value the filter pushes out of the sample type's range wraps, as OpenJPH's
    reduced-resolution output does (checked sample for sample in the tests).
    """
    planes = image.astype(np.int64)
    if planes.ndim == 2:
        planes = planes[:, :, np.newaxis]
    if colour_transform:
        planes = _forward_rct(planes)
    for _ in range(levels):
        planes = _lowpass(_lowpass(planes, 0), 1)
    if colour_transform:
        planes = _inverse_rct(planes)
    result = planes.astype(image.dtype)
    return result[:, :, 0] if image.ndim == 2 else result


def _lowpass(x: _Int, axis: int) -> _Int:
    """The low-pass half of one 5/3 lifting step along ``axis`` (the signal starts at an even index)."""
    x = np.moveaxis(x, axis, 0)
    if x.shape[0] == 1:
        return np.moveaxis(x, 0, axis)
    even, odd = x[0::2], x[1::2]
    # Symmetric extension: the sample after the last is the one before it.
    right = even[1:] if len(even) > len(odd) else np.concatenate([even[1:], even[-1:]])
    detail = odd - ((even[: len(odd)] + right) >> 1)
    if len(even) > len(detail):
        before, after = np.concatenate([detail[:1], detail]), np.concatenate([detail, detail[-1:]])
    else:
        before, after = np.concatenate([detail[:1], detail[:-1]]), detail
    return np.moveaxis(even + ((before + after + 2) >> 2), 0, axis)


def _forward_rct(planes: _Int) -> _Int:
    r, g, b = planes[..., 0], planes[..., 1], planes[..., 2]
    return np.stack([(r + 2 * g + b) >> 2, b - g, r - g, *np.moveaxis(planes[..., 3:], -1, 0)], axis=-1)


def _inverse_rct(planes: _Int) -> _Int:
    y, cb, cr = planes[..., 0], planes[..., 1], planes[..., 2]
    g = y - ((cb + cr) >> 2)
    return np.stack([cr + g, g, cb + g, *np.moveaxis(planes[..., 3:], -1, 0)], axis=-1)
