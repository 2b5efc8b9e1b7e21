"""The options every command shares, gathered into one :class:`Settings`.

Global options are accepted before the command and after it
(``healthimaging --local search`` and ``healthimaging search --local``), as the
AWS CLI accepts them. Each is stored by a callback into the invocation's
``Settings``; a value given explicitly (or through its environment variable)
wins over a default, so the later position never resets the earlier one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import attrs
import click
from click.core import ParameterSource

from ._help import GLOBAL, OUTPUT, Option

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

PAGINATION = "Pagination options"
WRITE = "Write options"

OUTPUT_FORMATS = ("json", "table", "text")


@attrs.define
class Settings:
    """What the global options say, for one invocation."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    datastore_id: str | None = None
    local: bool = False
    max_attempts: int | None = None
    output: str = "table"
    show_phi: bool = False
    debug: bool = False
    log_bodies: bool = False


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    settings = ctx.ensure_object(Settings)
    if param.name and ctx.get_parameter_source(param.name) not in (None, ParameterSource.DEFAULT):
        setattr(settings, param.name, value)


def _option(section: str, *decls: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option(*decls, cls=Option, section=section, **kwargs)


def _global(*decls: str, section: str = GLOBAL, **kwargs: Any) -> Callable[[F], F]:
    return _option(section, *decls, expose_value=False, callback=_store, **kwargs)


def _apply(function: F, options: Sequence[Callable[[F], F]]) -> F:
    for option in reversed(options):
        function = option(function)
    return function


_GLOBAL_OPTIONS = (
    _global("--profile", metavar="NAME", help="The AWS profile to use (default: the standard credential chain)."),
    _global("--region", metavar="REGION", help="The AWS region (default: from the environment or the profile)."),
    _global("--endpoint-url", metavar="URL", help="Send requests to this endpoint instead of AWS's."),
    _global(
        "--datastore-id",
        metavar="ID",
        envvar="HEALTHIMAGING_DATASTORE_ID",
        help="The datastore [env: HEALTHIMAGING_DATASTORE_ID].",
    ),
    _global(
        "--local",
        is_flag=True,
        help="Run against a built-in emulator seeded with 20 synthetic image sets, and DICOM files to import "
        "under s3://local-dicom-input/incoming/ (no account needed; nothing is kept between commands).",
    ),
    _global(
        "--max-attempts",
        metavar="N",
        type=click.IntRange(min=1),
        envvar="AWS_MAX_ATTEMPTS",
        help="Attempts per request, retries included (default 3) [env: AWS_MAX_ATTEMPTS].",
    ),
    _global("--debug", is_flag=True, help="Log each request (never patient data) and show tracebacks."),
    _global(
        "--log-bodies",
        is_flag=True,
        help="Also log request and response bodies. They hold patient data: never with real patients.",
    ),
    _global(
        "--output",
        "-o",
        section=OUTPUT,
        type=click.Choice(OUTPUT_FORMATS),
        envvar="HEALTHIMAGING_OUTPUT",
        help="json for programs, table for people, text (tab-separated) for shell tools; "
        "default table [env: HEALTHIMAGING_OUTPUT].",
    ),
    _global("--show-phi", section=OUTPUT, is_flag=True, help="Show patient values in table and text output."),
)

_PAGINATION_OPTIONS = (
    _option(
        PAGINATION,
        "--max-items",
        type=click.IntRange(min=1),
        metavar="N",
        help="Stop after N items; the output's next_token resumes after them.",
    ),
    _option(
        PAGINATION,
        "--page-size",
        type=click.IntRange(min=1),
        metavar="N",
        help="Items per request (the service's maxResults).",
    ),
    _option(
        PAGINATION,
        "--starting-token",
        metavar="TOKEN",
        help="Resume where an earlier --max-items or --no-paginate run stopped (its next_token).",
    ),
    _option(PAGINATION, "--no-paginate", is_flag=True, help="Make one request and print that page only."),
)

_CONFIRM_OPTIONS = (
    _option(WRITE, "--yes", "-y", is_flag=True, help="Do not ask for confirmation."),
    _option(WRITE, "--dry-run", is_flag=True, help="Print the exact payload and send nothing."),
)


def wait_option(until: str) -> Callable[[F], F]:
    """``--wait``, passed to the command; ``until`` says what it waits for."""
    return _option(WRITE, "--wait", is_flag=True, help=f"Wait until {until}.")


_WRITE_OPTIONS = (*_CONFIRM_OPTIONS, wait_option("the image set is no longer locked by this write"))

_WAIT_LIMIT_OPTIONS = (
    click.option(
        "--timeout", type=click.FloatRange(min=0), metavar="SECONDS", help="Give up after this long (exit code 10)."
    ),
    click.option(
        "--poll-interval",
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help="Seconds between checks.",
    ),
)


def global_options(function: F) -> F:
    """Adds the global options to a command or group."""
    return _apply(function, _GLOBAL_OPTIONS)


def pagination_options(function: F) -> F:
    """``--max-items``, ``--page-size``, ``--starting-token`` and ``--no-paginate``, passed to the command."""
    return _apply(function, _PAGINATION_OPTIONS)


def write_options(function: F) -> F:
    """``--yes``, ``--dry-run`` and ``--wait``, passed to the command."""
    return _apply(function, _WRITE_OPTIONS)


def confirm_options(function: F) -> F:
    """``--yes`` and ``--dry-run``, passed to the command."""
    return _apply(function, _CONFIRM_OPTIONS)


def wait_limit_options(function: F) -> F:
    """``--timeout`` and ``--poll-interval``, passed to the command."""
    return _apply(function, _WAIT_LIMIT_OPTIONS)


def concurrency_option(function: F) -> F:
    """``--concurrency N``, passed to the command; None leaves the SDK's default."""
    return click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        metavar="N",
        help="Frames fetched at once (default: the SDK's, 16).",
    )(function)


def wait_limits(timeout: float | None, poll_interval: float | None) -> dict[str, float]:
    """The limits given, as the SDK waiters' keyword arguments (the SDK's defaults for the rest)."""
    given = {"timeout": timeout, "poll_interval": poll_interval}
    return {name: value for name, value in given.items() if value is not None}


def settings() -> Settings:
    """This invocation's settings."""
    return click.get_current_context().ensure_object(Settings)


def parsed(parse: Callable[[str], T]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback that reads an option's text (each text, when repeated) with a pure parser.

    The parser's ``ValueError`` becomes a usage error, exit code 2.
    """

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            if isinstance(value, tuple):
                return tuple(parse(v) for v in cast(tuple[str, ...], value))
            return None if value is None else parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return callback
