"""The emulator's datastores, import jobs and tags, driven through both clients in-process on one fake clock
(and by boto3 and raw signed requests where that proves the wire)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

import healthimaging_client as hic
from healthimaging_client.import_results import read_import_results
from healthimaging_client.testing import LocalHealthImaging, SyntheticInstance

from .conftest import Harness

FAST = hic.RetryConfig(base_delay=0.001, max_delay=0.002)
ROLE = "arn:aws:iam::123456789012:role/ImportRole"
INPUT = "s3://synthetic-input/study-1/"
OUTPUT = "s3://synthetic-output/imports/"


@pytest.fixture
def local(sdk: Harness) -> LocalHealthImaging:
    return LocalHealthImaging(seed=3, clock=sdk.clock, datastore_delay=120, import_delay=300)


@pytest.fixture
def plain() -> LocalHealthImaging:
    """An emulator on the system clock, without delays, for tests that need no client."""
    return LocalHealthImaging(seed=4)


class Api:
    """A client of the harness's kind on the emulator and the harness's clock; every method returns its result."""

    def __init__(self, sdk: Harness, local: LocalHealthImaging) -> None:
        self.sdk = sdk
        self.client = (
            local.async_client(retry=FAST, clock=sdk.clock)
            if sdk.kind == "async"
            else local.client(retry=FAST, clock=sdk.clock)
        )
        sdk.clients.append(self.client)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)
        if name.startswith("iter_"):
            return lambda *a, **k: self.sdk.collect(method(*a, **k))
        return lambda *a, **k: self.sdk.run(method(*a, **k))


@pytest.fixture
def api(sdk: Harness, local: LocalHealthImaging) -> Api:
    return Api(sdk, local)


def active_datastore(api: Api, **kwargs: Any) -> hic.DatastoreProperties:
    created = api.create_datastore(**kwargs)
    return api.wait_for_datastore(created.datastore_id)


def start(api: Api, datastore_id: str, input_s3_uri: str = INPUT, **kwargs: Any) -> hic.StartDICOMImportJobOutput:
    return api.start_dicom_import_job(
        datastore_id, data_access_role_arn=ROLE, input_s3_uri=input_s3_uri, output_s3_uri=OUTPUT, **kwargs
    )


def series(count: int, **values: Any) -> list[SyntheticInstance]:
    return [SyntheticInstance(key=f"ct-{i:03d}.dcm", **values) for i in range(count)]


# --- datastores ------------------------------------------------------------------------------------


def test_a_datastore_is_creating_then_active_after_the_delay(api: Api, sdk: Harness) -> None:
    kms = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789abc"
    created = api.create_datastore(
        datastore_name="research", kms_key_arn=kms, lossless_storage_format=hic.LosslessStorageFormat.JPEG_2000_LOSSLESS
    )
    assert created.datastore_status is hic.DatastoreStatus.CREATING
    assert api.get_datastore(created.datastore_id).datastore_properties.datastore_status == "CREATING"
    sdk.clock.advance(119)
    assert api.get_datastore(created.datastore_id).datastore_properties.datastore_status == "CREATING"
    sdk.clock.advance(1)
    got = api.get_datastore(created.datastore_id).datastore_properties
    assert got.datastore_status is hic.DatastoreStatus.ACTIVE
    assert (got.datastore_name, got.kms_key_arn) == ("research", kms)
    assert got.lossless_storage_format is hic.LosslessStorageFormat.JPEG_2000_LOSSLESS
    assert got.datastore_arn and got.datastore_arn.endswith(f":datastore/{created.datastore_id}")
    assert got.created_at is not None and got.updated_at is not None and got.updated_at > got.created_at


def test_wait_for_datastore_sleeps_on_the_shared_clock(api: Api, sdk: Harness) -> None:
    created = api.create_datastore()
    done = api.wait_for_datastore(created.datastore_id, poll_interval=50)
    assert done.datastore_status is hic.DatastoreStatus.ACTIVE
    assert sdk.clock.sleeps == [50, 50, 50]


def test_deleting_then_deleted_and_still_listed(api: Api, local: LocalHealthImaging, sdk: Harness) -> None:
    datastore = active_datastore(api, datastore_name="scratch")
    deleted = api.delete_datastore(datastore.datastore_id)
    assert deleted.datastore_status is hic.DatastoreStatus.DELETING
    assert api.delete_datastore(datastore.datastore_id).datastore_status == "DELETING"  # idempotent
    gone = api.wait_for_datastore(datastore.datastore_id, status="DELETED")
    assert gone.datastore_status is hic.DatastoreStatus.DELETED
    listed = {d.datastore_name: d.datastore_status for d in api.iter_datastores()}
    assert listed == {"local-datastore": "ACTIVE", "scratch": "DELETED"}
    assert [d.datastore_name for d in api.iter_datastores(datastore_status="DELETED")] == ["scratch"]
    with pytest.raises(hic.ResourceNotFoundException):
        api.search_image_sets(datastore.datastore_id)


def test_a_datastore_with_image_sets_or_still_creating_cannot_be_deleted(api: Api, local: LocalHealthImaging) -> None:
    local.add_image_set()
    with pytest.raises(hic.ConflictException):
        api.delete_datastore(local.datastore_id)
    creating = api.create_datastore()
    with pytest.raises(hic.ConflictException):
        api.delete_datastore(creating.datastore_id)
    with pytest.raises(hic.ConflictException, match="CREATING"):
        api.search_image_sets(creating.datastore_id)
    with pytest.raises(hic.ResourceNotFoundException):
        api.get_datastore("0" * 32)


def test_the_same_client_token_creates_one_datastore(api: Api) -> None:
    first = api.create_datastore(datastore_name="once", client_token="deploy-42")
    again = api.create_datastore(datastore_name="once", client_token="deploy-42")
    other = api.create_datastore(datastore_name="once")
    assert first.datastore_id == again.datastore_id != other.datastore_id
    assert sorted(d.datastore_name for d in api.iter_datastores()) == ["local-datastore", "once", "once"]


def test_datastores_page_by_key_with_tokens(api: Api) -> None:
    made = [api.create_datastore(datastore_name=f"d{i}").datastore_id for i in range(5)]
    pages = api.iter_datastore_pages(page_size=2)
    assert [len(page.items) for page in pages] == [2, 2, 2]
    assert {d.datastore_id for page in pages for d in page.items} >= set(made)
    assert "+" in (pages[0].next_token or "") and "/" in (pages[0].next_token or "")


def test_image_sets_live_in_their_own_datastore(api: Api, local: LocalHealthImaging) -> None:
    other = active_datastore(api)
    mine = local.add_image_set(patient={"PatientID": "SYN-OTHER"}, datastore_id=other.datastore_id)
    found = api.search_image_sets(other.datastore_id).image_sets_metadata_summaries
    assert [s.image_set_id for s in found] == [mine]
    assert api.search_image_sets(local.datastore_id).image_sets_metadata_summaries == []
    with pytest.raises(hic.ResourceNotFoundException):
        api.get_image_set_metadata(local.datastore_id, mine)
    assert api.get_image_set_metadata(other.datastore_id, mine)["DatastoreID"] == other.datastore_id


# --- import jobs ---------------------------------------------------------------------------------


def test_an_import_job_runs_over_the_clock_and_makes_image_sets(
    api: Api, local: LocalHealthImaging, sdk: Harness
) -> None:
    datastore = active_datastore(api)
    sops = ["2.25.901", "2.25.902", "2.25.903"]
    local.add_dicom_files(
        INPUT,
        [
            SyntheticInstance(key=f"ct-{i}.dcm", patient={"PatientID": "SYN-IMPORT"}, sop_instance_uid=sop)
            for i, sop in enumerate(sops)
        ],
    )
    started = start(api, datastore.datastore_id, job_name="nightly")
    job_id = started.job_id
    assert started.job_status is hic.JobStatus.SUBMITTED

    def status() -> str:
        return str(api.get_dicom_import_job(datastore.datastore_id, job_id).job_properties.job_status)

    assert status() == "SUBMITTED"
    sdk.clock.advance(300)
    assert status() == "IN_PROGRESS"
    assert api.search_image_sets(datastore.datastore_id).image_sets_metadata_summaries == []
    sdk.clock.advance(300)
    job = api.get_dicom_import_job(datastore.datastore_id, job_id).job_properties
    assert (job.job_status, job.job_name, job.data_access_role_arn) == ("COMPLETED", "nightly", ROLE)
    assert job.ended_at is not None and job.submitted_at is not None
    assert (job.ended_at - job.submitted_at).total_seconds() == 600
    (summary,) = api.search_image_sets(datastore.datastore_id).image_sets_metadata_summaries
    assert summary.dicom_tags is not None and summary.dicom_tags.dicom_patient_id == "SYN-IMPORT"
    document = api.get_image_set_metadata(datastore.datastore_id, summary.image_set_id)
    assert [instance.sop_instance_uid for instance in document.iter_instances()] == sops


def test_a_finished_job_writes_its_results_in_the_services_format(
    api: Api, local: LocalHealthImaging, tmp_path: Path
) -> None:
    datastore = active_datastore(api)
    broken = SyntheticInstance(key="broken.dcm", error="DICOM attribute TransferSyntaxUID does not exist")
    files = [*series(2, patient={"PatientID": "SYN-A"}), broken]
    local.add_dicom_files(INPUT, files)
    local.add_dicom_files("s3://synthetic-input/elsewhere/", series(4))  # not under this job's input
    job = api.wait_for_dicom_import_job(datastore.datastore_id, start(api, datastore.datastore_id).job_id)
    folder = local.download_import_output(job.job_id, tmp_path)
    assert folder.name == f"{datastore.datastore_id}-DicomImport-{job.job_id}"
    results = read_import_results(tmp_path)
    summary = results.summary
    assert (summary.job_id, summary.datastore_id) == (job.job_id, datastore.datastore_id)
    assert (summary.number_of_scanned_files, summary.number_of_imported_files) == (3, 2)
    assert (summary.number_of_files_with_customer_error, summary.number_of_generated_image_sets) == (1, 1)
    assert summary.failure_output_s3_uri == f"{OUTPUT}{folder.name}/FAILURE/"
    (made,) = summary.image_sets_summary
    assert (made.number_of_matched_sop_instances, made.is_primary, made.image_set_version) == (2, True, 1)
    assert [f.input_file for f in results.imported] == ["study-1/ct-000.dcm", "study-1/ct-001.dcm"]
    assert {f.image_set_id for f in results.imported} == {made.image_set_id}
    (failed,) = results.failed
    assert (failed.input_file, failed.exception_type) == ("study-1/broken.dcm", "ValidationException")
    assert failed.message == "DICOM attribute TransferSyntaxUID does not exist"
    assert set(local.import_output(job.job_id)) == {
        f"{OUTPUT}{folder.name}/job-output-manifest.json",
        f"{OUTPUT}{folder.name}/SUCCESS/success.ndjson",
        f"{OUTPUT}{folder.name}/FAILURE/failure.ndjson",
    }


def test_series_become_image_sets_and_a_series_imported_again_is_not_primary(
    api: Api, local: LocalHealthImaging
) -> None:
    datastore = active_datastore(api)
    local.add_dicom_files(INPUT, series(2, study_instance_uid="2.25.1", series_instance_uid="2.25.1.1"))
    local.add_dicom_files(INPUT + "b/", series(1, study_instance_uid="2.25.1", series_instance_uid="2.25.1.2"))
    first = api.wait_for_dicom_import_job(datastore.datastore_id, start(api, datastore.datastore_id).job_id)
    second = api.wait_for_dicom_import_job(
        datastore.datastore_id, start(api, datastore.datastore_id, INPUT + "b/").job_id
    )
    found = api.search_image_sets(datastore.datastore_id).image_sets_metadata_summaries
    assert len(found) == 3  # 2 series from the first job, the second again
    assert sorted(s.is_primary for s in found) == [False, True, True]
    assert first.job_status == second.job_status == "COMPLETED"


def test_a_job_that_finds_no_files_fails_with_its_message(api: Api) -> None:
    datastore = active_datastore(api)
    job_id = start(api, datastore.datastore_id, "s3://synthetic-input/empty/").job_id
    with pytest.raises(hic.WaiterError) as caught:
        api.wait_for_dicom_import_job(datastore.datastore_id, job_id)
    assert "No DICOM files were found" in str(caught.value)
    assert caught.value.job_properties is not None and caught.value.job_properties.job_status == "FAILED"
    assert [j.job_status for j in api.iter_dicom_import_jobs(datastore.datastore_id, job_status="FAILED")] == ["FAILED"]


def test_jobs_need_an_active_datastore_and_belong_to_it(api: Api, local: LocalHealthImaging) -> None:
    creating = api.create_datastore()
    with pytest.raises(hic.ConflictException):
        start(api, creating.datastore_id)
    local.add_dicom_files(INPUT, series(1))
    job_id = start(api, local.datastore_id).job_id
    other = api.wait_for_datastore(creating.datastore_id)
    with pytest.raises(hic.ResourceNotFoundException):
        api.get_dicom_import_job(other.datastore_id, job_id)
    assert api.list_dicom_import_jobs(other.datastore_id).job_summaries == []


def test_the_same_client_token_starts_one_job(api: Api, local: LocalHealthImaging) -> None:
    local.add_dicom_files(INPUT, series(1))
    first = start(api, local.datastore_id, client_token="nightly-1")
    again = start(api, local.datastore_id, client_token="nightly-1")
    assert first.job_id == again.job_id
    assert len(api.iter_dicom_import_jobs(local.datastore_id)) == 1


def test_a_json_metadata_import_keeps_its_configuration(api: Api, local: LocalHealthImaging) -> None:
    local.add_dicom_files(INPUT, series(1))
    configuration = hic.ImportConfiguration(
        dicom_json_metadata_import_configuration=hic.DicomJsonMetadataImportConfiguration(
            dicom_metadata_mappings=[hic.DicomMetadataMapping(study_instance_uid="2.25.7", metadata_file_path="m.json")]
        )
    )
    job_id = start(api, local.datastore_id, import_configuration=configuration).job_id
    assert api.get_dicom_import_job(local.datastore_id, job_id).job_properties.import_configuration == configuration


def test_staging_checks_its_input(plain: LocalHealthImaging) -> None:
    local = plain
    with pytest.raises(hic.ParamValidationError):
        local.add_dicom_files("https://bucket/x", series(1))
    with pytest.raises(hic.ParamValidationError):
        local.add_dicom_files(INPUT, [{"key": "x.dcm"}])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="no import job"):
        local.import_output("0" * 32)


# --- tags ----------------------------------------------------------------------------------------


def test_tags_of_datastores_and_image_sets(api: Api, local: LocalHealthImaging) -> None:
    datastore = active_datastore(api, tags={"team": "imaging-ai"})
    arn = datastore.datastore_arn
    assert arn is not None
    assert api.list_tags_for_resource(arn).tags == {"team": "imaging-ai"}
    api.tag_resource(arn, tags={"cost:centre": "42", "team": "radiology"})
    api.untag_resource(arn, tag_keys=["cost:centre", "absent"])
    assert api.list_tags_for_resource(arn).tags == {"team": "radiology"}
    image_set = local.add_image_set(datastore_id=datastore.datastore_id)
    image_set_arn = f"{arn}/imageset/{image_set}"
    api.tag_resource(image_set_arn, tags={"cohort": "synthetic"})
    assert api.list_tags_for_resource(image_set_arn).tags == {"cohort": "synthetic"}
    assert api.list_tags_for_resource(arn).tags == {"team": "radiology"}
    with pytest.raises(hic.ResourceNotFoundException):
        api.list_tags_for_resource(f"{arn}/imageset/{'0' * 32}")
    with pytest.raises(hic.ResourceNotFoundException):
        api.tag_resource(arn.replace(datastore.datastore_id, "f" * 32), tags={"k": "v"})


# --- the wire --------------------------------------------------------------------------------------


def raw(local: LocalHealthImaging, method: str, path: str, query: str = "", body: bytes = b"") -> httpx.Response:
    """The emulator's answer to a request signed by botocore's signer (input the SDK would refuse to send)."""
    url = f"{local.endpoint_url}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method, url, data=body, headers={"Content-Type": "application/json"} if body else {})
    SigV4Auth(
        Credentials(local.aws_access_key_id, local.aws_secret_access_key), "medical-imaging", "us-east-1"
    ).add_auth(request)
    with httpx.Client(transport=local.transport) as http:
        return http.request(method, url, headers=dict(request.headers.items()), content=body)


def test_routes_by_method_and_path(plain: LocalHealthImaging) -> None:
    local = plain
    assert raw(local, "GET", "/datastore").status_code == 200
    assert raw(local, "PUT", "/datastore").status_code == 405
    assert raw(local, "GET", f"/datastore/{local.datastore_id}/searchImageSets").status_code == 405
    assert raw(local, "GET", "/datastores").status_code == 404
    assert raw(local, "GET", f"/getDICOMImportJob/datastore/{local.datastore_id}/job/NOT-A-JOB").status_code == 400
    arn = f"arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F{local.datastore_id}"
    assert raw(local, "GET", f"/tags/{arn}").json() == {"tags": {}}


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("POST", "/datastore", "", b'{"datastoreName": "x"}'),  # no clientToken
        ("POST", "/datastore", "", b'{"clientToken": "t", "tags": {"aws:owner": "SYN-SECRET"}}'),
        ("GET", "/datastore", "datastoreStatus=RUNNING", b""),
        ("GET", "/datastore", "maxResults=51", b""),
        ("DELETE", "/tags/TAG-ARN", "tagKeys=aws%3Ax", b""),
        ("POST", "/startDICOMImportJob/datastore/DS", "", b'{"clientToken": "t", "inputS3Uri": "s3://SYN-SECRET/"}'),
        (
            "POST",
            "/startDICOMImportJob/datastore/DS",
            "",
            json.dumps(
                {
                    "clientToken": "t",
                    "dataAccessRoleArn": ROLE,
                    "inputS3Uri": INPUT,
                    "outputS3Uri": OUTPUT,
                    "importConfiguration": {"dicomJsonMetadataImportConfiguration": {"dicomMetadataMappings": []}},
                }
            ).encode(),
        ),
    ],
)
def test_the_core_validates_the_new_operations_by_the_sdks_rules(
    plain: LocalHealthImaging, method: str, path: str, query: str, body: bytes
) -> None:
    local = plain
    arn = f"arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F{local.datastore_id}"
    answer = raw(local, method, path.replace("TAG-ARN", arn).replace("DS", local.datastore_id), query, body)
    assert answer.status_code == 400 and answer.headers["x-amzn-ErrorType"].startswith("ValidationException:")
    assert b"SYN-SECRET" not in answer.content


def test_boto3_drives_the_new_operations_on_the_loopback_server(plain: LocalHealthImaging) -> None:
    """botocore's own serializer and signer (the ARN double-encoded in the canonical path) meet the emulator."""
    local = plain
    local.add_dicom_files(INPUT, series(2))
    with local.serve() as endpoint_url:
        boto = boto3.client(
            "medical-imaging",
            endpoint_url=endpoint_url,
            region_name=local.region_name,
            aws_access_key_id=local.aws_access_key_id,
            aws_secret_access_key=local.aws_secret_access_key,
            config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
        )
        created = boto.create_datastore(datastoreName="from-boto3", tags={"k": "v"})
        arn = boto.get_datastore(datastoreId=created["datastoreId"])["datastoreProperties"]["datastoreArn"]
        boto.untag_resource(resourceArn=arn, tagKeys=["k"])
        boto.tag_resource(resourceArn=arn, tags={"a:b/c": "d"})
        assert boto.list_tags_for_resource(resourceArn=arn)["tags"] == {"a:b/c": "d"}
        job = boto.start_dicom_import_job(
            datastoreId=local.datastore_id, dataAccessRoleArn=ROLE, inputS3Uri=INPUT, outputS3Uri=OUTPUT
        )
        got = boto.get_dicom_import_job(datastoreId=local.datastore_id, jobId=job["jobId"])["jobProperties"]
        assert got["jobStatus"] == "COMPLETED"
        assert [d["datastoreName"] for d in boto.list_datastores(datastoreStatus="ACTIVE")["datastoreSummaries"]] == [
            "local-datastore",
            "from-boto3",
        ]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_create_retried_after_a_lost_answer_makes_one_datastore(kind: str) -> None:
    """The first attempt is applied, but its answer comes too late; the retry sends the same token."""
    local = LocalHealthImaging(seed=5)
    local.delay_responses(0.5, operation="CreateDatastore")
    with local.serve() as endpoint_url:
        config = local.client_config(endpoint_url) | {"timeout": 0.2, "retry": FAST}
        if kind == "sync":
            with hic.Client(**config) as client:
                with pytest.raises(hic.TimeoutError) as caught:
                    client.create_datastore(datastore_name="once")
                local.delay_responses(0, operation="CreateDatastore")
                names = [d.datastore_name for d in client.iter_datastores()]
        else:
            import asyncio

            async def run() -> tuple[pytest.ExceptionInfo[hic.TimeoutError], list[str]]:
                async with hic.AsyncClient(**config) as client:
                    with pytest.raises(hic.TimeoutError) as caught:
                        await client.create_datastore(datastore_name="once")
                    local.delay_responses(0, operation="CreateDatastore")
                    return caught, [d.datastore_name async for d in client.iter_datastores()]

            caught, names = asyncio.run(run())
    assert caught.value.attempts == 3  # every attempt reached the emulator and was applied ...
    assert names.count("once") == 1  # ... once, since all three sent the call's one token


def test_a_datastore_is_deleted_once_its_imported_image_sets_are(plain: LocalHealthImaging) -> None:
    """GetImageSet and DeleteImageSet reach the image sets of the datastore in the path, as the others do."""
    local = plain
    local.add_dicom_files(INPUT, series(2))
    with local.client(retry=FAST) as client:
        datastore = client.wait_for_datastore(client.create_datastore().datastore_id)
        job = client.start_dicom_import_job(
            datastore.datastore_id, data_access_role_arn=ROLE, input_s3_uri=INPUT, output_s3_uri=OUTPUT
        )
        client.wait_for_dicom_import_job(datastore.datastore_id, job.job_id)
        (made,) = client.search_image_sets(datastore.datastore_id).image_sets_metadata_summaries
        path = f"/datastore/{datastore.datastore_id}/imageSet/{made.image_set_id}"
        assert raw(local, "POST", f"{path}/getImageSet").json()["datastoreId"] == datastore.datastore_id
        assert (
            raw(local, "POST", f"/datastore/{local.datastore_id}/imageSet/{made.image_set_id}/getImageSet").status_code
            == 404
        )
        with pytest.raises(hic.ConflictException):
            client.delete_datastore(datastore.datastore_id)
        assert raw(local, "POST", f"{path}/deleteImageSet").status_code == 200
        assert client.delete_datastore(datastore.datastore_id).datastore_status == "DELETING"
