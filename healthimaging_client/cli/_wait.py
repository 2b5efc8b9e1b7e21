"""``healthimaging wait``: until an image set is no longer locked by an update or copy."""

from __future__ import annotations

import click

from .. import models as m
from ._help import Command
from ._options import global_options, settings, wait_limit_options
from ._output import Field, echo_fields, echo_json
from ._session import connect
from ._writes import settle, version_fields


def _fields(properties: m.ImageSetProperties) -> list[Field]:
    return [
        ("image set", properties.image_set_id, False),
        *version_fields(properties),
        ("updated", properties.updated_at, False),
        ("message", properties.message, False),
    ]


@click.command(cls=Command)
@click.argument("image_set_id")
@click.option("--version", "version_id", metavar="N", help="The version to wait for (default: the latest).")
@wait_limit_options
@global_options
def wait(image_set_id: str, version_id: str | None, timeout: float | None, poll_interval: float | None) -> None:
    """Wait until an update or copy has finished.

    Exits 0 when the write succeeded, 9 when it failed (UPDATE_FAILED,
    COPY_FAILED), 10 when the timeout passed first.
    """
    options = settings()
    with connect(options) as conn:
        properties = settle(conn, image_set_id, version_id=version_id, timeout=timeout, poll_interval=poll_interval)
    if options.output == "json":
        echo_json(properties)
    else:
        echo_fields(_fields(properties), output=options.output, show_phi=options.show_phi)
