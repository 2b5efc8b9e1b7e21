"""``healthimaging copy``: an image set, or some of its series and instances, into a new or existing one."""

from __future__ import annotations

import json
from typing import Any

import click

from .. import models as m
from ..builders import CopySubsetBuilder
from ._help import Command
from ._options import global_options, settings, write_options
from ._output import Field
from ._session import connect
from ._writes import echo_result, latest_version_id, perform, settle

EXAMPLES = """\b
Examples:
  healthimaging copy SOURCE_ID --wait
  healthimaging copy SOURCE_ID --series 1.2.3 --destination DEST_ID
  healthimaging copy SOURCE_ID --instance 1.2.3 1.2.3.4 --dry-run -o json
"""


def _fields(result: m.CopyImageSetOutput) -> list[Field]:
    source, destination = result.source_image_set_properties, result.destination_image_set_properties
    return [
        ("source", source.image_set_id, False),
        ("source version", source.latest_version_id, False),
        ("destination", destination.image_set_id, False),
        ("destination version", destination.latest_version_id, False),
        ("state", destination.image_set_state, False),
        ("workflow status", destination.image_set_workflow_status, False),
    ]


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("source_image_set_id")
@click.option("--source-version", metavar="N", help="The source's latest version (default: looked up).")
@click.option("--destination", metavar="ID", help="Copy into this existing image set (default: into a new image set).")
@click.option("--destination-version", metavar="N", help="With --destination: its latest version (default: looked up).")
@click.option("--series", "series_uids", multiple=True, metavar="UID", help="Copy this whole series (repeatable).")
@click.option(
    "--instance",
    "instances",
    multiple=True,
    nargs=2,
    metavar="SERIES_UID SOP_UID",
    help="Copy this instance (repeatable).",
)
@click.option("--force", is_flag=True, help="Copy even where the source and destination metadata disagree.")
@click.option("--promote-to-primary", is_flag=True, help="Make the destination a primary image set.")
@write_options
@global_options
def copy(
    source_image_set_id: str,
    source_version: str | None,
    destination: str | None,
    destination_version: str | None,
    series_uids: tuple[str, ...],
    instances: tuple[tuple[str, str], ...],
    force: bool,
    promote_to_primary: bool,
    yes: bool,
    dry_run: bool,
    wait: bool,
) -> None:
    """Copy an image set, or some of its series and instances.

    Without --series or --instance the whole image set is copied, into a new
    image set unless --destination names one.
    """
    if destination_version and not destination:
        raise click.UsageError("--destination-version goes with --destination")
    options = settings()
    with connect(options) as conn:
        source_version = source_version or latest_version_id(conn, source_image_set_id)
        if destination:
            destination_version = destination_version or latest_version_id(conn, destination)
        subset = None
        if series_uids or instances:
            source = None
            if series_uids:
                source = conn.client.get_image_set_metadata(
                    conn.datastore_id, source_image_set_id, version_id=source_version
                )
            builder = CopySubsetBuilder(source)
            for uid in series_uids:
                builder.add_series(uid)
            for series_uid, sop_instance_uid in instances:
                builder.add_instances(series_uid, [sop_instance_uid])
            subset = builder.build()
        arguments: dict[str, Any] = {
            "datastore_id": conn.datastore_id,
            "source_image_set_id": source_image_set_id,
            "source_latest_version_id": source_version,
            "destination_image_set_id": destination,
            "destination_latest_version_id": destination_version,
            "force": force,
            "promote_to_primary": promote_to_primary,
        }
        what = f"{len(series_uids)} series and {len(instances)} instance(s)" if subset else "the whole image set"
        where = f"image set {destination} (version {destination_version})" if destination else "a new image set"
        result = perform(
            "CopyImageSet",
            arguments,
            {"copiable_attributes": None if subset is None else json.loads(subset)},
            send=lambda: conn.client.copy_image_set(**arguments, copiable_attributes=subset),
            question=f"Copy {what} of image set {source_image_set_id} (version {source_version}) into {where}?",
            dry_run=dry_run,
            yes=yes,
            options=options,
        )
        if result is None:
            return
        copied = result.destination_image_set_properties
        settled = settle(conn, copied.image_set_id, version_id=copied.latest_version_id) if wait else None
    echo_result(result, settled, _fields(result), options)
