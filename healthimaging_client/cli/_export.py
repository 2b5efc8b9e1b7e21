"""``healthimaging export``: an image set, or some of its series, as DICOM Part 10 files in a directory.

The SDK's ``export_image_set`` does the work: each file is written under a
temporary name and renamed when complete, so Ctrl-C leaves no partial file
and the same command run again skips the files already there. Here: the
progress bar, the summary, and with ``--validate`` dciodvfy's verdict on each
file. File paths are made of UIDs (patient data): masked unless ``--show-phi``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import ExportProgress, ExportSummary
from ._exit import ExitCode
from ._help import Command
from ._options import Settings, concurrency_option, global_options, settings
from ._output import Column, Field, echo_fields, echo_json, echo_rows, jsonable
from ._progress import Progress
from ._session import connect, fail
from ._validator import Checked, Verdict, check, find_validator

EXAMPLES = """\b
Examples:
  healthimaging export IMAGE_SET_ID ./dicom
  healthimaging export IMAGE_SET_ID ./dicom --series 1.2.840.99.1 --transcode --validate
"""

NO_VALIDATOR = "--validate needs dciodvfy from dicom3tools (Debian and Ubuntu: apt-get install dicom3tools)"

FINDINGS: tuple[Column[tuple[str, Checked]], ...] = (
    Column("FILE", lambda c: c[0], phi=True),
    Column("ERRORS", lambda c: len(c[1].errors)),
    Column("FIRST ERROR", lambda c: c[1].errors[0] if c[1].errors else None, phi=True),
)


def _summary_fields(directory: Path, summary: ExportSummary) -> list[Field]:
    return [
        ("directory", str(directory), False),
        ("files", summary.files, False),
        ("written", summary.files_written, False),
        ("skipped (complete already)", summary.files_skipped, False),
        ("frames written", summary.frames_written, False),
        ("bytes written", summary.bytes_written, False),
    ]


def _validate(program: str, directory: Path, paths: list[Path]) -> list[tuple[str, Checked]]:
    """Each file's verdict, with its path relative to the export's directory, with a progress bar."""
    checked: list[tuple[str, Checked]] = []
    with Progress("validating", unit="files", total=len(paths)) as progress:
        for path in paths:
            checked.append((str(path.relative_to(directory)), check(program, path)))
            progress.advance()
    return checked


Findings = list[tuple[str, Checked]]


def _echo(directory: Path, summary: ExportSummary, checked: Findings | None, options: Settings) -> None:
    if options.output == "json":
        validation = None
        if checked is not None:
            validation = [
                {"path": name, "verdict": c.verdict.value, "errors": list(c.errors), "warnings": c.warnings}
                for name, c in checked
            ]
        echo_json({"directory": str(directory), "files": summary.files, **jsonable(summary), "validation": validation})
        return
    fields = _summary_fields(directory, summary)
    if checked is not None:
        fields += [(f"files {v.value}", sum(c.verdict == v for _, c in checked), False) for v in Verdict]
    echo_fields(fields, output=options.output, show_phi=options.show_phi)
    if checked is None:
        return
    invalid = [(name, c) for name, c in checked if c.verdict == Verdict.INVALID]
    if invalid:
        click.echo()
        echo_rows(FINDINGS, invalid, output=options.output, show_phi=options.show_phi)
    if any(c.verdict == Verdict.NOT_CHECKED for _, c in checked):
        click.echo(
            "HTJ2K files were not checked: this dciodvfy cannot read HTJ2K; --transcode writes files it can check",
            err=True,
        )


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("image_set_id")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--series", "series_uids", multiple=True, metavar="SERIES_UID", help="Only this series (repeatable).")
@click.option(
    "--transcode",
    is_flag=True,
    help="Decode frames to explicit VR little endian, for tools that cannot read HTJ2K (needs the pixels extra).",
)
@concurrency_option
@click.option(
    "--validate",
    is_flag=True,
    help="Check every file with dciodvfy (dicom3tools) and print its verdict; exit code 14 if one has errors.",
)
@global_options
def export(
    image_set_id: str,
    directory: Path,
    series_uids: tuple[str, ...],
    transcode: bool,
    concurrency: int | None,
    validate: bool,
) -> None:
    """Write an image set, or some of its series, as DICOM Part 10 files.

    One file per instance: DIRECTORY/STUDY_UID/SERIES_UID/SOP_UID.dcm. Frames
    keep their stored encoding (lossless: nothing is decoded) unless
    --transcode. Each file is written under a temporary name and renamed when
    complete: Ctrl-C leaves no partial file, and the same command run again
    skips the files already there and writes the rest. Needs the dicom extra.
    """
    program = find_validator() if validate else None
    if validate and program is None:
        fail(ExitCode.CONFIG, NO_VALIDATOR)
    options = settings()
    paths: list[Path] = []
    with connect(options) as conn, Progress("exporting", unit="files") as progress:

        def report(step: ExportProgress) -> None:
            paths.append(step.path)
            progress.update(step.files_done, step.files_total)

        limit: dict[str, Any] = {} if concurrency is None else {"concurrency": concurrency}
        try:
            summary = conn.client.export_image_set(
                conn.datastore_id,
                image_set_id,
                directory,
                series=list(series_uids) or None,
                transcode=transcode,
                progress=report,
                **limit,
            )
        except KeyboardInterrupt:
            click.echo("\nthe files written so far are complete: run the same command again to finish", err=True)
            raise
    checked = None if program is None else _validate(program, directory, paths)
    _echo(directory, summary, checked, options)
    if checked is not None and any(c.verdict == Verdict.INVALID for _, c in checked):
        raise click.exceptions.Exit(ExitCode.INVALID_FILES)
