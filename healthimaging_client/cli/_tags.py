"""``healthimaging tags``: list, add and remove the tags of a datastore or an image set.

The service names a resource by its ARN. Without ``--arn`` the resource is
the datastore the global options name, or with ``--image-set`` one of its
image sets; its ARN is looked up (GetDatastore) so nobody has to spell it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ._datastores import parse_tag
from ._exit import ExitCode
from ._help import Group
from ._options import F, confirm_options, global_options, parsed, settings
from ._output import Column, Field, echo_fields, echo_json, echo_rows
from ._session import Account, fail, open_account
from ._writes import perform

COLUMNS: tuple[Column[tuple[str, str]], ...] = (Column("KEY", lambda t: t[0]), Column("VALUE", lambda t: t[1]))


def _resource_options(function: F) -> F:
    function = click.option("--image-set", "image_set_id", metavar="ID", help="An image set of the datastore.")(
        function
    )
    return click.option("--arn", metavar="ARN", help="The resource's ARN (default: the datastore of --datastore-id).")(
        function
    )


def _resource_arn(account: Account, arn: str | None, image_set_id: str | None) -> str:
    """The ARN given, or the datastore's (or one of its image sets'), looked up."""
    if arn is not None:
        if image_set_id is not None:
            raise click.UsageError("name the resource with --arn or with --image-set, not both")
        return arn
    datastore = account.client.get_datastore(account.datastore()).datastore_properties
    if not datastore.datastore_arn:
        fail(ExitCode.ERROR, "the service did not say the datastore's ARN: give it with --arn")
    return datastore.datastore_arn + (f"/imageset/{image_set_id}" if image_set_id else "")


def _tag_write(
    operation: str,
    arn: str | None,
    image_set_id: str | None,
    arguments: Callable[[str], dict[str, Any]],
    send: Callable[[Account, dict[str, Any]], None],
    question: Callable[[str], str],
    flags: tuple[bool, bool],
) -> None:
    """Add or remove tags: find the ARN, then dry run, or confirm, send, and say what was done."""
    yes, dry_run = flags
    options = settings()
    with open_account(options) as account:
        resource_arn = _resource_arn(account, arn, image_set_id)
        call = arguments(resource_arn)

        def send_call() -> dict[str, Any]:
            send(account, call)
            return call

        sent = perform(
            operation,
            call,
            {},
            send=send_call,
            question=question(resource_arn),
            dry_run=dry_run,
            yes=yes,
            options=options,
            check_with=f"healthimaging tags list --arn {resource_arn}",
        )
    if sent is None:
        return
    if options.output == "json":
        echo_json(call)
    else:
        fields: list[Field] = [(name.replace("_", " "), value, False) for name, value in call.items()]
        echo_fields(fields, output=options.output, show_phi=options.show_phi)


@click.group(cls=Group)
@global_options
def tags() -> None:
    """List, add and remove the tags of a datastore or image set."""


@tags.command("list")
@_resource_options
@global_options
def list_tags(arn: str | None, image_set_id: str | None) -> None:
    """List a datastore's or image set's tags."""
    options = settings()
    with open_account(options) as account:
        resource_arn = _resource_arn(account, arn, image_set_id)
        found = dict(account.client.list_tags_for_resource(resource_arn).tags)
    if options.output == "json":
        echo_json({"resource_arn": resource_arn, "tags": found})
        return
    echo_rows(COLUMNS, sorted(found.items()), output=options.output, show_phi=options.show_phi)
    if not found:
        click.echo("no tags", err=True)


@tags.command("add")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...", callback=parsed(parse_tag))
@_resource_options
@confirm_options
@global_options
def add_tags(
    pairs: tuple[tuple[str, str], ...], arn: str | None, image_set_id: str | None, yes: bool, dry_run: bool
) -> None:
    """Add tags, or change the values of keys the resource has."""
    _tag_write(
        "TagResource",
        arn,
        image_set_id,
        lambda resource_arn: {"resource_arn": resource_arn, "tags": dict(pairs)},
        lambda account, call: account.client.tag_resource(**call),
        lambda resource_arn: f"Tag {resource_arn} with {', '.join(key for key, _ in pairs)}?",
        (yes, dry_run),
    )


@tags.command("remove")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@_resource_options
@confirm_options
@global_options
def remove_tags(keys: tuple[str, ...], arn: str | None, image_set_id: str | None, yes: bool, dry_run: bool) -> None:
    """Remove the tags with these keys (keys the resource does not have are ignored)."""
    _tag_write(
        "UntagResource",
        arn,
        image_set_id,
        lambda resource_arn: {"resource_arn": resource_arn, "tag_keys": list(keys)},
        lambda account, call: account.client.untag_resource(**call),
        lambda resource_arn: f"Remove the tags {', '.join(keys)} from {resource_arn}?",
        (yes, dry_run),
    )
