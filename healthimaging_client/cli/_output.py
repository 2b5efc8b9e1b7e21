"""The three output formats: ``json`` for programs, ``table`` for people, ``text`` for ``cut`` and ``awk``.

``json`` is the data itself: the SDK's models with their field names
(snake_case), timestamps in ISO 8601 with their UTC offset, enums as their
strings. ``table`` and ``text`` print chosen columns, and a column holding
patient data prints ``***`` unless ``--show-phi`` is given.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

import attrs
import click

Row = TypeVar("Row")

MASK = "***"
PHI_HINT = "patient values show as ***; add --show-phi to see them"


def jsonable(value: object) -> Any:
    """A model (or a structure of them) as plain JSON values."""
    if attrs.has(type(value)):
        fields = attrs.fields(cast(type[attrs.AttrsInstance], type(value)))
        return {a.name: jsonable(getattr(value, a.name)) for a in fields}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in cast(Mapping[object, object], value).items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in cast(Sequence[object], value)]
    return value


def echo_json(data: object) -> None:
    click.echo(json.dumps(jsonable(data), indent=2, ensure_ascii=False))


def shown_time(value: datetime | None) -> str:
    """A timestamp for a table: UTC, to the second."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return shown_time(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in cast(Mapping[object, object], value).items())
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in cast(Sequence[object], value))
    return str(value)


#: One named value of a record, and whether it is patient data.
Field = tuple[str, object, bool]


@attrs.frozen
class Column(Generic[Row]):
    """A column: its header, how to read a row's cell, and whether the cell holds patient data."""

    header: str
    cell: Callable[[Row], object]
    phi: bool = False


def _cells(columns: Sequence[Column[Row]], row: Row, show_phi: bool) -> list[str]:
    return [MASK if column.phi and not show_phi else shown(column.cell(row)) for column in columns]


def echo_rows(columns: Sequence[Column[Row]], rows: Sequence[Row], *, output: str, show_phi: bool) -> None:
    """Rows as an aligned table with headers, or as tab-separated text without them."""
    cells = [_cells(columns, row, show_phi) for row in rows]
    if output == "text":
        for line in cells:
            click.echo("\t".join(value.replace("\t", " ").replace("\n", " ") for value in line))
        return
    headers = [column.header for column in columns]
    widths = [max(len(value) for value in values) for values in zip(headers, *cells, strict=False)]
    for line in [headers, ["-" * width for width in widths], *cells]:
        click.echo("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip())
    if not show_phi and any(column.phi for column in columns) and rows:
        click.echo(PHI_HINT, err=True)


def echo_fields(fields: Sequence[Field], *, output: str, show_phi: bool) -> None:
    """One record as ``name  value`` lines (table) or ``name<TAB>value`` lines (text)."""
    width = max(len(name) for name, _, _ in fields)
    for name, value, phi in fields:
        text = MASK if phi and not show_phi and value is not None else shown(value)
        click.echo(f"{name}\t{text}" if output == "text" else f"{name.ljust(width)}  {text}".rstrip())


def masked_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """An update or copy document with its patient values masked: DICOM values and the UIDs of series and instances.

    What stays readable is the shape: levels, tag names, VRs and the schema version.
    """

    def mask(value: object, key: str | None) -> Any:
        if isinstance(value, Mapping):
            items = cast(Mapping[str, object], value).items()
            if key in ("Series", "Instances"):
                noun = "series" if key == "Series" else "instance"
                return {f"<{noun} {n}>": mask(v, None) for n, (_, v) in enumerate(items, start=1)}
            return {k: v if k in ("SchemaVersion", "DICOMVRs") else mask(v, k) for k, v in items}
        if isinstance(value, list):
            return [mask(v, None) for v in cast(list[object], value)]
        return MASK

    return cast(dict[str, Any], mask(document, None))
