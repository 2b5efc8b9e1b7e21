"""Input rules of the datastore, import-job and tag operations: the model's own limits and patterns,
checked before anything is sent, with problems that name fields and never values."""

from __future__ import annotations

import re
import time
from typing import Any

import botocore.session
import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client._wire import resource_rules as r

from .conftest import DATASTORE_ID, Harness

SERVICE = botocore.session.get_session().get_service_model("medical-imaging")
ROLE = "arn:aws:iam::123456789012:role/ImportRole"
ARN = f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{DATASTORE_ID}"
CANARY = "CANARY-PHI-77"


@pytest.mark.parametrize("rule", r.RULES, ids=lambda rule: rule.shape)
def test_each_rule_is_the_models(rule: r.Rule) -> None:
    metadata = SERVICE.shape_for(rule.shape).metadata
    assert (rule.min_length, rule.max_length, rule.pattern) == (
        metadata.get("min"),
        metadata.get("max"),
        metadata.get("pattern"),
    )


def test_every_string_member_of_the_new_operations_inputs_has_a_rule_or_a_check() -> None:
    """A constrained string member added to these inputs shows up here until a rule covers it."""
    covered = {rule.shape for rule in r.RULES} | {"DatastoreId", "NextToken", "DatastoreStatus", "JobStatus"}
    covered |= {"LosslessStorageFormat"}
    names = [
        "CreateDatastore",
        "GetDatastore",
        "ListDatastores",
        "DeleteDatastore",
        "StartDICOMImportJob",
        "GetDICOMImportJob",
        "ListDICOMImportJobs",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ]
    found: set[str] = set()

    def walk(shape: Any) -> None:
        if shape.type_name == "structure":
            for member in shape.members.values():
                walk(member)
        elif shape.type_name == "list":
            walk(shape.member)
        elif shape.type_name == "map":
            walk(shape.key)
            walk(shape.value)
        elif shape.type_name == "string":
            found.add(shape.name)

    for name in names:
        walk(SERVICE.operation_model(name).input_shape)
    assert found - covered == set()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ~!\t\né"), max_size=8))
def test_the_metadata_file_path_rule_means_what_the_model_says(text: str) -> None:
    model = re.compile(SERVICE.shape_for("MetadataFilePath").metadata["pattern"], re.ASCII)
    assert r.METADATA_FILE_PATH.regex is not None
    assert bool(r.METADATA_FILE_PATH.regex.fullmatch(text)) == bool(model.fullmatch(text))


def test_the_metadata_file_path_rule_does_not_backtrack() -> None:
    near_miss = "a " * 511 + "\n"
    started = time.perf_counter()
    p = hic.ParamValidationError
    with pytest.raises(p):
        _mapping_problem(near_miss)
    assert time.perf_counter() - started < 0.5


def _mapping_problem(path: str) -> None:
    ops.start_dicom_import_job(
        DATASTORE_ID,
        data_access_role_arn=ROLE,
        input_s3_uri="s3://in-bucket/",
        output_s3_uri="s3://out-bucket/",
        import_configuration=hic.ImportConfiguration(
            dicom_json_metadata_import_configuration=hic.DicomJsonMetadataImportConfiguration(
                dicom_metadata_mappings=[hic.DicomMetadataMapping(study_instance_uid="1.2", metadata_file_path=path)]
            )
        ),
    )


def mapping(**kwargs: Any) -> hic.ImportConfiguration:
    fields = {"study_instance_uid": "1.2.3", "metadata_file_path": "m.json", **kwargs}
    return hic.ImportConfiguration(
        dicom_json_metadata_import_configuration=hic.DicomJsonMetadataImportConfiguration(
            dicom_metadata_mappings=[hic.DicomMetadataMapping(**fields)]
        )
    )


START = {"data_access_role_arn": ROLE, "input_s3_uri": "s3://in-bucket/", "output_s3_uri": "s3://out-bucket/"}

#: (label, operation, args, kwargs, the problem's path)
BAD: list[tuple[str, Any, tuple[Any, ...], dict[str, Any], str]] = [
    ("name with a space", ops.create_datastore, (), {"datastore_name": f"my {CANARY}"}, "datastore_name"),
    ("name too long", ops.create_datastore, (), {"datastore_name": "a" * 257}, "datastore_name"),
    ("empty name", ops.create_datastore, (), {"datastore_name": ""}, "datastore_name"),
    ("client token with a space", ops.create_datastore, (), {"client_token": "a b"}, "client_token"),
    ("client token too long", ops.create_datastore, (), {"client_token": "a" * 65}, "client_token"),
    ("kms key not an arn", ops.create_datastore, (), {"kms_key_arn": CANARY}, "kms_key_arn"),
    (
        "kms key of another service",
        ops.create_datastore,
        (),
        {"kms_key_arn": "arn:aws:s3:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789abc"},
        "kms_key_arn",
    ),
    (
        "lambda arn of a layer",
        ops.create_datastore,
        (),
        {"lambda_authorizer_arn": "arn:aws:lambda:us-east-1:123456789012:layer:x"},
        "lambda_authorizer_arn",
    ),
    ("unknown storage format", ops.create_datastore, (), {"lossless_storage_format": "PNG"}, "lossless_storage_format"),
    ("aws: tag key", ops.create_datastore, (), {"tags": {"aws:owner": CANARY}}, "tags[0].key"),
    ("tag key with a space", ops.create_datastore, (), {"tags": {"a": "b", f"{CANARY} x": "v"}}, "tags[1].key"),
    ("tag key too long", ops.create_datastore, (), {"tags": {"k" * 129: "v"}}, "tags[0].key"),
    ("tag value too long", ops.create_datastore, (), {"tags": {"k": CANARY * 30}}, "tags[0].value"),
    ("tag value a lone surrogate", ops.create_datastore, (), {"tags": {"k": "\ud800"}}, "tags[0].value"),
    ("tag value not text", ops.create_datastore, (), {"tags": {"k": 5}}, "tags[0].value"),
    ("tags not a mapping", ops.create_datastore, (), {"tags": [("k", "v")]}, "tags"),
    ("datastore id", ops.get_datastore, ("0" * 31,), {}, "datastore_id"),
    ("datastore id steering the path", ops.delete_datastore, ("../" + "a" * 29,), {}, "datastore_id"),
    ("status filter", ops.list_datastores, (), {"datastore_status": "RUNNING"}, "datastore_status"),
    ("page size", ops.list_datastores, (), {"max_results": 51}, "max_results"),
    (
        "role arn",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "data_access_role_arn": CANARY},
        "data_access_role_arn",
    ),
    (
        "role arn too short",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "data_access_role_arn": "arn:aws:iam::1:role/"},
        "data_access_role_arn",
    ),
    (
        "input not s3",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "input_s3_uri": "https://bucket/x"},
        "input_s3_uri",
    ),
    (
        "bucket name too short",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "output_s3_uri": "s3://ab/"},
        "output_s3_uri",
    ),
    (
        "bucket in capitals",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "output_s3_uri": "s3://Bucket/"},
        "output_s3_uri",
    ),
    ("job name", ops.start_dicom_import_job, (DATASTORE_ID,), {**START, "job_name": "a b"}, "job_name"),
    (
        "owner account",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "input_owner_account_id": "12345"},
        "input_owner_account_id",
    ),
    (
        "configuration of nothing",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "import_configuration": hic.ImportConfiguration()},
        "import_configuration",
    ),
    (
        "no mappings",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {
            **START,
            "import_configuration": hic.ImportConfiguration(
                dicom_json_metadata_import_configuration=hic.DicomJsonMetadataImportConfiguration(
                    dicom_metadata_mappings=[]
                )
            ),
        },
        "import_configuration.dicom_json_metadata_import_configuration.dicom_metadata_mappings",
    ),
    (
        "study uid not a uid",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "import_configuration": mapping(study_instance_uid=CANARY)},
        "import_configuration.dicom_json_metadata_import_configuration.dicom_metadata_mappings[0].study_instance_uid",
    ),
    (
        "series uid not a uid",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "import_configuration": mapping(series_instance_uid="1.2.x")},
        "import_configuration.dicom_json_metadata_import_configuration.dicom_metadata_mappings[0].series_instance_uid",
    ),
    (
        "metadata path with a trailing space",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "import_configuration": mapping(metadata_file_path="m.json ")},
        "import_configuration.dicom_json_metadata_import_configuration.dicom_metadata_mappings[0].metadata_file_path",
    ),
    ("job id", ops.get_dicom_import_job, (DATASTORE_ID, "JOB-1"), {}, "job_id"),
    ("job status filter", ops.list_dicom_import_jobs, (DATASTORE_ID,), {"job_status": "DONE"}, "job_status"),
    ("arn of another service", ops.list_tags_for_resource, ("arn:aws:s3:::bucket",), {}, "resource_arn"),
    ("arn with a path after it", ops.tag_resource, (ARN + "/x",), {"tags": {"k": "v"}}, "resource_arn"),
    ("tags required", ops.tag_resource, (ARN,), {"tags": None}, "tags"),
    ("untag keys a string", ops.untag_resource, (ARN,), {"tag_keys": "project"}, "tag_keys"),
    ("untag too many keys", ops.untag_resource, (ARN,), {"tag_keys": [f"k{i}" for i in range(201)]}, "tag_keys"),
    ("untag aws: key", ops.untag_resource, (ARN,), {"tag_keys": ["ok", "aws:x"]}, "tag_keys[1]"),
]


@pytest.mark.parametrize(("operation", "args", "kwargs", "path"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused_by_field_and_without_its_value(
    operation: Any, args: tuple[Any, ...], kwargs: dict[str, Any], path: str
) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        operation(*args, **kwargs)
    assert [problem.split(": ", 1)[0] for problem in caught.value.problems] == [path]
    assert CANARY not in str(caught.value) and "\ud800" not in str(caught.value)
    assert caught.value.operation is not None


GOOD: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
    ("empty create", ops.create_datastore, (), {}),
    ("tag keys the pattern's range allows", ops.create_datastore, (), {"tags": {"a+b-c=d.e_f:g/h": "", "k0,;<": "x"}}),
    (
        "gov arn",
        ops.list_tags_for_resource,
        ("arn:aws-us-gov:medical-imaging:us-gov-west-1:123456789012:datastore/" + DATASTORE_ID,),
        {},
    ),
    ("no keys to remove", ops.untag_resource, (ARN,), {"tag_keys": []}),
    (
        "role in a partition",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "data_access_role_arn": "arn:aws-cn:iam::123456789012:role/x"},
    ),
    (
        "series-level mapping",
        ops.start_dicom_import_job,
        (DATASTORE_ID,),
        {**START, "import_configuration": mapping(series_instance_uid="1.2.3.4")},
    ),
]


@pytest.mark.parametrize(("operation", "args", "kwargs"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_good_input_is_accepted(operation: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert operation(*args, **kwargs).operation


def test_every_problem_of_a_call_is_reported_at_once() -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        ops.start_dicom_import_job("x", data_access_role_arn="", input_s3_uri="", output_s3_uri="", job_name="")
    assert {problem.split(":")[0] for problem in caught.value.problems} == {
        "datastore_id",
        "data_access_role_arn",
        "input_s3_uri",
        "output_s3_uri",
        "job_name",
    }


def test_nothing_is_sent_for_bad_input(sdk: Harness) -> None:
    client = sdk.client()
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route(url__regex=".*").mock(return_value=httpx.Response(200, json={}))
        with pytest.raises(hic.ParamValidationError):
            sdk.run(client.create_datastore(tags={"aws:x": "y"}))
        with pytest.raises(hic.ParamValidationError):
            sdk.run(client.untag_resource(ARN, tag_keys=["aws:x"]))
        with pytest.raises(hic.ParamValidationError):
            client.iter_datastores(datastore_status="NOPE")
        with pytest.raises(hic.ParamValidationError):
            sdk.run(client.wait_for_dicom_import_job(DATASTORE_ID, "J", timeout=-1))
    assert not route.called
