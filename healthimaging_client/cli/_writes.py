"""What the write commands share: the version to write on, the dry run, the prompt's answer, the wait."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Generator, Mapping
from typing import Any, TypeVar

import click

from .. import models as m
from ._exit import ExitCode
from ._options import Settings, wait_limits
from ._output import PHI_HINT, Field, echo_fields, echo_json, jsonable, masked_document
from ._progress import Progress
from ._session import Connection, confirm, fail

R = TypeVar("R")
Documents = Mapping[str, Mapping[str, Any] | None]


def latest_version_id(conn: Connection, image_set_id: str) -> str:
    """The image set's newest version, which a write names to be sure nothing changed meanwhile."""
    for version in conn.client.iter_image_set_versions(conn.datastore_id, image_set_id, page_size=1, max_items=1):
        return version.version_id
    fail(ExitCode.NOT_FOUND, f"image set {image_set_id} has no versions")


def echo_plan(operation: str, arguments: Mapping[str, Any], documents: Documents, options: Settings) -> None:
    """``--dry-run``: the call's arguments and its JSON documents exactly as they would be sent."""
    if options.output == "json":
        echo_json({"dry_run": True, "operation": operation, **arguments, **documents})
        return
    click.echo(f"dry run: nothing sent. {operation} would be called with:")
    echo_fields([(name, value, False) for name, value in arguments.items()], output=options.output, show_phi=True)
    for name, document in documents.items():
        if document is not None:
            shown = document if options.show_phi else masked_document(document)
            click.echo(f"{name}:\n{json.dumps(shown, indent=2, ensure_ascii=False)}")
    if not options.show_phi and any(documents.values()):
        click.echo(PHI_HINT, err=True)


@contextlib.contextmanager
def _in_flight(operation: str, check_with: str) -> Generator[None]:
    """Around a write's request: Ctrl-C then may come after the service got it, so say how to check."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo(f"\n{operation} may already have reached the service: check with `{check_with}`", err=True)
        raise


def perform(
    operation: str,
    arguments: Mapping[str, Any],
    documents: Documents,
    *,
    send: Callable[[], R],
    question: str | Callable[[], str],
    dry_run: bool,
    yes: bool,
    options: Settings,
    check_with: str | None = None,
    irreversible: bool = False,
) -> R | None:
    """A write: printed with ``--dry-run`` (then None), else confirmed on a terminal and sent.

    ``arguments`` are the SDK call's keyword arguments and ``documents`` its
    JSON payload, so the dry run shows exactly what ``send`` sends.
    ``check_with`` is the command that shows whether an interrupted write
    arrived (by default, the image set's versions). An ``irreversible`` write
    is never sent without a yes: off a terminal, it needs ``--yes``.
    """
    if dry_run:
        echo_plan(operation, arguments, documents, options)
        return None
    confirm(question, yes=yes, required=irreversible)
    image_set_id = arguments.get("image_set_id") or arguments.get("source_image_set_id")
    with _in_flight(operation, check_with or f"healthimaging versions {image_set_id}"):
        return send()


def settle(
    conn: Connection,
    image_set_id: str,
    *,
    version_id: str | None = None,
    timeout: float | None = None,
    poll_interval: float | None = None,
) -> m.ImageSetProperties:
    """Wait, with a spinner, until the image set's version is no longer locked; its final properties."""
    limits = wait_limits(timeout, poll_interval)
    with Progress(f"waiting for image set {image_set_id}"):
        return conn.client.wait_for_image_set(conn.datastore_id, image_set_id, version_id=version_id, **limits)


def version_fields(properties: m.ImageSetProperties, prefix: str = "") -> list[Field]:
    """A version's number, state and workflow status, as fields to print."""
    return [
        (f"{prefix}version", properties.version_id, False),
        (f"{prefix}state", properties.image_set_state, False),
        (f"{prefix}workflow status", properties.image_set_workflow_status, False),
    ]


def echo_result(result: object, settled: m.ImageSetProperties | None, fields: list[Field], options: Settings) -> None:
    """The write's output (and, with ``--wait``, the settled version) as json, or as fields."""
    if options.output == "json":
        echo_json({**jsonable(result), "settled": settled})
        return
    settled_fields = [] if settled is None else version_fields(settled, "settled ")
    echo_fields(fields + settled_fields, output=options.output, show_phi=options.show_phi)
