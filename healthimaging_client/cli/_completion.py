"""``healthimaging completion``: the shell code that completes commands and options."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from ._help import Command

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_HEALTHIMAGING_COMPLETE"


@click.command(cls=Command)
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL.

    For bash, add this line to ~/.bashrc (zsh and fish alike):

    \b
        eval "$(healthimaging completion bash)"
    """
    root = click.get_current_context().find_root()
    completer = get_completion_class(shell)
    assert completer is not None  # SHELLS are click's own
    click.echo(completer(root.command, {}, "healthimaging", COMPLETE_VAR).source())
