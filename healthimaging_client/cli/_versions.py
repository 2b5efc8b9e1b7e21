"""``healthimaging versions``: an image set's versions, newest first."""

from __future__ import annotations

import click

from .. import models as m
from ._help import Command
from ._listing import collect, echo_listing
from ._options import global_options, pagination_options, settings
from ._output import Column
from ._session import connect

Properties = m.ImageSetProperties

COLUMNS: tuple[Column[Properties], ...] = (
    Column("VERSION", lambda p: p.version_id),
    Column("STATE", lambda p: p.image_set_state),
    Column("WORKFLOW STATUS", lambda p: p.image_set_workflow_status),
    Column("CREATED", lambda p: p.created_at),
    Column("UPDATED", lambda p: p.updated_at),
    Column("PRIMARY", lambda p: p.is_primary),
    Column("FORCED", lambda p: p.overrides.forced if p.overrides else None),
    Column("MESSAGE", lambda p: p.message),
)


@click.command(cls=Command)
@click.argument("image_set_id")
@pagination_options
@global_options
def versions(
    image_set_id: str, max_items: int | None, page_size: int | None, starting_token: str | None, no_paginate: bool
) -> None:
    """List an image set's versions, newest first.

    Each with its state (ACTIVE, LOCKED, DELETED) and workflow status.
    """
    options = settings()
    with connect(options) as conn:
        pages = conn.client.iter_image_set_version_pages(
            conn.datastore_id, image_set_id, page_size=page_size, max_items=max_items, starting_token=starting_token
        )
        found, next_token = collect(
            pages, label="listing versions", unit="versions", max_items=max_items, no_paginate=no_paginate
        )
    echo_listing("versions", found, next_token, COLUMNS, options)
