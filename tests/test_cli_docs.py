"""docs/cli.md shows the program's real help texts and outputs, and its exit-code table is the program's.

Each block under a ``<!-- run: healthimaging ... -->`` marker holds that command
line and what it prints (it runs against ``--local`` or prints help, so the
output never changes). The commands run in a folder holding ``results/``: what
``aws s3 cp`` would download of the import job the page starts with ``--local``.
To rewrite the blocks after changing the command line::

    python tests/test_cli_docs.py
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from healthimaging_client.cli import _exit, _local
from healthimaging_client.cli._app import cli

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"
#: The width help is wrapped to on the page.
WIDTH = 100

_BLOCK = re.compile(r"<!-- run: (?P<line>healthimaging [^>]*?) -->\n```text\n(?P<body>.*?)```\n", re.S)
_CLEAN_ENVIRONMENT = {name: None for name in os.environ if name.startswith(("HEALTHIMAGING_", "AWS_"))}


def run(line: str) -> str:
    """What ``line`` prints on stdout, after the line itself as typed at a prompt."""
    args = shlex.split(line)[1:]
    result = CliRunner().invoke(cli, args, prog_name="healthimaging", terminal_width=WIDTH, env=_CLEAN_ENVIRONMENT)
    assert result.exit_code == 0, f"{line}: {result.output}"
    return f"$ {line}\n{result.stdout}"


@contextlib.contextmanager
def _workspace() -> Iterator[None]:
    """In a new folder holding ``results/``: the output of the job ``--local import start`` starts."""
    emulator = _local.emulator()
    with tempfile.TemporaryDirectory() as folder, emulator.client() as client, contextlib.chdir(folder):
        job = client.start_dicom_import_job(
            emulator.datastore_id,
            data_access_role_arn=_local.IMPORT_ROLE,
            input_s3_uri=_local.IMPORT_INPUT,
            output_s3_uri=_local.IMPORT_OUTPUT,
        )
        client.wait_for_dicom_import_job(emulator.datastore_id, job.job_id, poll_interval=0.01)
        emulator.download_import_output(job.job_id, "results")
        yield


def refreshed(page: str) -> str:
    with _workspace():
        return _BLOCK.sub(lambda m: f"<!-- run: {m['line']} -->\n```text\n{run(m['line'])}```\n", page)


def _command_lines(group: click.Group, prefix: str) -> Iterator[str]:
    """``healthimaging NAME``, for every command and every command of a group."""
    for name, command in group.commands.items():
        yield f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _command_lines(command, f"{prefix} {name}")


def test_every_block_is_what_the_program_prints() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page == refreshed(page), "docs/cli.md is out of date: run python tests/test_cli_docs.py"


def test_every_command_has_its_help_on_the_page() -> None:
    shown = set(_BLOCK.findall(PAGE.read_text(encoding="utf-8")))
    lines = {line for line, _ in shown}
    assert "healthimaging --help" in lines
    missing = [line for line in _command_lines(cli, "healthimaging") if f"{line} --help" not in lines]
    assert missing == []


def test_the_exit_code_table_is_the_programs() -> None:
    page = PAGE.read_text(encoding="utf-8")
    table = page.split("## Exit codes", 1)[1].split("\n\n", 2)[1]
    rows = [tuple(cell.strip() for cell in row.strip("|").split("|")) for row in table.splitlines()[2:]]
    assert _exit.__doc__ is not None
    drawn = [line.split(None, 1) for line in _exit.__doc__.split("::\n\n", 1)[1].splitlines() if line.strip()]
    assert rows == [(code, meaning.strip()) for code, meaning in drawn]
    assert [int(code) for code, _ in rows] == [int(c) for c in _exit.ExitCode]


def test_the_readmes_local_commands_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if line.startswith("healthimaging --local ")]
    assert len(lines) >= 3
    for line in lines:
        assert run(line.split("#")[0].strip())


if __name__ == "__main__":
    PAGE.write_text(refreshed(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
