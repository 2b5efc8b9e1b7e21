"""Help pages with their options in sections: the command's own, then output, then global."""

from __future__ import annotations

from typing import Any

import click

OPTIONS = "Options"


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
    for name, records in sections.items():
        with formatter.section(name):
            formatter.write_dl(records)


class Command(click.Command):
    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        format_sections(self, ctx, formatter)
