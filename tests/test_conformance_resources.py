"""Datastore, import-job and tag requests equal the ones botocore builds from the installed service model,
and every one of the model's operations goes to the host botocore's endpoint rules give it.

As in ``test_conformance``: boto3's own client prepares each request (captured before it would be sent),
ours goes to respx; method, host, path, query (pairs sorted), content type and JSON body must match.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore
import botocore.session
import httpx
import pytest
import respx
from botocore.config import Config
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client._endpoints import resolve_endpoint
from healthimaging_client._masking import Masked

from .conftest import DATASTORE_ID, IMAGE_SET_ID, REGION, client_kwargs
from .test_conformance import _RESPONSES, TOKEN, _query_pairs, _split
from .test_properties import CLIENT_CALLS

SERVICE = botocore.session.get_session().get_service_model("medical-imaging")
JOB_ID = "0123456789abcdef0123456789abcdef"
ROLE = "arn:aws:iam::123456789012:role/ImportRole"
DATASTORE_ARN = f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{DATASTORE_ID}"
IMAGE_SET_ARN = f"{DATASTORE_ARN}/imageset/{IMAGE_SET_ID}"
CHINA_ARN = f"arn:aws-cn:medical-imaging:cn-north-1:123456789012:datastore/{DATASTORE_ID}"
KMS = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789abc"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:authorize-imaging:$LATEST"
TOKEN_A = "token-a.1_2"

PROPERTIES = {"datastoreId": DATASTORE_ID, "datastoreName": "d", "datastoreStatus": "ACTIVE"}
JOB = {
    "jobId": JOB_ID,
    "jobName": "j",
    "jobStatus": "COMPLETED",
    "datastoreId": DATASTORE_ID,
    "dataAccessRoleArn": ROLE,
    "inputS3Uri": "s3://in-bucket/in/",
    "outputS3Uri": "s3://out-bucket/out/",
}
RESPONSES: dict[str, dict[str, Any]] = {
    "CreateDatastore": {"datastoreId": DATASTORE_ID, "datastoreStatus": "CREATING"},
    "GetDatastore": {"datastoreProperties": PROPERTIES},
    "ListDatastores": {"datastoreSummaries": []},
    "DeleteDatastore": {"datastoreId": DATASTORE_ID, "datastoreStatus": "DELETING"},
    "StartDICOMImportJob": {
        "datastoreId": DATASTORE_ID,
        "jobId": JOB_ID,
        "jobStatus": "SUBMITTED",
        "submittedAt": 1700000000.5,
    },
    "GetDICOMImportJob": {"jobProperties": JOB},
    "ListDICOMImportJobs": {"jobSummaries": []},
    "TagResource": {},
    "UntagResource": {},
    "ListTagsForResource": {"tags": {}},
}


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        self.request = request


def boto_client(**config: Any) -> Any:
    client = boto3.client(
        "medical-imaging",
        region_name=config.pop("region_name", REGION),
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, **config),
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send.medical-imaging.*", capture)
    return client


def botocore_request(client: Any, operation: str, params: dict[str, Any]) -> Any:
    with pytest.raises(_Captured) as caught:
        getattr(client, botocore.xform_name(operation))(**params)
    return caught.value.request


def ours_request(operation: str, call: Callable[[hic.Client], object], **overrides: Any) -> httpx.Request:
    with respx.mock() as mock, hic.Client(**client_kwargs(**overrides)) as client:
        answer = _RESPONSES.get(operation) or httpx.Response(200, json=RESPONSES[operation])
        route = mock.route(url__regex=".*").mock(return_value=answer)
        call(client)
        assert route.call_count == 1
        return route.calls[0].request


def assert_same_request(operation: str, boto_params: dict[str, Any], call: Callable[[hic.Client], object]) -> None:
    theirs = botocore_request(boto_client(), operation, boto_params)
    ours = ours_request(operation, call)
    assert ours.method == theirs.method == SERVICE.operation_model(operation).http["method"]
    their_host, their_path, their_query = _split(theirs.url)
    our_host, our_path, our_query = _split(str(ours.url))
    assert (our_host, our_path) == (their_host, their_path)
    assert _query_pairs(our_query) == _query_pairs(their_query)
    their_body = theirs.body or b""
    if isinstance(their_body, str):
        their_body = their_body.encode()
    their_type = theirs.headers.get("Content-Type")
    if their_body:
        assert ours.headers.get("content-type") == (
            their_type.decode() if isinstance(their_type, bytes) else their_type
        )
        assert json.loads(ours.content) == json.loads(their_body)
    else:
        assert ours.content == b""
        assert ours.headers.get("content-type") is None


# --- datastores ------------------------------------------------------------------------------

CREATE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("token only", {"clientToken": TOKEN_A}, {"client_token": TOKEN_A}),
    (
        "every member",
        {
            "datastoreName": "Imaging/Prod#1._-",
            "clientToken": TOKEN_A,
            "tags": {"team": "radiology", "cost:centre/x+y=z": "", "env": "prød ü"},
            "kmsKeyArn": KMS,
            "lambdaAuthorizerArn": LAMBDA,
            "losslessStorageFormat": "JPEG_2000_LOSSLESS",
        },
        {
            "datastore_name": "Imaging/Prod#1._-",
            "client_token": TOKEN_A,
            "tags": {"team": "radiology", "cost:centre/x+y=z": "", "env": "prød ü"},
            "kms_key_arn": KMS,
            "lambda_authorizer_arn": LAMBDA,
            "lossless_storage_format": hic.LosslessStorageFormat.JPEG_2000_LOSSLESS,
        },
    ),
    (
        "alias key and HTJ2K as a string",
        {
            "clientToken": TOKEN_A,
            "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:alias/imaging",
            "losslessStorageFormat": "HTJ2K",
        },
        {
            "client_token": TOKEN_A,
            "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:alias/imaging",
            "lossless_storage_format": "HTJ2K",
        },
    ),
]


@pytest.mark.parametrize(("boto", "ours"), [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES])
def test_create_datastore_matches_botocore(boto: dict[str, Any], ours: dict[str, Any]) -> None:
    assert_same_request("CreateDatastore", boto, lambda c: c.create_datastore(**ours))


def test_get_and_delete_datastore_match_botocore() -> None:
    assert_same_request("GetDatastore", {"datastoreId": DATASTORE_ID}, lambda c: c.get_datastore(DATASTORE_ID))
    assert_same_request("DeleteDatastore", {"datastoreId": DATASTORE_ID}, lambda c: c.delete_datastore(DATASTORE_ID))


@pytest.mark.parametrize(
    ("status", "max_results", "token"),
    [(None, None, None), ("ACTIVE", None, None), (hic.DatastoreStatus.DELETED, 50, TOKEN), (None, 1, "a b+c")],
)
def test_list_datastores_matches_botocore(status: Any, max_results: int | None, token: str | None) -> None:
    boto = {"datastoreStatus": status, "maxResults": max_results, "nextToken": token}
    assert_same_request(
        "ListDatastores",
        {k: str(v) if k == "datastoreStatus" else v for k, v in boto.items() if v is not None},
        lambda c: c.list_datastores(datastore_status=status, max_results=max_results, next_token=token),
    )


# --- import jobs -----------------------------------------------------------------------------

MAPPINGS = [
    hic.DicomMetadataMapping(study_instance_uid="1.2.3", metadata_file_path="meta/study 1.json"),
    hic.DicomMetadataMapping(
        study_instance_uid="1.2.3", series_instance_uid="1.2.3.4", metadata_file_path="meta/series.json"
    ),
]
START_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "required members",
        {
            "dataAccessRoleArn": ROLE,
            "clientToken": TOKEN_A,
            "inputS3Uri": "s3://in-bucket/",
            "outputS3Uri": "s3://out-bucket/o/",
        },
        {
            "data_access_role_arn": ROLE,
            "client_token": TOKEN_A,
            "input_s3_uri": "s3://in-bucket/",
            "output_s3_uri": "s3://out-bucket/o/",
        },
    ),
    (
        "name, owner and a JSON metadata import",
        {
            "jobName": "nightly/2024-01-01#1",
            "dataAccessRoleArn": ROLE,
            "clientToken": TOKEN_A,
            "inputS3Uri": "s3://in.bucket-1/studies/ü/",
            "outputS3Uri": "s3://out-bucket/o/",
            "inputOwnerAccountId": "210987654321",
            "importConfiguration": {
                "dicomJsonMetadataImportConfiguration": {
                    "dicomMetadataMappings": [
                        {"studyInstanceUID": "1.2.3", "metadataFilePath": "meta/study 1.json"},
                        {
                            "studyInstanceUID": "1.2.3",
                            "seriesInstanceUID": "1.2.3.4",
                            "metadataFilePath": "meta/series.json",
                        },
                    ]
                }
            },
        },
        {
            "job_name": "nightly/2024-01-01#1",
            "data_access_role_arn": ROLE,
            "client_token": TOKEN_A,
            "input_s3_uri": "s3://in.bucket-1/studies/ü/",
            "output_s3_uri": "s3://out-bucket/o/",
            "input_owner_account_id": "210987654321",
            "import_configuration": hic.ImportConfiguration(
                dicom_json_metadata_import_configuration=hic.DicomJsonMetadataImportConfiguration(
                    dicom_metadata_mappings=MAPPINGS
                )
            ),
        },
    ),
]


@pytest.mark.parametrize(("boto", "ours"), [c[1:] for c in START_CASES], ids=[c[0] for c in START_CASES])
def test_start_dicom_import_job_matches_botocore(boto: dict[str, Any], ours: dict[str, Any]) -> None:
    assert_same_request(
        "StartDICOMImportJob",
        {"datastoreId": DATASTORE_ID, **boto},
        lambda c: c.start_dicom_import_job(DATASTORE_ID, **ours),
    )


def test_get_dicom_import_job_matches_botocore() -> None:
    assert_same_request(
        "GetDICOMImportJob",
        {"datastoreId": DATASTORE_ID, "jobId": JOB_ID},
        lambda c: c.get_dicom_import_job(DATASTORE_ID, JOB_ID),
    )


@pytest.mark.parametrize(
    ("status", "max_results", "token"),
    [(None, None, None), ("FAILED", 10, TOKEN), (hic.JobStatus.IN_PROGRESS, None, None)],
)
def test_list_dicom_import_jobs_matches_botocore(status: Any, max_results: int | None, token: str | None) -> None:
    boto = {"jobStatus": None if status is None else str(status), "maxResults": max_results, "nextToken": token}
    assert_same_request(
        "ListDICOMImportJobs",
        {"datastoreId": DATASTORE_ID, **{k: v for k, v in boto.items() if v is not None}},
        lambda c: c.list_dicom_import_jobs(DATASTORE_ID, job_status=status, max_results=max_results, next_token=token),
    )


# --- tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("arn", [DATASTORE_ARN, IMAGE_SET_ARN, CHINA_ARN], ids=["datastore", "image set", "china"])
def test_tag_operations_match_botocore(arn: str) -> None:
    tags = {"project": "synthetic", "a:b/c+d=e.f_g": "v=1&2", "empty": ""}
    assert_same_request("TagResource", {"resourceArn": arn, "tags": tags}, lambda c: c.tag_resource(arn, tags=tags))
    assert_same_request("ListTagsForResource", {"resourceArn": arn}, lambda c: c.list_tags_for_resource(arn))


@pytest.mark.parametrize("keys", [["project"], ["a:b/c+d=e.f_g", "project", "project"], []])
def test_untag_resource_repeats_the_query_key_like_botocore(keys: list[str]) -> None:
    assert_same_request(
        "UntagResource",
        {"resourceArn": DATASTORE_ARN, "tagKeys": keys},
        lambda c: c.untag_resource(DATASTORE_ARN, tag_keys=keys),
    )


def test_an_arn_is_one_percent_encoded_path_segment() -> None:
    request = ours_request("ListTagsForResource", lambda c: c.list_tags_for_resource(IMAGE_SET_ARN))
    raw_path = request.url.raw_path.decode()
    assert raw_path == (
        "/tags/arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F"
        f"{DATASTORE_ID}%2Fimageset%2F{IMAGE_SET_ID}"
    )


# --- hosts: all 18 operations -------------------------------------------------------------------


def _minimal(shape: Shape) -> Any:
    """A value botocore accepts for a shape: required members only, one member of a union."""
    if isinstance(shape, StructureShape):
        names = shape.required_members or ([next(iter(shape.members))] if shape.metadata.get("union") else [])
        return {name: _minimal(shape.members[name]) for name in names}
    if isinstance(shape, ListShape):
        return []
    if isinstance(shape, MapShape):
        return {}
    return {"integer": 1, "long": 1, "boolean": True, "blob": b"{}", "timestamp": 0}.get(shape.type_name, "0" * 32)


def minimal_params(operation: OperationModel) -> dict[str, Any]:
    assert operation.input_shape is not None
    params: dict[str, Any] = _minimal(operation.input_shape)
    return params


#: One call of each operation this SDK has, for sending through ``Client``.
OUR_CALLS: dict[str, Callable[[hic.Client], object]] = {
    **CLIENT_CALLS,
    "CreateDatastore": lambda c: c.create_datastore(),
    "GetDatastore": lambda c: c.get_datastore(DATASTORE_ID),
    "ListDatastores": lambda c: c.list_datastores(),
    "DeleteDatastore": lambda c: c.delete_datastore(DATASTORE_ID),
    "StartDICOMImportJob": lambda c: c.start_dicom_import_job(
        DATASTORE_ID, data_access_role_arn=ROLE, input_s3_uri="s3://in-bucket/", output_s3_uri="s3://out-bucket/"
    ),
    "GetDICOMImportJob": lambda c: c.get_dicom_import_job(DATASTORE_ID, JOB_ID),
    "ListDICOMImportJobs": lambda c: c.list_dicom_import_jobs(DATASTORE_ID),
    "TagResource": lambda c: c.tag_resource(DATASTORE_ARN, tags={"k": "v"}),
    "UntagResource": lambda c: c.untag_resource(DATASTORE_ARN, tag_keys=["k"]),
    "ListTagsForResource": lambda c: c.list_tags_for_resource(DATASTORE_ARN),
}

VARIANTS: list[dict[str, Any]] = [
    {"region_name": "us-east-1"},
    {"region_name": "eu-west-2", "use_fips_endpoint": True},
    {"region_name": "ap-southeast-2", "use_dualstack_endpoint": True},
    {"region_name": "us-east-2", "use_fips_endpoint": True, "use_dualstack_endpoint": True},
    {"region_name": "us-gov-west-1", "use_fips_endpoint": True},
    {"region_name": "cn-north-1"},
    {"region_name": "cn-northwest-1", "use_dualstack_endpoint": True},
]


#: The operations the clients have a method for (the rest are only named in ``Operation`` so far).
WITH_METHODS = [op for op in ops.Operation if hasattr(hic.Client, botocore.xform_name(op))]


def test_the_model_has_the_18_operations_and_this_sdk_calls_each_it_has() -> None:
    assert len(SERVICE.operation_names) == 18
    assert {str(op) for op in ops.Operation} <= set(SERVICE.operation_names)
    assert set(OUR_CALLS) == {str(op) for op in WITH_METHODS}, "add a call of each new method to OUR_CALLS"


def _our_host(operation: OperationModel, variant: dict[str, Any]) -> str:
    call = OUR_CALLS.get(operation.name)
    if call is None:  # an operation this SDK does not have yet: the endpoint for the model's host prefix
        endpoint = resolve_endpoint(
            variant["region_name"],
            endpoint_url=Masked(None, "endpoint_url"),
            use_fips_endpoint=variant.get("use_fips_endpoint", False),
            use_dualstack_endpoint=variant.get("use_dualstack_endpoint", False),
        )
        return httpx.URL(endpoint.url(operation.endpoint.get("hostPrefix", "") if operation.endpoint else "")).host
    return ours_request(operation.name, call, **variant).url.host


def _operations() -> Iterator[OperationModel]:
    for name in SERVICE.operation_names:
        yield SERVICE.operation_model(name)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_every_operation_goes_to_the_host_botocore_resolves(variant: dict[str, Any]) -> None:
    client = boto_client(**variant)
    hosts = {
        operation.name: (
            httpx.URL(botocore_request(client, operation.name, minimal_params(operation)).url).host,
            _our_host(operation, variant),
        )
        for operation in _operations()
    }
    assert {name: ours for name, (_, ours) in hosts.items()} == {name: theirs for name, (theirs, _) in hosts.items()}
    prefixed = {name for name, (theirs, _) in hosts.items() if theirs.startswith("runtime-")}
    assert len(prefixed) == 8  # the image-set operations; the other ten have no host prefix


def test_every_operation_uses_the_models_method_and_a_custom_endpoint_verbatim() -> None:
    for operation in WITH_METHODS:
        model = SERVICE.operation_model(operation)
        request = ours_request(operation, OUR_CALLS[operation], endpoint_url="http://127.0.0.1:9/base")
        assert request.method == model.http["method"], operation
        # A custom endpoint is used verbatim, whatever the operation's host prefix.
        assert (request.url.host, request.url.path.split("/")[1]) == ("127.0.0.1", "base")
