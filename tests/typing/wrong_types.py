"""Lines that must NOT type-check: each one marked ``# expect-error`` must be reported, by both checkers.

If a checker stops reporting one of them, the typed surface has lost a promise.
"""

from __future__ import annotations

import healthimaging_client as hic


def wrong(client: hic.Client, datastore_id: str, image_set_id: str) -> None:
    client.get_image_set_metadata(datastore_id, 42)  # expect-error
    client.search_image_sets(datastore_id, max_results="50")  # expect-error
    client.search_image_sets(datastore_id, filters=hic.SearchFilter(operator="EQUAL", values=[]))  # expect-error
    client.update_image_set_metadata(datastore_id, image_set_id, latest_version_id=[1])  # expect-error
    client.update_image_set_metadata(datastore_id, image_set_id, "1")  # expect-error
    hic.RetryConfig(max_attempts="3")  # expect-error
    hic.Client(region_name=1)  # expect-error
    hic.Client(rate_limits={"SearchImageSets": 25})  # expect-error
    hic.SearchByAttributeValue(is_primary="yes")  # expect-error
    hic.DICOMStudyDateAndTime()  # expect-error
    hic.DICOMStudyDateAndTime(dicom_study_time="093000")  # expect-error
    hic.Client(region="us-east-1")  # expect-error
    hic.AsyncClient(aws_region="us-east-1")  # expect-error
    client.search_image_sets(datastoreId=datastore_id)  # expect-error
    for summary in client.iter_image_sets(datastore_id):
        summary.version.bit_length()  # expect-error
    page = next(client.iter_image_set_pages(datastore_id))
    page.next_token.encode()  # expect-error
    summary_id: int = page.items[0].image_set_id  # expect-error
    del summary_id


async def wrong_async(client: hic.AsyncClient, datastore_id: str) -> None:
    for _ in client.iter_image_sets(datastore_id):  # expect-error
        pass
    client.get_image_set_metadata(datastore_id, "x").to_dict()  # expect-error


def wrong_metadata(client: hic.Client, datastore_id: str, image_set_id: str) -> None:
    metadata = client.get_image_set_metadata(datastore_id, image_set_id)
    metadata.study.series[0]  # expect-error
    metadata.patient.name.upper()  # expect-error
    hic.DICOMUpdatesBuilder().set_patient(PatientName="A").build().encode()  # expect-error
    client.copy_image_set(datastore_id, "x", source_latest_version_id=1, copiable_attributes=4)  # expect-error
    client.wait_for_image_set(datastore_id, image_set_id, timeout="soon")  # expect-error


def wrong_pixels(client: hic.Client, datastore_id: str, image_set_id: str) -> None:
    client.get_image_frame(datastore_id, image_set_id)  # expect-error
    client.get_image_frame(datastore_id, image_set_id, "0" * 32).data.upper(1)  # expect-error
    client.get_frame_array(datastore_id, image_set_id, "0" * 32, metadata={"Study": {}})  # expect-error
    client.get_frame_array(datastore_id, image_set_id, "0" * 32, rescale="yes")  # expect-error
    client.iter_frame_arrays(datastore_id, image_set_id, "not frames", concurrency=2)  # expect-error
    client.get_series_volume(datastore_id, image_set_id, "1.2.840.series-uid")  # expect-error
    client.delete_image_set(datastore_id, image_set_id, force=True)  # expect-error
    client.get_image_set(datastore_id, image_set_id).image_set_arn.upper()  # expect-error


def wrong_datastores(client: hic.Client, datastore_id: str) -> None:
    client.create_datastore("name")  # expect-error
    client.create_datastore(lossless_storage_format=3)  # expect-error
    client.tag_resource("arn", {"k": "v"})  # expect-error
    client.untag_resource("arn", tag_keys=["k"]).keys()  # expect-error
    status = client.wait_for_dicom_import_job(datastore_id, "j").datastore_status  # expect-error
    del status
    client.get_datastore(datastore_id).datastore_properties.kms_key_arn.startswith("arn")  # expect-error
    hic.DicomMetadataMapping(metadata_file_path="m.json")  # expect-error
