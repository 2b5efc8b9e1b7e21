"""What a user of the datastore, import-job and tag operations writes; every line must type-check."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import assert_type, reveal_type

import healthimaging_client as hic
from healthimaging_client import (
    AsyncClient,
    Client,
    CreateDatastoreOutput,
    DatastoreProperties,
    DatastoreStatus,
    DatastoreSummary,
    DICOMImportJobProperties,
    DICOMImportJobSummary,
    DicomJsonMetadataImportConfiguration,
    DicomMetadataMapping,
    ImportConfiguration,
    ImportManifestError,
    JobStatus,
    LosslessStorageFormat,
    Page,
    WaiterError,
)
from healthimaging_client.import_results import (
    FailedFile,
    ImportedFile,
    ImportJobSummary,
    ImportResults,
    iter_failed_files,
    iter_imported_files,
    read_import_results,
    read_job_summary,
)
from healthimaging_client.testing import LocalHealthImaging, SyntheticInstance

ROLE = "arn:aws:iam::123456789012:role/ImportRole"


def datastores(client: Client) -> DatastoreProperties:
    created = client.create_datastore(
        datastore_name="research",
        tags={"team": "ai"},
        kms_key_arn=None,
        lossless_storage_format=LosslessStorageFormat.JPEG_2000_LOSSLESS,
        client_token="deploy-1",
    )
    assert_type(created, CreateDatastoreOutput)
    assert_type(created.datastore_status, DatastoreStatus | str)
    properties = client.get_datastore(created.datastore_id).datastore_properties
    assert_type(properties.lambda_authorizer_arn, str | None)
    assert_type(properties.lossless_storage_format, LosslessStorageFormat | str | None)
    assert_type(properties.created_at, datetime | None)
    listed = client.list_datastores(datastore_status=DatastoreStatus.ACTIVE, max_results=10)
    reveal_type(listed.datastore_summaries)  # revealed: list[DatastoreSummary]
    for summary in client.iter_datastores(datastore_status="DELETED", max_items=5):
        reveal_type(summary)  # revealed: DatastoreSummary
    for page in client.iter_datastore_pages(page_size=2):
        reveal_type(page)  # revealed: Page[DatastoreSummary, ListDatastoresOutput]
    deleted = client.delete_datastore(created.datastore_id)
    assert_type(deleted.datastore_status, DatastoreStatus | str)
    gone = client.wait_for_datastore(created.datastore_id, status="DELETED", timeout=60.0)
    assert_type(gone, DatastoreProperties)
    return client.wait_for_datastore(created.datastore_id)


def imports(client: Client, datastore_id: str) -> DICOMImportJobProperties:
    configuration = ImportConfiguration(
        dicom_json_metadata_import_configuration=DicomJsonMetadataImportConfiguration(
            dicom_metadata_mappings=[DicomMetadataMapping(study_instance_uid="1.2.3", metadata_file_path="m.json")]
        )
    )
    started = client.start_dicom_import_job(
        datastore_id,
        data_access_role_arn=ROLE,
        input_s3_uri="s3://in-bucket/",
        output_s3_uri="s3://out-bucket/",
        job_name="nightly",
        import_configuration=configuration,
    )
    assert_type(started.job_status, JobStatus | str)
    assert_type(started.submitted_at, datetime)
    job = client.get_dicom_import_job(datastore_id, started.job_id).job_properties
    assert_type(job.message, str | None)
    for listed in client.iter_dicom_import_jobs(datastore_id, job_status=JobStatus.FAILED):
        reveal_type(listed)  # revealed: DICOMImportJobSummary
    first: Page[DICOMImportJobSummary, hic.ListDICOMImportJobsOutput] = next(
        client.iter_dicom_import_job_pages(datastore_id)
    )
    del first
    try:
        return client.wait_for_dicom_import_job(datastore_id, started.job_id, poll_interval=30.0)
    except WaiterError as exc:
        reveal_type(exc.job_properties)  # revealed: DICOMImportJobProperties | None
        reveal_type(exc.datastore_properties)  # revealed: DatastoreProperties | None
        raise


def tags(client: Client, arn: str) -> Mapping[str, str]:
    assert_type(client.tag_resource(arn, tags={"k": "v"}), None)
    client.untag_resource(arn, tag_keys=["k"])
    return client.list_tags_for_resource(arn).tags


async def in_async(client: AsyncClient, datastore_id: str) -> list[DatastoreSummary]:
    properties = await client.wait_for_datastore(datastore_id)
    assert_type(properties, DatastoreProperties)
    job = await client.get_dicom_import_job(datastore_id, "j1")
    reveal_type(job.job_properties)  # revealed: DICOMImportJobProperties
    return [summary async for summary in client.iter_datastores()]


def results(folder: Path, manifest: bytes) -> ImportResults:
    summary = read_job_summary(folder / "job-output-manifest.json")
    assert_type(summary, ImportJobSummary)
    assert_type(summary.number_of_imported_files, int)
    failures = iter_failed_files(manifest)
    assert_type(failures, Iterator[FailedFile])
    for imported in iter_imported_files(str(folder / "SUCCESS" / "success.ndjson")):
        assert_type(imported, ImportedFile)
        assert_type(imported.is_primary, bool | None)
    try:
        return read_import_results(folder, job_id="0" * 32)
    except ImportManifestError as exc:
        assert_type(exc, ImportManifestError)
        raise


def emulator() -> LocalHealthImaging:
    local = LocalHealthImaging(seed=1, datastore_delay=60.0, import_delay=300.0)
    uris = local.add_dicom_files("s3://in-bucket/", [SyntheticInstance(key="a.dcm", patient={"PatientID": "P"})])
    assert_type(uris, list[str])
    assert_type(local.import_output("j"), dict[str, bytes])
    assert_type(local.download_import_output("j", "out"), Path)
    return local
