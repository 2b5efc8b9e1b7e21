"""Datastores, import jobs and tags on both clients (respx): typed outputs, typed errors, idempotency tokens
reused across retries, paginators, waiters, and signatures over percent-encoded ARNs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import botocore
import botocore.session
import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client._wire.service_errors import service_error
from healthimaging_client.testing._sigv4 import verify

from .conftest import DATASTORE_ID, SECRET_KEY, Harness

SERVICE = botocore.session.get_session().get_service_model("medical-imaging")
HOST = "https://medical-imaging.us-east-1.amazonaws.com"
JOB_ID = "fedcba9876543210fedcba9876543210"
ROLE = "arn:aws:iam::123456789012:role/ImportRole"
ARN = f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{DATASTORE_ID}"
START = {"data_access_role_arn": ROLE, "input_s3_uri": "s3://in-bucket/dicom/", "output_s3_uri": "s3://out-bucket/"}


def datastore(status: str, **extra: Any) -> dict[str, Any]:
    return {"datastoreId": DATASTORE_ID, "datastoreName": "synthetic", "datastoreStatus": status, **extra}


def job(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "jobId": JOB_ID,
        "jobName": "nightly",
        "jobStatus": status,
        "datastoreId": DATASTORE_ID,
        "dataAccessRoleArn": ROLE,
        "inputS3Uri": START["input_s3_uri"],
        "outputS3Uri": START["output_s3_uri"],
        **extra,
    }


# --- outputs -----------------------------------------------------------------------------------


def test_datastore_outputs_are_typed_with_the_newer_members(sdk: Harness) -> None:
    properties = datastore(
        "ACTIVE",
        datastoreArn=ARN,
        kmsKeyArn="arn:aws:kms:us-east-1:123456789012:alias/imaging",
        lambdaAuthorizerArn="arn:aws:lambda:us-east-1:123456789012:function:auth",
        losslessStorageFormat="JPEG_2000_LOSSLESS",
        createdAt=1700000000.25,
        updatedAt="2024-01-02T03:04:05Z",
    )
    with respx.mock:
        respx.get(f"{HOST}/datastore/{DATASTORE_ID}").respond(json={"datastoreProperties": properties})
        out = sdk.run(sdk.client().get_datastore(DATASTORE_ID))
    got = out.datastore_properties
    assert got.datastore_status is hic.DatastoreStatus.ACTIVE
    assert got.lossless_storage_format is hic.LosslessStorageFormat.JPEG_2000_LOSSLESS
    assert got.lambda_authorizer_arn and got.lambda_authorizer_arn.endswith(":function:auth")
    assert got.kms_key_arn and got.datastore_arn == ARN
    assert got.created_at == datetime(2023, 11, 14, 22, 13, 20, 250000, tzinfo=UTC)
    assert got.updated_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_unknown_enum_values_stay_strings(sdk: Harness) -> None:
    with respx.mock:
        respx.get(f"{HOST}/datastore").respond(
            json={"datastoreSummaries": [datastore("ARCHIVING", losslessStorageFormat="JPEG_XL")]}
        )
        out = sdk.run(sdk.client().list_datastores())
    assert out.datastore_summaries[0].datastore_status == "ARCHIVING"
    assert out.next_token is None


def test_import_job_outputs_are_typed(sdk: Harness) -> None:
    configuration = {
        "dicomJsonMetadataImportConfiguration": {
            "dicomMetadataMappings": [{"studyInstanceUID": "1.2.3", "metadataFilePath": "m.json"}]
        }
    }
    with respx.mock:
        respx.post(f"{HOST}/startDICOMImportJob/datastore/{DATASTORE_ID}").respond(
            json={"datastoreId": DATASTORE_ID, "jobId": JOB_ID, "jobStatus": "SUBMITTED", "submittedAt": 1700000000}
        )
        respx.get(f"{HOST}/getDICOMImportJob/datastore/{DATASTORE_ID}/job/{JOB_ID}").respond(
            json={
                "jobProperties": job(
                    "FAILED", message="Access denied to the input bucket", importConfiguration=configuration
                )
            }
        )
        client = sdk.client()
        started = sdk.run(client.start_dicom_import_job(DATASTORE_ID, **START))
        got = sdk.run(client.get_dicom_import_job(DATASTORE_ID, JOB_ID)).job_properties
    assert started.job_status is hic.JobStatus.SUBMITTED and started.job_id == JOB_ID
    assert got.job_status is hic.JobStatus.FAILED and got.message == "Access denied to the input bucket"
    assert got.import_configuration is not None
    mappings = got.import_configuration.dicom_json_metadata_import_configuration
    assert mappings is not None and mappings.dicom_metadata_mappings[0].study_instance_uid == "1.2.3"
    assert "1.2.3" not in repr(got)  # the model marks the UIDs sensitive


def test_tags_round_trip(sdk: Harness) -> None:
    path = f"{HOST}/tags/{ARN.replace(':', '%3A').replace('/', '%2F')}"
    with respx.mock:
        tag = respx.post(path).respond(json={})
        untag = respx.delete(path).respond(status_code=200)  # an empty body is an empty output too
        respx.get(path).respond(json={"tags": {"project": "synthetic"}})
        client = sdk.client()
        assert sdk.run(client.tag_resource(ARN, tags={"project": "synthetic"})) is None
        assert sdk.run(client.untag_resource(ARN, tag_keys=["a", "b"])) is None
        listed = sdk.run(client.list_tags_for_resource(ARN))
    assert json.loads(tag.calls[0].request.content) == {"tags": {"project": "synthetic"}}
    assert untag.calls[0].request.url.params.get_list("tagKeys") == ["a", "b"]
    assert listed.tags == {"project": "synthetic"}


@pytest.mark.parametrize(
    ("method", "url", "call", "body"),
    [
        ("GET", f"{HOST}/datastore/{DATASTORE_ID}", lambda c: c.get_datastore(DATASTORE_ID), b"<html>502</html>"),
        ("GET", f"{HOST}/datastore", lambda c: c.list_datastores(), b'{"datastoreSummaries": [{"datastoreId": 7}]}'),
        ("POST", f"{HOST}/tags/x", lambda c: c.tag_resource(ARN, tags={}), b"[]"),
        ("DELETE", f"{HOST}/datastore/{DATASTORE_ID}", lambda c: c.delete_datastore(DATASTORE_ID), b"{}"),
    ],
)
def test_an_unreadable_2xx_body_is_a_typed_error(sdk: Harness, method: str, url: str, call: Any, body: bytes) -> None:
    with respx.mock:
        respx.route(method=method, url__startswith=url.split("/x")[0]).respond(200, content=body)
        with pytest.raises(hic.InvalidResponseError) as caught:
            sdk.run(call(sdk.client()))
    assert caught.value.operation is not None


# --- errors ------------------------------------------------------------------------------------

NEW_OPERATIONS = [op for op in ops.Operation if not SERVICE.operation_model(op).endpoint]


def test_the_ten_operations_have_no_host_prefix() -> None:
    assert len(NEW_OPERATIONS) == 10


@pytest.mark.parametrize("operation", [op for op in ops.Operation if hasattr(hic.Client, botocore.xform_name(op))])
def test_every_error_the_model_names_has_its_typed_class(operation: ops.Operation) -> None:
    """For every operation the clients have: a new error code in the model fails here until it has its class."""
    for shape in SERVICE.operation_model(operation).error_shapes:
        status = shape.metadata["error"]["httpStatusCode"]
        headers = {"x-amzn-ErrorType": f"{shape.name}:http://internal.amazon.com/", "x-amzn-RequestId": "req-1"}
        error = service_error(operation, status, httpx.Headers(headers), b'{"message": "synthetic"}')
        assert type(error).__name__ == shape.name, (operation, shape.name)
        assert getattr(hic, shape.name) is type(error)
        assert (error.status_code, error.operation, error.request_id) == (status, operation, "req-1")


@pytest.mark.parametrize(
    ("status", "code", "cls", "call"),
    [
        (409, "ConflictException", hic.ConflictException, lambda c: c.delete_datastore(DATASTORE_ID)),
        (402, "ServiceQuotaExceededException", hic.ServiceQuotaExceededException, lambda c: c.create_datastore()),
        (
            402,
            "ServiceQuotaExceededException",
            hic.ServiceQuotaExceededException,
            lambda c: c.start_dicom_import_job(DATASTORE_ID, **START),
        ),
        (404, "ResourceNotFoundException", hic.ResourceNotFoundException, lambda c: c.list_tags_for_resource(ARN)),
        (403, "AccessDeniedException", hic.AccessDeniedException, lambda c: c.get_dicom_import_job(DATASTORE_ID, "1")),
    ],
)
def test_errors_of_the_new_operations_are_typed(sdk: Harness, status: int, code: str, cls: type, call: Any) -> None:
    with respx.mock:
        respx.route(url__startswith=HOST).respond(
            status, headers={"x-amzn-ErrorType": code}, json={"message": "datastore has image sets"}
        )
        with pytest.raises(cls) as caught:
            sdk.run(call(sdk.client()))
    assert caught.value.attempts == 1  # not retried


# --- idempotency -------------------------------------------------------------------------------

WRITES = {
    "CreateDatastore": (
        lambda c, **kw: c.create_datastore(datastore_name="synthetic", **kw),
        {"datastoreId": DATASTORE_ID, "datastoreStatus": "CREATING"},
    ),
    "StartDICOMImportJob": (
        lambda c, **kw: c.start_dicom_import_job(DATASTORE_ID, **START, **kw),
        {"datastoreId": DATASTORE_ID, "jobId": JOB_ID, "jobStatus": "SUBMITTED", "submittedAt": 1700000000},
    ),
}


def _tokens(route: respx.Route) -> list[str]:
    return [json.loads(call.request.content)["clientToken"] for call in route.calls]


@pytest.mark.parametrize("operation", list(WRITES))
def test_retries_of_one_call_send_its_token_and_two_calls_send_two(sdk: Harness, operation: str) -> None:
    write, answer = WRITES[operation]
    client = sdk.client()
    with respx.mock:
        route = respx.post(url__startswith=HOST).mock(
            side_effect=[
                httpx.Response(500, json={}),
                httpx.ConnectError("reset"),
                httpx.Response(200, json=answer),
                httpx.Response(503, json={}),
                httpx.Response(200, json=answer),
            ]
        )
        sdk.run(write(client))
        sdk.run(write(client))
    first, retried, retried_again, second, second_retried = _tokens(route)
    assert first == retried == retried_again
    assert second == second_retried
    assert first != second


@pytest.mark.parametrize("operation", list(WRITES))
def test_a_token_of_your_own_is_sent_as_it_is(sdk: Harness, operation: str) -> None:
    write, answer = WRITES[operation]
    with respx.mock:
        route = respx.post(url__startswith=HOST).respond(json=answer)
        sdk.run(write(sdk.client(), client_token="nightly-2024-01-01.run_1"))
        sdk.run(write(sdk.client(), client_token="nightly-2024-01-01.run_1"))
    assert _tokens(route) == ["nightly-2024-01-01.run_1"] * 2


def test_the_call_says_it_is_idempotent_by_its_token() -> None:
    created = ops.create_datastore()
    started = ops.start_dicom_import_job(DATASTORE_ID, **START)
    for call in (created, started):
        assert call.body is not None
        assert call.idempotency_token == json.loads(call.body)["clientToken"]
        assert len(call.idempotency_token) == 36  # a UUID, as botocore makes
    assert ops.get_datastore(DATASTORE_ID).idempotency_token is None
    assert ops.create_datastore().idempotency_token != created.idempotency_token


# --- paginators --------------------------------------------------------------------------------


def test_datastores_page_with_the_status_filter_and_resume(sdk: Harness) -> None:
    pages = [
        {"datastoreSummaries": [datastore("ACTIVE"), datastore("ACTIVE")], "nextToken": "t+1/="},
        {"datastoreSummaries": [datastore("ACTIVE")]},
    ]
    with respx.mock:
        route = respx.get(f"{HOST}/datastore").mock(side_effect=[httpx.Response(200, json=p) for p in pages])
        found = sdk.collect(sdk.client().iter_datastores(datastore_status="ACTIVE", page_size=2))
    assert len(found) == 3 and all(isinstance(s, hic.DatastoreSummary) for s in found)
    params = [call.request.url.params for call in route.calls]
    assert [p.get("datastoreStatus") for p in params] == ["ACTIVE", "ACTIVE"]
    assert [p.get("nextToken") for p in params] == [None, "t+1/="]
    assert route.calls[1].request.url.raw_path.decode().endswith("nextToken=t%2B1%2F%3D&maxResults=2")


def test_import_jobs_page_and_stop_at_max_items(sdk: Harness) -> None:
    with respx.mock:
        route = respx.get(f"{HOST}/listDICOMImportJobs/datastore/{DATASTORE_ID}").respond(
            json={"jobSummaries": [job("COMPLETED"), job("FAILED")], "nextToken": "more"}
        )
        pages = sdk.collect(sdk.client().iter_dicom_import_job_pages(DATASTORE_ID, job_status="FAILED", max_items=1))
    assert route.call_count == 1 and route.calls[0].request.url.params["jobStatus"] == "FAILED"
    assert [len(p.items) for p in pages] == [1]
    assert pages[0].next_token is not None and pages[0].next_token.startswith("hic1:")  # resumes mid-page


def test_a_repeated_token_stops_the_paginator(sdk: Harness) -> None:
    with respx.mock:
        respx.get(f"{HOST}/datastore").respond(json={"datastoreSummaries": [datastore("ACTIVE")], "nextToken": "same"})
        with pytest.raises(hic.PaginationError):
            sdk.collect(sdk.client().iter_datastores())


# --- waiters -----------------------------------------------------------------------------------


def _get_datastore(*statuses: str) -> list[httpx.Response]:
    return [httpx.Response(200, json={"datastoreProperties": datastore(s)}) for s in statuses]


def _get_job(*answers: dict[str, Any]) -> list[httpx.Response]:
    return [httpx.Response(200, json={"jobProperties": a}) for a in answers]


def test_wait_for_datastore_until_active(sdk: Harness) -> None:
    with respx.mock:
        route = respx.get(f"{HOST}/datastore/{DATASTORE_ID}").mock(
            side_effect=_get_datastore("CREATING", "CREATING", "ACTIVE")
        )
        done = sdk.run(sdk.client().wait_for_datastore(DATASTORE_ID, poll_interval=4))
    assert done.datastore_status is hic.DatastoreStatus.ACTIVE
    assert route.call_count == 3 and sdk.clock.sleeps == [4, 4]


def test_wait_for_datastore_until_deleted(sdk: Harness) -> None:
    with respx.mock:
        respx.get(f"{HOST}/datastore/{DATASTORE_ID}").mock(side_effect=_get_datastore("ACTIVE", "DELETING", "DELETED"))
        done = sdk.run(sdk.client().wait_for_datastore(DATASTORE_ID, status="DELETED"))
    assert done.datastore_status == "DELETED" and sdk.clock.sleeps == [10.0, 10.0]


@pytest.mark.parametrize("final", ["CREATE_FAILED", "DELETING"])
def test_a_datastore_that_will_not_become_active_raises(sdk: Harness, final: str) -> None:
    with respx.mock:
        respx.get(f"{HOST}/datastore/{DATASTORE_ID}").mock(side_effect=_get_datastore("CREATING", final))
        with pytest.raises(hic.WaiterError) as caught:
            sdk.run(sdk.client().wait_for_datastore(DATASTORE_ID))
    assert not isinstance(caught.value, hic.WaiterTimeoutError)
    assert final in str(caught.value) and caught.value.operation == "GetDatastore"
    assert caught.value.datastore_properties is not None
    assert caught.value.datastore_properties.datastore_status == final


def test_wait_for_datastore_times_out_with_the_last_status(sdk: Harness) -> None:
    with respx.mock:
        route = respx.get(f"{HOST}/datastore/{DATASTORE_ID}").respond(
            json={"datastoreProperties": datastore("CREATING")}
        )
        with pytest.raises(hic.WaiterTimeoutError) as caught:
            sdk.run(sdk.client().wait_for_datastore(DATASTORE_ID, timeout=25, poll_interval=10))
    assert route.call_count == 4 and sdk.clock.sleeps == [10, 10, 5]
    assert "CREATING" in str(caught.value) and "25 s" in str(caught.value)


def test_wait_for_import_job_until_completed(sdk: Harness) -> None:
    with respx.mock:
        respx.get(f"{HOST}/getDICOMImportJob/datastore/{DATASTORE_ID}/job/{JOB_ID}").mock(
            side_effect=_get_job(job("SUBMITTED"), job("IN_PROGRESS"), job("COMPLETED", endedAt=1700000100))
        )
        done = sdk.run(sdk.client().wait_for_dicom_import_job(DATASTORE_ID, JOB_ID, poll_interval=1))
    assert done.job_status is hic.JobStatus.COMPLETED and done.ended_at is not None
    assert sdk.clock.sleeps == [1, 1]


def test_a_failed_import_job_raises_with_its_message(sdk: Harness) -> None:
    with respx.mock:
        respx.get(f"{HOST}/getDICOMImportJob/datastore/{DATASTORE_ID}/job/{JOB_ID}").mock(
            side_effect=_get_job(job("IN_PROGRESS"), job("FAILED", message="Input S3 bucket is not accessible"))
        )
        with pytest.raises(hic.WaiterError) as caught:
            sdk.run(sdk.client().wait_for_dicom_import_job(DATASTORE_ID, JOB_ID))
    assert "FAILED: Input S3 bucket is not accessible" in str(caught.value)
    assert caught.value.job_properties is not None and caught.value.job_properties.job_id == JOB_ID
    assert caught.value.operation == "GetDICOMImportJob"


def test_throttled_polls_slow_down(sdk: Harness) -> None:
    throttled = httpx.Response(429, headers={"x-amzn-ErrorType": "ThrottlingException"}, json={})
    with respx.mock:
        respx.get(f"{HOST}/getDICOMImportJob/datastore/{DATASTORE_ID}/job/{JOB_ID}").mock(
            side_effect=[throttled, *_get_job(job("IN_PROGRESS"), job("COMPLETED"))]
        )
        client = sdk.client(retry=hic.RetryConfig(max_attempts=1))
        sdk.run(client.wait_for_dicom_import_job(DATASTORE_ID, JOB_ID, poll_interval=2))
    assert sdk.clock.sleeps == [4, 2]


@pytest.mark.parametrize("kwargs", [{"status": "CREATING"}, {"timeout": -1}, {"poll_interval": 0}, {"timeout": "soon"}])
def test_wait_for_datastore_checks_its_arguments(sdk: Harness, kwargs: dict[str, Any]) -> None:
    with pytest.raises(hic.ParamValidationError):
        sdk.run(sdk.client().wait_for_datastore(DATASTORE_ID, **kwargs))


# --- signing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.untag_resource(f"{ARN}/imageset/{JOB_ID}", tag_keys=["a:b", "c+d=e/f"]),
        lambda c: c.list_datastores(datastore_status="DELETED", next_token="a b+c/d="),
        lambda c: c.create_datastore(tags={"k": "välue"}),
    ],
    ids=["untag", "list", "create"],
)
def test_every_request_is_signed_over_what_is_sent(sdk: Harness, call: Any) -> None:
    """The ARN's ``%3A`` and ``%2F`` are encoded again in the canonical request, as SigV4 says for this service."""
    with respx.mock:
        route = respx.route(url__startswith=HOST).respond(500)
        with pytest.raises(hic.InternalServerException):
            sdk.run(call(sdk.client(retry=hic.RetryConfig(max_attempts=1))))
    request = route.calls[0].request
    raw_path, _, raw_query = request.url.raw_path.decode().partition("?")
    problem = verify(
        method=request.method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=request.headers,
        body=request.content,
        secret_for=lambda key: SECRET_KEY,
    )
    assert problem is None
