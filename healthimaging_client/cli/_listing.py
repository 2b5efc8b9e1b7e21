"""Paginated results, collected with progress and printed in any output format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import click

from .. import Page
from ._options import Settings
from ._output import Column, echo_json, echo_rows
from ._progress import Progress

Item = TypeVar("Item")


def collect(
    pages: Iterable[Page[Item, Any]], *, label: str, unit: str, max_items: int | None, no_paginate: bool
) -> tuple[list[Item], str | None]:
    """Every item of the pages (only the first page's with ``no_paginate``), and the token to resume after them."""
    items: list[Item] = []
    next_token = None
    with Progress(label, unit=unit, total=max_items) as progress:
        for page in pages:
            items.extend(page.items)
            next_token = page.next_token
            progress.advance(len(page.items))
            if no_paginate:
                break
    return items, next_token


def echo_listing(
    key: str, items: Sequence[Item], next_token: str | None, columns: Sequence[Column[Item]], options: Settings
) -> None:
    """``{key: [...], "next_token": ...}`` as json; rows otherwise, with the resume token on stderr."""
    if options.output == "json":
        echo_json({key: items, "next_token": next_token})
        return
    echo_rows(columns, items, output=options.output, show_phi=options.show_phi)
    if not items:
        click.echo(f"no {key.replace('_', ' ')} found", err=True)
    if next_token is not None:
        click.echo(f"more results: add --starting-token {next_token}", err=True)
