"""``healthimaging search``: image sets by readable filters, every page of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import click

from .. import models as m
from ._filters import equal_filter, parse_sort, primary_filter, study_date_filter, timestamp_filter
from ._help import Command, Option
from ._listing import collect, echo_listing
from ._options import F, global_options, pagination_options, parsed, settings
from ._output import Column
from ._session import connect

FILTERS = "Filters (at most two; the service ANDs them)"

Summary = m.ImageSetsMetadataSummary


def _tag(header: str, field: str) -> Column[Summary]:
    """A column of one of a summary's DICOM tags: patient data."""
    return Column(header, lambda s: getattr(s.dicom_tags, field) if s.dicom_tags else None, phi=True)


COLUMNS: tuple[Column[Summary], ...] = (
    Column("IMAGE SET", lambda s: s.image_set_id),
    Column("VERSION", lambda s: s.version),
    Column("UPDATED", lambda s: s.updated_at),
    Column("PRIMARY", lambda s: s.is_primary),
    _tag("PATIENT ID", "dicom_patient_id"),
    _tag("PATIENT NAME", "dicom_patient_name"),
    _tag("STUDY DATE", "dicom_study_date"),
    _tag("ACCESSION", "dicom_accession_number"),
    _tag("MODALITY", "dicom_series_modality"),
)


def _now() -> datetime:
    return datetime.now(UTC)


EXAMPLES = """\b
Examples:
  healthimaging --local search
  healthimaging search --patient-id PAT0001 --study-date 20240101..20240131
  healthimaging search --updated-at 2024-06-01.. --sort updated-at:asc -o json
"""


def _filter(name: str, metavar: str, parse: Callable[[str], m.SearchFilter], help: str) -> Callable[[F], F]:
    return click.option(name, cls=Option, section=FILTERS, metavar=metavar, callback=parsed(parse), help=help)


def _equal(attribute: str) -> Callable[[str], m.SearchFilter]:
    return partial(equal_filter, attribute)


@click.command(cls=Command, epilog=EXAMPLES)
@_filter("--patient-id", "ID", _equal("dicom_patient_id"), "DICOM PatientID.")
@_filter("--accession-number", "NUMBER", _equal("dicom_accession_number"), "DICOM AccessionNumber.")
@_filter("--study-id", "ID", _equal("dicom_study_id"), "DICOM StudyID.")
@_filter("--study-uid", "UID", _equal("dicom_study_instance_uid"), "DICOM StudyInstanceUID.")
@_filter("--series-uid", "UID", _equal("dicom_series_instance_uid"), "DICOM SeriesInstanceUID.")
@_filter(
    "--study-date",
    "DATE[..DATE]",
    study_date_filter,
    "Study date (YYYYMMDD: the whole day) or range (20240101..20240131; an end may be left open). "
    "YYYYMMDDHHMMSS adds a time.",
)
@_filter(
    "--created-at",
    "TIME[..TIME]",
    partial(timestamp_filter, "created_at", now=_now),
    "When the image set was created: ISO 8601 (2024-01-31, 2024-01-31T09:30:00Z; UTC unless an offset is given), "
    "or a range of them.",
)
@_filter(
    "--updated-at",
    "TIME[..TIME]",
    partial(timestamp_filter, "updated_at", now=_now),
    "When the image set was last updated, as --created-at.",
)
@click.option(
    "--primary/--not-primary",
    cls=Option,
    section=FILTERS,
    default=None,
    help="Only primary image sets, or only non-primary ones.",
)
@click.option(
    "--sort",
    metavar="FIELD[:ORDER]",
    callback=parsed(parse_sort),
    help="Order by updated-at, created-at or study-date, then :asc or :desc (default: updated-at:desc).",
)
@pagination_options
@global_options
def search(
    patient_id: m.SearchFilter | None,
    accession_number: m.SearchFilter | None,
    study_id: m.SearchFilter | None,
    study_uid: m.SearchFilter | None,
    series_uid: m.SearchFilter | None,
    study_date: m.SearchFilter | None,
    created_at: m.SearchFilter | None,
    updated_at: m.SearchFilter | None,
    primary: bool | None,
    sort: m.Sort | None,
    max_items: int | None,
    page_size: int | None,
    starting_token: str | None,
    no_paginate: bool,
) -> None:
    """Find image sets, through every page of results.

    With no filter, every image set of the datastore is listed, the most
    recently updated first. The service cannot filter by modality: use
    -o json and filter the output.
    """
    given = {
        "--patient-id": patient_id,
        "--accession-number": accession_number,
        "--study-id": study_id,
        "--study-uid": study_uid,
        "--series-uid": series_uid,
        "--study-date": study_date,
        "--created-at": created_at,
        "--updated-at": updated_at,
        "--primary/--not-primary": None if primary is None else primary_filter(primary),
    }
    filters = [f for f in given.values() if f is not None]
    if len(filters) > 2:
        names = ", ".join(name for name, f in given.items() if f is not None)
        raise click.UsageError(f"the service combines at most two filters; got {len(filters)}: {names}")
    options = settings()
    with connect(options) as conn:
        pages = conn.client.iter_image_set_pages(
            conn.datastore_id,
            filters=filters or None,
            sort=sort,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )
        found, next_token = collect(
            pages, label="searching", unit="image sets", max_items=max_items, no_paginate=no_paginate
        )
    echo_listing("image_sets", found, next_token, COLUMNS, options)
