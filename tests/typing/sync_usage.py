"""What a user of the synchronous Client writes; every line must type-check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import assert_type, reveal_type

import httpx

import healthimaging_client as hic
from healthimaging_client import (
    Client,
    DICOMStudyDateAndTime,
    DICOMUpdates,
    ImageSetMetadata,
    ImageSetProperties,
    ImageSetsMetadataSummary,
    ListImageSetVersionsOutput,
    Operator,
    Page,
    RateLimit,
    RetryConfig,
    SearchByAttributeValue,
    SearchFilter,
    SearchImageSetsOutput,
    Sort,
    SortField,
    SortOrder,
)


def make_clients(http: httpx.Client) -> list[Client]:
    return [
        Client(region_name="us-east-1"),
        Client(profile_name="imaging", retry=RetryConfig(max_attempts=5, max_delay=10.0)),
        Client(region_name="us-east-1", use_fips_endpoint=True, timeout=httpx.Timeout(30.0, connect=5.0)),
        Client(region_name="us-east-1", endpoint_url="http://127.0.0.1:8080", http_client=http),
        Client(region_name="us-east-1", limits=httpx.Limits(max_connections=50), timeout=None),
        Client(region_name="us-east-1", rate_limits=RateLimit.service_quotas(), log_bodies=False),
        Client(region_name="us-east-1", rate_limits={"UpdateImageSetMetadata": RateLimit(0.25, burst=1)}),
    ]


def search(client: Client, datastore_id: str) -> None:
    by_patient = SearchFilter(operator=Operator.EQUAL, values=[SearchByAttributeValue(dicom_patient_id="PAT-1")])
    date_range = SearchFilter(
        operator="BETWEEN",
        values=[
            SearchByAttributeValue(dicom_study_date_and_time=DICOMStudyDateAndTime(dicom_study_date="20240101")),
            SearchByAttributeValue(dicom_study_date_and_time=DICOMStudyDateAndTime(dicom_study_date="20241231")),
        ],
    )
    since = SearchFilter(
        operator=Operator.BETWEEN,
        values=[
            SearchByAttributeValue(updated_at=datetime(2024, 1, 1, tzinfo=UTC)),
            SearchByAttributeValue(updated_at=datetime.now(UTC)),
        ],
    )
    sort = Sort(sort_field=SortField.DICOM_STUDY_DATE_AND_TIME, sort_order=SortOrder.ASC)

    out = client.search_image_sets(datastore_id, filters=[by_patient, date_range], sort=sort, max_results=50)
    assert_type(out, SearchImageSetsOutput)
    assert_type(out.next_token, str | None)
    for summary in out.image_sets_metadata_summaries:
        assert_type(summary.version, int | None)
        if summary.dicom_tags is not None:
            assert_type(summary.dicom_tags.dicom_patient_name, str | None)

    for found in client.iter_image_sets(datastore_id, filters=[since], page_size=25, max_items=100):
        reveal_type(found)  # revealed: ImageSetsMetadataSummary

    for page in client.iter_image_set_pages(datastore_id, starting_token=None):
        reveal_type(page)  # revealed: Page[ImageSetsMetadataSummary, SearchImageSetsOutput]
        reveal_type(page.items)  # revealed: Sequence[ImageSetsMetadataSummary]
        reveal_type(page.next_token)  # revealed: str | None
        reveal_type(page.output)  # revealed: SearchImageSetsOutput


def versions(client: Client, datastore_id: str, image_set_id: str) -> None:
    listed = client.list_image_set_versions(datastore_id, image_set_id, max_results=10)
    assert_type(listed, ListImageSetVersionsOutput)
    for version in client.iter_image_set_versions(datastore_id, image_set_id):
        reveal_type(version)  # revealed: ImageSetProperties
    pages = client.iter_image_set_version_pages(datastore_id, image_set_id, page_size=5)
    first: Page[ImageSetProperties, ListImageSetVersionsOutput] = next(pages)
    assert_type(first.items, Sequence[ImageSetProperties])


def read_and_write(client: Client, datastore_id: str, image_set_id: str) -> None:
    metadata = client.get_image_set_metadata(datastore_id, image_set_id, version_id=2)
    reveal_type(metadata)  # revealed: ImageSetMetadata
    assert isinstance(metadata, ImageSetMetadata)

    updated = client.update_image_set_metadata(
        datastore_id,
        image_set_id,
        latest_version_id="2",
        updates=DICOMUpdates(updatable_attributes={"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": "X"}}}),
    )
    assert_type(updated.latest_version_id, str)
    reverted = client.update_image_set_metadata(
        datastore_id, image_set_id, latest_version_id=updated.latest_version_id, revert_to_version_id=1
    )
    assert_type(reverted, hic.UpdateImageSetMetadataOutput)

    copied = client.copy_image_set(
        datastore_id,
        image_set_id,
        source_latest_version_id=3,
        copiable_attributes={"SchemaVersion": "1.1", "Study": {"Series": {"1.2.3": {"Instances": {}}}}},
        force=False,
    )
    reveal_type(copied.destination_image_set_properties)  # revealed: CopyDestinationImageSetProperties


def with_options(client: Client) -> Client:
    patient = client.with_options(retry=RetryConfig(max_attempts=1), timeout=5.0)
    assert_type(patient, Client)
    return patient


def summaries_of(client: Client, datastore_id: str) -> list[ImageSetsMetadataSummary]:
    return list(client.iter_image_sets(datastore_id, max_items=10))
