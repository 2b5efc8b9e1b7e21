"""Field helpers every model module uses: how patient data is kept out of ``repr``."""

from __future__ import annotations

from typing import Any

import attrs

MASK = "'***'"


def masked(value: object) -> str:
    """The ``repr`` of a sensitive value: ``'***'``, or ``None`` when unset."""
    return "None" if value is None else MASK


def sensitive(default: Any = None) -> Any:
    """A field holding patient data: hidden from ``repr``."""
    return attrs.field(default=default, repr=masked)
