"""Help pages with their options in sections: the command's own, then output, then global."""

from __future__ import annotations

from typing import Any

import click

OPTIONS = "Options"
GLOBAL = "Global options"
OUTPUT = "Output options"
#: The sections every command shares come after its own.
_SHARED = (GLOBAL, OUTPUT)


class Option(click.Option):
    """An option that names the help section it is listed in."""

    def __init__(self, *args: Any, section: str = OPTIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section


def format_sections(command: click.Command, ctx: click.Context, formatter: click.HelpFormatter) -> None:
    sections: dict[str, list[tuple[str, str]]] = {}
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option):
            continue  # arguments are named in the usage line
        record = param.get_help_record(ctx)
        if record is not None:
            sections.setdefault(getattr(param, "section", OPTIONS), []).append(record)
    ordered = sorted(sections.items(), key=lambda section: section[0] in _SHARED)
    for name, records in ordered:
        with formatter.section(name):
            formatter.write_dl(records)


class Command(click.Command):
    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        format_sections(self, ctx, formatter)


class Group(click.Group):
    """A group of commands: its options in sections, its commands in the order they were added."""

    command_class = Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order they were added: the order of the work, not of the alphabet."""
        return list(self.commands)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        format_sections(self, ctx, formatter)
        self.format_commands(ctx, formatter)
