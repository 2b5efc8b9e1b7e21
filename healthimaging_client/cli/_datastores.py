"""``healthimaging datastores``: list, show, create and delete datastores."""

from __future__ import annotations

from typing import Any

import click

from .. import models as m
from ._help import Command, Group
from ._listing import collect, echo_listing
from ._options import (
    Settings,
    confirm_options,
    global_options,
    pagination_options,
    parsed,
    settings,
    wait_limit_options,
    wait_limits,
    wait_option,
)
from ._output import Column, Field, echo_fields, echo_json, jsonable
from ._progress import Progress
from ._session import Account, open_account
from ._writes import perform

STATUSES = click.Choice([status.value for status in m.DatastoreStatus], case_sensitive=False)
STORAGE_FORMATS = click.Choice([f.value for f in m.LosslessStorageFormat], case_sensitive=False)

COLUMNS: tuple[Column[m.DatastoreSummary], ...] = (
    Column("DATASTORE", lambda d: d.datastore_id),
    Column("NAME", lambda d: d.datastore_name),
    Column("STATUS", lambda d: d.datastore_status),
    Column("CREATED", lambda d: d.created_at),
    Column("UPDATED", lambda d: d.updated_at),
)

CREATE_EXAMPLES = """\b
Examples:
  healthimaging datastores create research --tag team=imaging-ai --wait
  healthimaging datastores create archive --lossless-storage-format JPEG_2000_LOSSLESS --dry-run -o json
"""


def parse_tag(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` (the value may be empty, and may hold ``=``)."""
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _fields(properties: m.DatastoreProperties) -> list[Field]:
    return [
        ("datastore", properties.datastore_id, False),
        ("name", properties.datastore_name, False),
        ("status", properties.datastore_status, False),
        ("arn", properties.datastore_arn, False),
        ("lossless storage format", properties.lossless_storage_format, False),
        ("kms key", properties.kms_key_arn, False),
        ("lambda authorizer", properties.lambda_authorizer_arn, False),
        ("created", properties.created_at, False),
        ("updated", properties.updated_at, False),
    ]


def _settle(
    account: Account, datastore_id: str, status: m.DatastoreStatus, limits: dict[str, float]
) -> m.DatastoreProperties:
    """Wait, with a spinner, until the datastore has ``status``; its properties then."""
    with Progress(f"waiting for datastore {datastore_id} to be {status.value}"):
        return account.client.wait_for_datastore(datastore_id, status=status, **limits)


def _echo_change(
    result: m.CreateDatastoreOutput | m.DeleteDatastoreOutput,
    settled: m.DatastoreProperties | None,
    options: Settings,
) -> None:
    """A create's or delete's answer; with ``--wait``, the datastore as it ended."""
    if options.output == "json":
        echo_json({**jsonable(result), "settled": settled})
        return
    fields = [("datastore", result.datastore_id, False), ("status", result.datastore_status, False)]
    echo_fields(fields if settled is None else _fields(settled), output=options.output, show_phi=options.show_phi)


@click.group(cls=Group)
@global_options
def datastores() -> None:
    """List, show, create and delete datastores."""


@datastores.command("list")
@click.option("--status", type=STATUSES, help="Only datastores with this status.")
@pagination_options
@global_options
def list_datastores(
    status: str | None, max_items: int | None, page_size: int | None, starting_token: str | None, no_paginate: bool
) -> None:
    """List the account's datastores in the region.

    Deleted datastores stay listed, with the status DELETED; --status ACTIVE
    leaves them out.
    """
    options = settings()
    with open_account(options) as account:
        pages = account.client.iter_datastore_pages(
            datastore_status=status, page_size=page_size, max_items=max_items, starting_token=starting_token
        )
        found, next_token = collect(
            pages, label="listing datastores", unit="datastores", max_items=max_items, no_paginate=no_paginate
        )
    echo_listing("datastores", found, next_token, COLUMNS, options)


@datastores.command("get")
@click.argument("datastore", metavar="[DATASTORE_ID]", required=False)
@global_options
def get_datastore(datastore: str | None) -> None:
    """Show a datastore: its status, ARN, storage format and keys.

    DATASTORE_ID defaults to --datastore-id (or HEALTHIMAGING_DATASTORE_ID).
    """
    options = settings()
    with open_account(options) as account:
        properties = account.client.get_datastore(datastore or account.datastore()).datastore_properties
    if options.output == "json":
        echo_json(properties)
    else:
        echo_fields(_fields(properties), output=options.output, show_phi=options.show_phi)


@datastores.command("create", cls=Command, epilog=CREATE_EXAMPLES)
@click.argument("name")
@click.option(
    "--tag", "tags", multiple=True, metavar="KEY=VALUE", callback=parsed(parse_tag), help="Tag it (repeatable)."
)
@click.option(
    "--lossless-storage-format",
    type=STORAGE_FORMATS,
    help="How lossless frames are stored (default HTJ2K); chosen once, at creation.",
)
@click.option("--kms-key-arn", metavar="ARN", help="Encrypt with this customer managed KMS key (default: AWS owned).")
@click.option("--lambda-authorizer-arn", metavar="ARN", help="A Lambda function that authorizes DICOMweb requests.")
@click.option(
    "--client-token",
    metavar="TOKEN",
    help="Make a repeated create (a re-run script) return the same datastore (default: one per run).",
)
@confirm_options
@wait_option("the datastore is ACTIVE (exit code 9 if its creation failed)")
@wait_limit_options
@global_options
def create_datastore(
    name: str,
    tags: tuple[tuple[str, str], ...],
    lossless_storage_format: str | None,
    kms_key_arn: str | None,
    lambda_authorizer_arn: str | None,
    client_token: str | None,
    yes: bool,
    dry_run: bool,
    wait: bool,
    timeout: float | None,
    poll_interval: float | None,
) -> None:
    """Create a datastore named NAME.

    It is CREATING for a few minutes, then ACTIVE; --wait waits for that.
    Retries of the request never make a second datastore.
    """
    options = settings()
    arguments: dict[str, Any] = {
        "datastore_name": name,
        "tags": dict(tags) or None,
        "lossless_storage_format": lossless_storage_format,
        "kms_key_arn": kms_key_arn,
        "lambda_authorizer_arn": lambda_authorizer_arn,
        "client_token": client_token,
    }
    with open_account(options) as account:
        result = perform(
            "CreateDatastore",
            arguments,
            {},
            send=lambda: account.client.create_datastore(**arguments),
            question=f"Create datastore {name!r}?",
            dry_run=dry_run,
            yes=yes,
            options=options,
            check_with="healthimaging datastores list",
        )
        if result is None:
            return
        limits = wait_limits(timeout, poll_interval)
        settled = _settle(account, result.datastore_id, m.DatastoreStatus.ACTIVE, limits) if wait else None
    _echo_change(result, settled, options)


@datastores.command("delete")
@click.argument("datastore", metavar="DATASTORE_ID")
@confirm_options
@wait_option("the datastore is DELETED")
@wait_limit_options
@global_options
def delete_datastore(
    datastore: str, yes: bool, dry_run: bool, wait: bool, timeout: float | None, poll_interval: float | None
) -> None:
    """Delete a datastore that holds no image sets.

    This cannot be undone: on a terminal it asks first, and elsewhere it
    needs --yes. A datastore that still holds image sets is not deleted
    (exit code 5).
    """
    options = settings()
    with open_account(options) as account:

        def question() -> str:
            name = account.client.get_datastore(datastore).datastore_properties.datastore_name
            return f"Delete datastore {name!r} ({datastore})? This cannot be undone."

        result = perform(
            "DeleteDatastore",
            {"datastore_id": datastore},
            {},
            send=lambda: account.client.delete_datastore(datastore),
            question=question,
            dry_run=dry_run,
            yes=yes,
            options=options,
            check_with=f"healthimaging datastores get {datastore}",
            irreversible=True,
        )
        if result is None:
            return
        limits = wait_limits(timeout, poll_interval)
        settled = _settle(account, datastore, m.DatastoreStatus.DELETED, limits) if wait else None
    _echo_change(result, settled, options)
