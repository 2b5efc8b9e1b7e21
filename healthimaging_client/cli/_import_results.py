"""``healthimaging import results``: what a finished import job wrote, read from a downloaded folder.

The job's summary and manifests live in S3 (the SDK has no S3 client): the
user downloads them, and this reads them with
:mod:`healthimaging_client.import_results`. File names often hold UIDs, and
the service's messages about a file may quote its values, so both are patient
data here: masked in table and text output unless ``--show-phi``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import click

from ..import_results import (
    FailedFile,
    ImportedFile,
    ImportedImageSet,
    ImportJobSummary,
    ImportResults,
    read_import_results,
)
from ._exit import ExitCode
from ._help import Command
from ._options import global_options, settings
from ._output import Column, Field, echo_fields, echo_json, echo_rows


@attrs.frozen
class FileRow:
    """One line of the file table: a file that failed, went in with a warning, or went in."""

    outcome: str
    file: str
    image_set_id: str | None = None
    reason: str | None = None
    message: str | None = None


FILE_COLUMNS: tuple[Column[FileRow], ...] = (
    Column("OUTCOME", lambda r: r.outcome),
    Column("FILE", lambda r: r.file, phi=True),
    Column("IMAGE SET", lambda r: r.image_set_id),
    Column("REASON", lambda r: r.reason),
    Column("MESSAGE", lambda r: r.message, phi=True),
)

IMAGE_SET_COLUMNS: tuple[Column[ImportedImageSet], ...] = (
    Column("IMAGE SET", lambda s: s.image_set_id),
    Column("INSTANCES", lambda s: s.number_of_matched_sop_instances),
    Column("VERSION", lambda s: s.image_set_version),
    Column("PRIMARY", lambda s: s.is_primary),
)

EXAMPLES = """\b
Examples:
  aws s3 cp --recursive s3://import-out/DATASTORE_ID-DicomImport-JOB_ID/ results/
  healthimaging import results results/
  healthimaging import results results/ --show-phi -o text | cut -f2,4
  healthimaging import results downloads/ --job-id JOB_ID --check || echo "some files were not imported"
"""


def _failed_rows(failed: tuple[FailedFile, ...]) -> Iterator[FileRow]:
    for f in failed:
        yield FileRow("failed", f.input_file, reason=f.exception_type, message=f.message)


def _warned_rows(warned: tuple[ImportedFile, ...]) -> Iterator[FileRow]:
    for f in warned:
        if not f.warnings:
            yield FileRow("warning", f.input_file, f.image_set_id)
        for w in f.warnings:
            code = None if w.warning_reason_code is None else str(w.warning_reason_code)
            yield FileRow("warning", f.input_file, f.image_set_id, w.type or code, w.message)


def file_rows(found: ImportResults, *, imported: bool) -> list[FileRow]:
    """The files that failed, then those that went in with warnings, then (if asked) those that went in."""
    rows = [*_failed_rows(found.failed), *_warned_rows(found.warned)]
    if imported:
        rows += [FileRow("imported", f.input_file, f.image_set_id) for f in found.imported]
    return rows


def not_imported(summary: ImportJobSummary) -> int:
    """How many files the job scanned and did not import, by its own count."""
    return summary.number_of_files_with_customer_error + summary.number_of_files_with_server_error


def _summary_fields(summary: ImportJobSummary) -> list[Field]:
    return [
        ("job", summary.job_id, False),
        ("datastore", summary.datastore_id, False),
        ("input", summary.input_s3_uri, False),
        ("files scanned", summary.number_of_scanned_files, False),
        ("imported", summary.number_of_imported_files, False),
        ("rejected (input errors)", summary.number_of_files_with_customer_error, False),
        ("failed (service errors)", summary.number_of_files_with_server_error, False),
        ("image sets made", summary.number_of_generated_image_sets, False),
    ]


@click.command("results", cls=Command, epilog=EXAMPLES)
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--job-id", metavar="ID", help="The job to read, when DIRECTORY holds the folders of several.")
@click.option("--imported", "show_imported", is_flag=True, help="Also list every file that went in.")
@click.option("--check", is_flag=True, help="Exit with code 13 when the job did not import every file.")
@global_options
def results(directory: Path, job_id: str | None, show_imported: bool, check: bool) -> None:
    """Show what a finished import job did with each file, from its downloaded results.

    DIRECTORY is the job's folder (DATASTORE_ID-DicomImport-JOB_ID, as
    downloaded from under its output S3 URI) or a folder holding it. table
    prints the job's counts, the image sets it made, and the files it
    rejected or imported with warnings, with the reason; text prints the file
    lines only. File names and messages are masked unless --show-phi.
    """
    options = settings()
    found = read_import_results(directory, job_id=job_id)
    rows = file_rows(found, imported=show_imported)
    if options.output == "json":
        echo_json(
            {
                "summary": found.summary,
                "failed": found.failed,
                "warned": found.warned,
                "imported": found.imported if show_imported else None,
            }
        )
    elif options.output == "text":
        echo_rows(FILE_COLUMNS, rows, output="text", show_phi=options.show_phi)
    else:
        echo_fields(_summary_fields(found.summary), output="table", show_phi=options.show_phi)
        if found.summary.image_sets_summary:
            click.echo()
            echo_rows(IMAGE_SET_COLUMNS, found.summary.image_sets_summary, output="table", show_phi=True)
        if rows:
            click.echo()
            echo_rows(FILE_COLUMNS, rows, output="table", show_phi=options.show_phi)
    if not rows and options.output != "json":
        click.echo("no file was rejected or imported with a warning", err=True)
    missing = not_imported(found.summary)
    if check and missing:
        click.echo(f"error: {missing} of {found.summary.number_of_scanned_files} files were not imported", err=True)
        raise click.exceptions.Exit(ExitCode.FILES_REJECTED)
