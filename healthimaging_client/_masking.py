"""A holder for values that a traceback must not show: credentials and response bodies.

Traceback renderers that show locals (``pytest --showlocals``,
``rich.traceback`` with ``show_locals=True``) print each local's ``repr``, and
look inside containers, named tuples, dataclasses and attrs classes. A value
kept in a :class:`Masked` shows only its label, whichever frame holds it;
code that needs the value takes ``.value`` where it uses it, never into a
local of its own.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Masked(Generic[T]):
    """``value``, with a ``repr`` that names what it is (``"credentials"``, ``"1234 bytes"``) and nothing of it."""

    __slots__ = ("_label", "value")

    def __init__(self, value: T, label: str) -> None:
        self.value = value
        self._label = label

    def __repr__(self) -> str:
        return f"<masked {self._label}>"


def masked_body(content: bytes) -> Masked[bytes]:
    """A response body (patient data), shown as its size."""
    return Masked(content, f"{len(content)} bytes")
