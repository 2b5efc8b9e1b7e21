"""Requests and responses of the DICOM import-job operations (start, get, list)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import attrs

from ._fields import masked, sensitive


class JobStatus(enum.StrEnum):
    """Where an import job is: SUBMITTED, IN_PROGRESS, then COMPLETED or FAILED.

    COMPLETED means the job ran, not that every file imported: read the job's
    failure manifest (:mod:`healthimaging_client.import_results`).
    """

    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@attrs.frozen(kw_only=True)
class DicomMetadataMapping:
    """Which JSON metadata file (relative to the input S3 URI) enhances a study, or one series of it."""

    study_instance_uid: str = attrs.field(repr=masked)
    metadata_file_path: str
    series_instance_uid: str | None = sensitive()


def _freeze_mappings(mappings: Sequence[DicomMetadataMapping]) -> tuple[DicomMetadataMapping, ...]:
    return tuple(mappings)


@attrs.frozen(kw_only=True)
class DicomJsonMetadataImportConfiguration:
    """An import that enhances DICOM files with JSON metadata: 1 to 1,000 mappings."""

    dicom_metadata_mappings: Sequence[DicomMetadataMapping] = attrs.field(converter=_freeze_mappings)


@attrs.frozen(kw_only=True)
class ImportConfiguration:
    """What kind of import a job is (a union: set its one member); without one, a plain DICOM P10 import."""

    dicom_json_metadata_import_configuration: DicomJsonMetadataImportConfiguration | None = None


@attrs.frozen(kw_only=True)
class StartDICOMImportJobOutput:
    """The job started: poll it with GetDICOMImportJob, or wait for it (``wait_for_dicom_import_job``)."""

    datastore_id: str
    job_id: str
    job_status: JobStatus | str
    submitted_at: datetime


@attrs.frozen(kw_only=True)
class DICOMImportJobProperties:
    """An import job, as GetDICOMImportJob returns it; ``message`` says why a FAILED job failed."""

    job_id: str
    job_name: str
    job_status: JobStatus | str
    datastore_id: str
    data_access_role_arn: str
    input_s3_uri: str
    output_s3_uri: str
    ended_at: datetime | None = None
    submitted_at: datetime | None = None
    message: str | None = None
    import_configuration: ImportConfiguration | None = None


@attrs.frozen(kw_only=True)
class GetDICOMImportJobOutput:
    """GetDICOMImportJob's answer: the job's properties."""

    job_properties: DICOMImportJobProperties


@attrs.frozen(kw_only=True)
class DICOMImportJobSummary:
    """One import job, as ListDICOMImportJobs returns it."""

    job_id: str
    job_name: str
    job_status: JobStatus | str
    datastore_id: str
    data_access_role_arn: str | None = None
    ended_at: datetime | None = None
    submitted_at: datetime | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class ListDICOMImportJobsOutput:
    """One page of a datastore's import jobs; ``next_token`` asks for the next page."""

    job_summaries: list[DICOMImportJobSummary]
    next_token: str | None = None
