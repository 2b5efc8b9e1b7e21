"""Writing an output file so that it is never seen half-written, whatever stops the command."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator
from pathlib import Path
from typing import BinaryIO

import click

from ._exit import ExitCode
from ._session import fail


def refuse_to_replace(path: Path, overwrite: bool) -> None:
    """A usage error (nothing sent) when ``path`` exists and ``--overwrite`` was not given."""
    if path.exists() and not overwrite:
        fail(ExitCode.USAGE, f"{click.format_filename(path)} exists: add --overwrite to replace it")


@contextlib.contextmanager
def atomic_file(path: Path) -> Generator[BinaryIO]:
    """A file to write ``path`` through: ``<path>.part``, renamed to ``path`` only when the block ends normally.

    Ctrl-C or an error removes the part file, so ``path`` is either whole, or as it was.
    """
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
