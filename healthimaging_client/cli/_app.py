"""The ``healthimaging`` group: its commands, and how every failure becomes a message and an exit code.

Each command group lives in a module of its own and is added here; the
commands of later issues (frames, export, datastores, imports) slot in the
same way.
"""

from __future__ import annotations

import errno
import traceback
from typing import Any

import click

from .. import HealthImagingError, __version__
from ._completion import completion
from ._copy import copy
from ._datastores import datastores
from ._exit import ExitCode, exit_code_of
from ._export import export
from ._frames import frames
from ._help import Group
from ._imports import import_jobs
from ._metadata import metadata
from ._options import Settings, global_options
from ._search import search
from ._tags import tags
from ._update import revert, update
from ._versions import versions
from ._wait import wait


def _report(ctx: click.Context, message: str, code: ExitCode, exc: BaseException) -> None:
    click.echo(f"error: {message}", err=True)
    settings = ctx.find_object(Settings)
    if settings is not None and settings.debug:
        click.echo("".join(traceback.format_exception(exc)), err=True, nl=False)
    ctx.exit(code)


class RootGroup(Group):
    """The root group: the one place that turns exceptions into exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except (KeyboardInterrupt, click.Abort):
            click.echo("\ninterrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except HealthImagingError as exc:
            # The SDK's messages never hold patient data or credentials.
            _report(ctx, str(exc), exit_code_of(exc), exc)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click ends quietly when the reader of stdout went away
            where = f": {exc.filename}" if exc.filename else ""
            _report(ctx, f"{exc.strerror or type(exc).__name__}{where}", ExitCode.ERROR, exc)
        except Exception as exc:
            # Its message could hold anything, patient data included: the type only, the rest with --debug.
            _report(ctx, f"unexpected {type(exc).__name__} (run again with --debug to see why)", ExitCode.ERROR, exc)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="healthimaging")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A command line for AWS HealthImaging: image sets, pixels, DICOM export, datastores, imports and tags.

    Try it with no account: healthimaging --local search
    """
    ctx.ensure_object(Settings)


IMAGE_SETS = (search, metadata, versions, update, revert, copy, wait, frames, export)
for command in (*IMAGE_SETS, datastores, import_jobs, tags, completion):
    cli.add_command(command)
