"""One invocation's client, its logging, and the few things every command says to the user.

``connect`` makes the SDK client the global options describe: against AWS
(the standard credential chain, a profile, an endpoint) or, with ``--local``,
against the built-in emulator, the way ``LocalHealthImaging`` hands clients to
user code. The emulator is imported only then.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Callable, Generator
from typing import Any, NoReturn

import attrs
import click

from .. import Client, HealthImagingError, RetryConfig
from ._exit import ExitCode
from ._options import Settings
from ._progress import terminal

_SDK_LOGGER = "healthimaging_client"
BODIES_WARNING = (
    "warning: --log-bodies writes request and response bodies to the log; "
    "they hold patient data (PHI): never use it with real patients"
)


NAME_THE_DATASTORE = "name the datastore: --datastore-id ID, or set HEALTHIMAGING_DATASTORE_ID"


@attrs.frozen
class Connection:
    client: Client
    datastore_id: str


@attrs.frozen
class Account:
    """A client, and the datastore the options name if they do (for commands that need none, or another)."""

    client: Client
    datastore_id: str | None

    def datastore(self) -> str:
        """The datastore the options name; a usage error when they name none."""
        if not self.datastore_id:
            raise click.UsageError(NAME_THE_DATASTORE)
        return self.datastore_id


def fail(code: ExitCode, message: str) -> NoReturn:
    """Say what went wrong on stderr and end the command with ``code``."""
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(code)


@contextlib.contextmanager
def _sdk_logging(settings: Settings) -> Generator[None]:
    """The SDK's own log on stderr while the command runs, with ``--debug`` (other libraries stay quiet)."""
    if not (settings.debug or settings.log_bodies):
        yield
        return
    logger = logging.getLogger(_SDK_LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _client(settings: Settings) -> tuple[Client, str | None]:
    """The client, and the datastore it implies (the emulator's, with ``--local``)."""
    options: dict[str, Any] = {"log_bodies": settings.log_bodies}
    if settings.max_attempts is not None:
        options["retry"] = RetryConfig(max_attempts=settings.max_attempts)
    if settings.local:
        given = [name for name in ("profile", "region", "endpoint_url") if getattr(settings, name)]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise click.UsageError(f"--local runs against the built-in emulator: drop {flags}")
        from . import _local

        emulator = _local.emulator()
        return emulator.client(**options), emulator.datastore_id
    from botocore.exceptions import BotoCoreError

    try:
        client = Client(
            profile_name=settings.profile, region_name=settings.region, endpoint_url=settings.endpoint_url, **options
        )
    except HealthImagingError as exc:
        fail(ExitCode.CONFIG, str(exc))
    except BotoCoreError as exc:  # an unknown profile, while the region is read from it, escapes the SDK untyped
        fail(ExitCode.CONFIG, str(exc))
    return client, None


@contextlib.contextmanager
def open_account(settings: Settings) -> Generator[Account]:
    """The client of this invocation, and the datastore named if any; closed when the command ends."""
    if settings.log_bodies:
        click.echo(BODIES_WARNING, err=True)
    with _sdk_logging(settings):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the SDK's warning about log_bodies: said above
            client, implied_datastore = _client(settings)
        with client:
            yield Account(client, settings.datastore_id or implied_datastore)


@contextlib.contextmanager
def connect(settings: Settings) -> Generator[Connection]:
    """The client and datastore of this invocation, closed when the command ends."""
    with open_account(settings) as account:
        yield Connection(account.client, account.datastore())


def confirm(question: str | Callable[[], str], *, yes: bool, required: bool = False) -> None:
    """Ask before a write when a person is at the terminal, unless ``--yes``; a no ends the command.

    A ``required`` yes (for what cannot be undone) must come from ``--yes`` when no one can be asked.
    A callable ``question`` is only called (it may look something up) when someone is asked.
    """
    if yes:
        return
    if not (sys.stdin.isatty() and terminal(sys.stderr)):
        if required:
            raise click.UsageError("this cannot be undone, and there is no terminal to ask: add --yes to go ahead")
        return
    if not click.confirm(question if isinstance(question, str) else question(), default=False, err=True):
        click.echo("declined: nothing was sent", err=True)
        raise click.exceptions.Exit(ExitCode.DECLINED)
