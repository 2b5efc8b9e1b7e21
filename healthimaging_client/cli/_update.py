"""``healthimaging update`` and ``healthimaging revert``: new versions of an image set's metadata."""

from __future__ import annotations

import json
from typing import IO, Any

import click

from .. import models as m
from ..builders import DICOMUpdatesBuilder
from ._help import Command
from ._options import Settings, global_options, parsed, settings, write_options
from ._output import Field
from ._session import Connection, connect
from ._updates import (
    RemoveAttribute,
    RemoveLevel,
    SetAttribute,
    apply,
    needs_current_metadata,
    parse_remove,
    parse_set,
    summary,
    updates_from_file,
)
from ._writes import Documents, echo_result, latest_version_id, perform, settle

UPDATE_EXAMPLES = """\b
Levels: Patient, Study, Series[SERIES_UID], Series[SERIES_UID].Instances[SOP_INSTANCE_UID]
Examples:
  healthimaging update ID --set Patient.PatientName=DOE^JANE --dry-run
  healthimaging update ID --set 'Series[1.2.3].SeriesNumber:=4' --wait
  healthimaging update ID --set 'Series[1.2.3].Instances[1.2.3.4].001910F9:DS=97' --force
  healthimaging update ID --remove Study.StudyDescription
  healthimaging update ID --remove 'Series[1.2.3]' --yes
  healthimaging update ID --file updates.json
"""

LATEST_VERSION_HELP = (
    "The version the write builds on (default: the latest, looked up first); "
    "if another version comes first, the write fails with exit code 5."
)


def _documents(updates: m.DICOMUpdates) -> dict[str, dict[str, Any] | None]:
    """The two documents exactly as the SDK will send them (before base64)."""
    return {
        "updatable_attributes": None
        if updates.updatable_attributes is None
        else json.loads(updates.updatable_attributes),
        "removable_attributes": None
        if updates.removable_attributes is None
        else json.loads(updates.removable_attributes),
    }


def _fields(result: m.UpdateImageSetMetadataOutput) -> list[Field]:
    return [
        ("image set", result.image_set_id, False),
        ("new version", result.latest_version_id, False),
        ("state", result.image_set_state, False),
        ("workflow status", result.image_set_workflow_status, False),
    ]


def _new_version(
    conn: Connection,
    arguments: dict[str, Any],
    documents: Documents,
    payload: dict[str, Any],
    *,
    question: str,
    flags: tuple[bool, bool, bool],
    options: Settings,
) -> None:
    """An update or a revert: dry run, or confirm, send, wait if asked, and print the new version."""
    dry_run, yes, wait = flags
    result = perform(
        "UpdateImageSetMetadata",
        arguments,
        documents,
        send=lambda: conn.client.update_image_set_metadata(**arguments, **payload),
        question=question,
        dry_run=dry_run,
        yes=yes,
        options=options,
    )
    if result is None:
        return
    settled = settle(conn, result.image_set_id, version_id=result.latest_version_id) if wait else None
    echo_result(result, settled, _fields(result), options)


@click.command(cls=Command, epilog=UPDATE_EXAMPLES)
@click.argument("image_set_id")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="LEVEL.TAG=TEXT",
    callback=parsed(parse_set),
    help="Set an attribute (repeatable). LEVEL.TAG:=JSON sets a JSON value; LEVEL.TAG:VR=TEXT a private tag's VR.",
)
@click.option(
    "--remove",
    "removals",
    multiple=True,
    metavar="LEVEL[.TAG]",
    callback=parsed(parse_remove),
    help="Remove an attribute (its current value is looked up), or a whole Series[UID] or instance (repeatable).",
)
@click.option(
    "--file",
    "updates_file",
    type=click.File("rb"),
    metavar="FILE",
    help="Take the updates from a JSON file ('-': stdin) with updatableAttributes and/or removableAttributes, "
    "as objects or as the AWS CLI's base64.",
)
@click.option("--latest-version", metavar="N", help=LATEST_VERSION_HELP)
@click.option(
    "--force",
    is_flag=True,
    help="Needed to change UIDs or StudyID, an instance's private tags, or to remove series or instances.",
)
@click.option(
    "--include-study-image-sets", is_flag=True, help="Apply study-level changes to every image set of the study."
)
@write_options
@global_options
def update(
    image_set_id: str,
    sets: tuple[SetAttribute, ...],
    removals: tuple[RemoveAttribute | RemoveLevel, ...],
    updates_file: IO[bytes] | None,
    latest_version: str | None,
    force: bool,
    include_study_image_sets: bool,
    yes: bool,
    dry_run: bool,
    wait: bool,
) -> None:
    """Set and remove attributes, making a new version.

    The image set stays LOCKED while the service applies the update; --wait
    waits for it. --dry-run prints the exact JSON documents the update would
    send (values masked in table and text output unless --show-phi).
    """
    changes = [*sets, *removals]
    if updates_file is not None and changes:
        raise click.UsageError("give the updates with --set/--remove or in --file, not both")
    if updates_file is None and not changes:
        raise click.UsageError("nothing to update: give --set, --remove or --file")
    from_file = None
    if updates_file is not None:
        try:
            from_file = updates_from_file(updates_file.read())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--file") from None
    options = settings()
    with connect(options) as conn:
        version = latest_version or latest_version_id(conn, image_set_id)
        if from_file is None:
            current = None
            if needs_current_metadata(changes):
                current = conn.client.get_image_set_metadata(conn.datastore_id, image_set_id, version_id=version)
            updates = apply(DICOMUpdatesBuilder(current), changes).build()
        else:
            updates = from_file
        arguments: dict[str, Any] = {
            "datastore_id": conn.datastore_id,
            "image_set_id": image_set_id,
            "latest_version_id": version,
            "force": force,
            "include_study_image_sets": include_study_image_sets,
        }
        what = summary(changes) if changes else "the updates in the file"
        _new_version(
            conn,
            arguments,
            _documents(updates),
            {"updates": updates},
            question=f"Update image set {image_set_id} (version {version}): {what}?",
            flags=(dry_run, yes, wait),
            options=options,
        )


@click.command(cls=Command)
@click.argument("image_set_id")
@click.option("--to-version", required=True, metavar="N", help="The earlier version whose metadata becomes the latest.")
@click.option("--latest-version", metavar="N", help=LATEST_VERSION_HELP)
@write_options
@global_options
def revert(
    image_set_id: str, to_version: str, latest_version: str | None, yes: bool, dry_run: bool, wait: bool
) -> None:
    """Make an earlier version's metadata the latest again.

    The revert is a new version, so it can itself be reverted.
    """
    options = settings()
    with connect(options) as conn:
        version = latest_version or latest_version_id(conn, image_set_id)
        arguments: dict[str, Any] = {
            "datastore_id": conn.datastore_id,
            "image_set_id": image_set_id,
            "latest_version_id": version,
            "revert_to_version_id": to_version,
        }
        _new_version(
            conn,
            arguments,
            {},
            {},
            question=f"Revert image set {image_set_id} from version {version} to version {to_version}?",
            flags=(dry_run, yes, wait),
            options=options,
        )
