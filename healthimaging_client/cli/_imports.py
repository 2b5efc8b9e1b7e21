"""``healthimaging import``: start DICOM import jobs from S3, follow them, and read what they left behind."""

from __future__ import annotations

from typing import Any

import click

from .. import models as m
from ._help import Command, Group
from ._import_results import results
from ._listing import collect, echo_listing
from ._options import (
    Settings,
    confirm_options,
    global_options,
    pagination_options,
    settings,
    wait_limit_options,
    wait_limits,
    wait_option,
)
from ._output import Column, Field, echo_fields, echo_json, jsonable
from ._progress import Progress
from ._session import Connection, connect
from ._writes import perform

STATUSES = click.Choice([status.value for status in m.JobStatus], case_sensitive=False)
ENDED = (m.JobStatus.COMPLETED, m.JobStatus.FAILED)

COLUMNS: tuple[Column[m.DICOMImportJobSummary], ...] = (
    Column("JOB", lambda j: j.job_id),
    Column("NAME", lambda j: j.job_name),
    Column("STATUS", lambda j: j.job_status),
    Column("SUBMITTED", lambda j: j.submitted_at),
    Column("ENDED", lambda j: j.ended_at),
    Column("MESSAGE", lambda j: j.message),
)

START_EXAMPLES = """\b
Examples:
  healthimaging import start --input-s3-uri s3://dicom-in/study-1/ --output-s3-uri s3://import-out/ \\
      --role-arn arn:aws:iam::123456789012:role/ImportRole --wait
  healthimaging --local import start --input-s3-uri s3://local-dicom-input/incoming/ \\
      --output-s3-uri s3://local-import-results/ --role-arn arn:aws:iam::123456789012:role/LocalImportRole --wait
"""


def results_location(datastore_id: str, job_id: str, output_s3_uri: str) -> str:
    """Where a job writes its summary and manifests: a folder of its own under its output S3 URI."""
    prefix = output_s3_uri if output_s3_uri.endswith("/") else output_s3_uri + "/"
    return f"{prefix}{datastore_id}-DicomImport-{job_id}/"


def _job_fields(job: m.DICOMImportJobProperties) -> list[Field]:
    return [
        ("job", job.job_id, False),
        ("name", job.job_name, False),
        ("status", job.job_status, False),
        ("datastore", job.datastore_id, False),
        ("role", job.data_access_role_arn, False),
        ("input", job.input_s3_uri, False),
        ("output", job.output_s3_uri, False),
        ("submitted", job.submitted_at, False),
        ("ended", job.ended_at, False),
        ("message", job.message, False),
    ]


def _hint_results(job: m.DICOMImportJobProperties, options: Settings) -> None:
    """On stderr, for people: where an ended job's manifests are, and the command that reads them."""
    if options.output == "json" or job.job_status not in ENDED:
        return
    folder = results_location(job.datastore_id, job.job_id, job.output_s3_uri)
    click.echo(
        f"which files went in, and why others did not: aws s3 cp --recursive {folder} DIR; "
        "then healthimaging import results DIR",
        err=True,
    )


def _echo_job(job: m.DICOMImportJobProperties, options: Settings) -> None:
    if options.output == "json":
        echo_json(job)
    else:
        echo_fields(_job_fields(job), output=options.output, show_phi=options.show_phi)
    _hint_results(job, options)


def _settle(conn: Connection, job_id: str, limits: dict[str, float]) -> m.DICOMImportJobProperties:
    """Wait, with a spinner, until the job has ended; its properties then (exit code 12 if it FAILED)."""
    with Progress(f"waiting for import job {job_id}"):
        return conn.client.wait_for_dicom_import_job(conn.datastore_id, job_id, **limits)


@click.group("import", cls=Group)
@global_options
def import_jobs() -> None:
    """Import DICOM files from S3, follow the jobs, and read their results."""


@import_jobs.command("start", cls=Command, epilog=START_EXAMPLES)
@click.option(
    "--input-s3-uri", required=True, metavar="S3_URI", help="The DICOM P10 files to import: s3://bucket/prefix/."
)
@click.option(
    "--output-s3-uri", required=True, metavar="S3_URI", help="Where the job writes its summary and manifests."
)
@click.option(
    "--data-access-role-arn",
    "--role-arn",
    "role_arn",
    required=True,
    metavar="ARN",
    help="The IAM role the service takes to read the input and write the output.",
)
@click.option("--job-name", metavar="NAME", help="A name to know the job by.")
@click.option("--input-owner-account-id", metavar="ACCOUNT", help="The account that owns the input bucket.")
@click.option("--client-token", metavar="TOKEN", help="Make a repeated start (a re-run script) return the same job.")
@confirm_options
@wait_option("the job has ended, showing how long it has run (exit code 12 if it FAILED)")
@wait_limit_options
@global_options
def start_import(
    input_s3_uri: str,
    output_s3_uri: str,
    role_arn: str,
    job_name: str | None,
    input_owner_account_id: str | None,
    client_token: str | None,
    yes: bool,
    dry_run: bool,
    wait: bool,
    timeout: float | None,
    poll_interval: float | None,
) -> None:
    """Start importing DICOM files from S3 into the datastore.

    The job is SUBMITTED, then IN_PROGRESS, then COMPLETED or FAILED; --wait
    waits for the end. COMPLETED means the job ran, not that every file went
    in: `import results` reads its manifests and lists the files it rejected.
    Retries of the request never start a second job.
    """
    options = settings()
    with connect(options) as conn:
        arguments: dict[str, Any] = {
            "datastore_id": conn.datastore_id,
            "data_access_role_arn": role_arn,
            "input_s3_uri": input_s3_uri,
            "output_s3_uri": output_s3_uri,
            "job_name": job_name,
            "input_owner_account_id": input_owner_account_id,
            "client_token": client_token,
        }
        started = perform(
            "StartDICOMImportJob",
            arguments,
            {},
            send=lambda: conn.client.start_dicom_import_job(**arguments),
            question=f"Import the DICOM files under {input_s3_uri} into datastore {conn.datastore_id}?",
            dry_run=dry_run,
            yes=yes,
            options=options,
            check_with="healthimaging import list",
        )
        if started is None:
            return
        settled = _settle(conn, started.job_id, wait_limits(timeout, poll_interval)) if wait else None
    if options.output == "json":
        echo_json({**jsonable(started), "settled": settled})
        return
    fields: list[Field] = [("job", started.job_id, False), ("submitted", started.submitted_at, False)]
    if settled is None:
        fields.append(("status", started.job_status, False))
    else:
        fields += [field for field in _job_fields(settled) if field[0] in ("status", "ended", "message")]
    echo_fields(fields, output=options.output, show_phi=options.show_phi)
    if settled is not None:
        _hint_results(settled, options)


@import_jobs.command("get")
@click.argument("job_id")
@global_options
def get_import(job_id: str) -> None:
    """Show an import job: its status, S3 locations, times and, if it FAILED, why."""
    options = settings()
    with connect(options) as conn:
        job = conn.client.get_dicom_import_job(conn.datastore_id, job_id).job_properties
    _echo_job(job, options)


@import_jobs.command("list")
@click.option("--status", type=STATUSES, help="Only jobs with this status.")
@pagination_options
@global_options
def list_imports(
    status: str | None, max_items: int | None, page_size: int | None, starting_token: str | None, no_paginate: bool
) -> None:
    """List the datastore's import jobs, the most recent first."""
    options = settings()
    with connect(options) as conn:
        pages = conn.client.iter_dicom_import_job_pages(
            conn.datastore_id,
            job_status=status,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )
        found, next_token = collect(
            pages, label="listing import jobs", unit="jobs", max_items=max_items, no_paginate=no_paginate
        )
    echo_listing("import_jobs", found, next_token, COLUMNS, options)


@import_jobs.command("wait")
@click.argument("job_id")
@wait_limit_options
@global_options
def wait_import(job_id: str, timeout: float | None, poll_interval: float | None) -> None:
    """Wait until an import job has ended, showing how long it has run.

    Exits 0 when it COMPLETED, 12 when it FAILED, 10 when the timeout passed first.
    """
    options = settings()
    with connect(options) as conn:
        job = _settle(conn, job_id, wait_limits(timeout, poll_interval))
    _echo_job(job, options)


import_jobs.add_command(results)
