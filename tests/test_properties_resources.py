"""Property-based tests of the datastore, import-job and tag operations, as ``test_properties`` does the
image-set ones: arbitrary input is refused or builds a request the service model accepts and botocore
serializes alike; arbitrary responses give a typed output or a typed error, never anything else."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client._masking import masked_body
from healthimaging_client._wire import resource_rules as r

from .conftest import DATASTORE_ID, client_kwargs
from .test_properties import (
    CLIENT_EXAMPLES,
    INPUT_EXAMPLES,
    PARSE_EXAMPLES,
    SERVICE,
    _maybe,
    _query_pairs,
    any_text,
    bodies,
    check_outcome,
    constraint_problems,
    header_sets,
    ids,
    junk,
    max_results,
    mostly,
    next_tokens,
    request_params,
    statuses,
)

JOB_ID = "0123456789abcdef"
ARN = f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{DATASTORE_ID}"


def matching(rule: r.Rule) -> st.SearchStrategy[str]:
    """Strings the rule's pattern matches, within its lengths."""
    assert rule.pattern is not None
    if rule is r.ACCOUNT_ID:  # \d+ of exactly 12: a filter on length would throw nearly every draw away
        return st.from_regex(r"[0-9]{12}", fullmatch=True)
    low, high = rule.min_length or 1, min(rule.max_length or 200, 200)
    strings = st.from_regex(re.compile(rule.pattern, re.ASCII), fullmatch=True)
    return strings.filter(lambda s: low <= len(s) <= high and not re.search("[\ud800-\udfff]", s))


def edges(rule: r.Rule) -> st.SearchStrategy[str]:
    """Values at the rule's edges, on either side: around its maximum length, and ``aws:`` keys."""
    found: list[st.SearchStrategy[str]] = []
    if rule.max_length is not None and rule.regex is not None and rule.regex.fullmatch("a"):
        found.append(
            st.sampled_from([rule.max_length - 1, rule.max_length, rule.max_length + 1]).map(lambda n: "a" * n)
        )
    if rule is r.TAG_KEY:
        found.append(matching(rule).map(lambda key: "aws:" + key))
    return st.one_of(found) if found else st.nothing()


def seldom(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Bad about one time in ten: these inputs have many fields, and one bad field refuses the call."""
    return st.integers(0, 9).flatmap(lambda i: bad if i == 5 else good)


def field(rule: r.Rule) -> st.SearchStrategy[Any]:
    """Mostly what the pattern matches, often values at its edges, sometimes anything at all."""
    return seldom(matching(rule) | edges(rule), any_text | junk)


def optional(rule: r.Rule) -> st.SearchStrategy[Any]:
    return seldom(st.none() | field(rule), any_text | junk)


arns = mostly(matching(r.RESOURCE_ARN), any_text | junk, odds=1)
tags = mostly(
    st.dictionaries(matching(r.TAG_KEY) | edges(r.TAG_KEY), st.text(max_size=20), max_size=3),
    st.dictionaries(any_text, any_text | junk, max_size=3) | junk,
)
statuses_of = {
    "datastore": mostly(st.none() | st.sampled_from(list(hic.DatastoreStatus)), any_text | junk),
    "job": mostly(st.none() | st.sampled_from(["SUBMITTED", "COMPLETED", "FAILED"]), any_text | junk),
}
mappings = st.builds(
    hic.DicomMetadataMapping,
    study_instance_uid=field(r.STUDY_INSTANCE_UID),
    metadata_file_path=field(r.METADATA_FILE_PATH),
    series_instance_uid=optional(r.SERIES_INSTANCE_UID),
)
configurations = mostly(
    st.none(),
    st.builds(
        hic.ImportConfiguration,
        dicom_json_metadata_import_configuration=mostly(
            st.builds(
                hic.DicomJsonMetadataImportConfiguration,
                dicom_metadata_mappings=st.lists(mappings, min_size=1, max_size=2) | st.just([]),
            ),
            st.none(),
        ),
    ),
    odds=2,
)

Arguments = st.SearchStrategy[tuple[tuple[Any, ...], dict[str, Any]]]
CASES: dict[str, tuple[Callable[..., ops.Call[Any]], Arguments]] = {
    "CreateDatastore": (
        ops.create_datastore,
        st.tuples(
            st.just(()),
            st.fixed_dictionaries(
                {
                    "datastore_name": optional(r.DATASTORE_NAME),
                    "tags": _maybe(tags),
                    "kms_key_arn": optional(r.KMS_KEY_ARN),
                    "lambda_authorizer_arn": optional(r.LAMBDA_ARN),
                    "lossless_storage_format": mostly(
                        st.none() | st.sampled_from(list(hic.LosslessStorageFormat)), any_text | junk
                    ),
                    "client_token": optional(r.CLIENT_TOKEN),
                }
            ),
        ),
    ),
    "GetDatastore": (ops.get_datastore, st.tuples(st.tuples(ids), st.just({}))),
    "DeleteDatastore": (ops.delete_datastore, st.tuples(st.tuples(ids), st.just({}))),
    "ListDatastores": (
        ops.list_datastores,
        st.tuples(
            st.just(()),
            st.fixed_dictionaries(
                {"datastore_status": statuses_of["datastore"], "max_results": max_results, "next_token": next_tokens}
            ),
        ),
    ),
    "StartDICOMImportJob": (
        ops.start_dicom_import_job,
        st.tuples(
            st.tuples(ids),
            st.fixed_dictionaries(
                {
                    "data_access_role_arn": field(r.ROLE_ARN),
                    "input_s3_uri": field(r.S3_URI),
                    "output_s3_uri": field(r.S3_URI),
                    "job_name": optional(r.JOB_NAME),
                    "input_owner_account_id": optional(r.ACCOUNT_ID),
                    "import_configuration": mostly(configurations, junk),
                    "client_token": optional(r.CLIENT_TOKEN),
                }
            ),
        ),
    ),
    "GetDICOMImportJob": (ops.get_dicom_import_job, st.tuples(st.tuples(ids, field(r.JOB_ID)), st.just({}))),
    "ListDICOMImportJobs": (
        ops.list_dicom_import_jobs,
        st.tuples(
            st.tuples(ids),
            st.fixed_dictionaries(
                {"job_status": statuses_of["job"], "max_results": max_results, "next_token": next_tokens}
            ),
        ),
    ),
    "TagResource": (
        ops.tag_resource,
        st.tuples(st.tuples(arns), st.fixed_dictionaries({"tags": tags})),
    ),
    "UntagResource": (
        ops.untag_resource,
        st.tuples(
            st.tuples(arns),
            st.fixed_dictionaries(
                {
                    "tag_keys": mostly(
                        st.lists(matching(r.TAG_KEY) | edges(r.TAG_KEY), max_size=3), st.lists(any_text | junk) | junk
                    )
                }
            ),
        ),
    ),
    "ListTagsForResource": (ops.list_tags_for_resource, st.tuples(st.tuples(arns), st.just({}))),
}


def assert_botocore_accepts(operation: str, call: ops.Call[Any]) -> None:
    op = SERVICE.operation_model(operation)
    assert call.method == op.http["method"]
    params = request_params(op, call)
    report = ParamValidator().validate(params, op.input_shape)
    assert not report.has_errors(), report.generate_report()
    assert constraint_problems(params, op.input_shape) == []
    theirs = create_serializer("rest-json", include_validation=False).serialize_to_request(params, op)
    assert theirs["url_path"] == call.path
    their_query = sorted(
        (k, item) for k, v in theirs["query_string"].items() for item in (v if isinstance(v, list) else [str(v)])
    )
    assert their_query == sorted(_query_pairs(call.query))
    if call.body is not None:
        assert json.loads(theirs["body"] or b"{}") == json.loads(call.body)
    else:
        assert not theirs["body"]


@pytest.mark.parametrize("operation", list(CASES))
def test_arbitrary_input_is_refused_or_accepted_by_the_service_model(operation: str) -> None:
    definition, arguments = CASES[operation]
    outcomes = {"accepted": 0, "rejected": 0}

    @settings(max_examples=INPUT_EXAMPLES)
    @given(arguments=arguments)
    def check(arguments: tuple[tuple[Any, ...], dict[str, Any]]) -> None:
        args, kwargs = arguments
        try:
            call = definition(*args, **kwargs)
        except hic.ParamValidationError as exc:
            assert exc.operation == operation and exc.problems
            outcomes["rejected"] += 1
            return
        assert call.operation == operation
        assert_botocore_accepts(operation, call)
        outcomes["accepted"] += 1

    check()
    assert outcomes["accepted"] >= 5 and outcomes["rejected"] >= 5, outcomes


GOOD_CALLS: dict[str, ops.Call[Any]] = {
    "CreateDatastore": ops.create_datastore(),
    "GetDatastore": ops.get_datastore(DATASTORE_ID),
    "ListDatastores": ops.list_datastores(),
    "DeleteDatastore": ops.delete_datastore(DATASTORE_ID),
    "StartDICOMImportJob": ops.start_dicom_import_job(
        DATASTORE_ID,
        data_access_role_arn="arn:aws:iam::123456789012:role/r",
        input_s3_uri="s3://in-b/",
        output_s3_uri="s3://out-b/",
    ),
    "GetDICOMImportJob": ops.get_dicom_import_job(DATASTORE_ID, JOB_ID),
    "ListDICOMImportJobs": ops.list_dicom_import_jobs(DATASTORE_ID),
    "TagResource": ops.tag_resource(ARN, tags={"k": "v"}),
    "UntagResource": ops.untag_resource(ARN, tag_keys=["k"]),
    "ListTagsForResource": ops.list_tags_for_resource(ARN),
}


@pytest.mark.parametrize("operation", list(GOOD_CALLS))
def test_any_response_parses_to_an_output_or_a_typed_error(operation: str) -> None:
    call = GOOD_CALLS[operation]
    seen: set[str] = set()

    @settings(max_examples=PARSE_EXAMPLES // 2)
    @given(status=statuses, headers=header_sets, content=bodies(operation))
    def check(status: int, headers: dict[str, str], content: bytes) -> None:
        body = masked_body(content)
        seen.add(check_outcome(operation, status, lambda: call.parse(status, httpx.Headers(headers), body)))

    check()
    assert {"output", "service error", "InvalidResponseError"} <= seen


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_any_response_through_the_client_gives_an_output_or_a_typed_error(kind: str) -> None:
    no_retry = client_kwargs(retry=hic.RetryConfig(max_attempts=1))
    loop = asyncio.new_event_loop()
    client: Any = hic.AsyncClient(**no_retry) if kind == "async" else hic.Client(**no_retry)
    calls: dict[str, Callable[[Any], Any]] = {
        "CreateDatastore": lambda c: c.create_datastore(),
        "GetDICOMImportJob": lambda c: c.get_dicom_import_job(DATASTORE_ID, JOB_ID),
        "ListDatastores": lambda c: c.list_datastores(),
        "UntagResource": lambda c: c.untag_resource(ARN, tag_keys=["k"]),
    }

    def call(operation: str) -> Any:
        result = calls[operation](client)
        return loop.run_until_complete(result) if kind == "async" else result

    seen: set[str] = set()

    @settings(max_examples=CLIENT_EXAMPLES)
    @given(data=st.data(), operation=st.sampled_from(list(calls)))
    def check(data: st.DataObject, operation: str) -> None:
        status, headers, content = data.draw(statuses), data.draw(header_sets), data.draw(bodies(operation))
        with respx.mock() as router:
            response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))
            router.route(url__startswith="https://medical-imaging.us-east-1.amazonaws.com").mock(return_value=response)
            seen.add(check_outcome(operation, status, lambda: call(operation)))

    try:
        check()
        assert {"service error", "InvalidResponseError"} <= seen, seen
    finally:
        loop.run_until_complete(client.aclose()) if kind == "async" else client.close()
        loop.close()
