"""Property-based tests: arbitrary input never gets past validation unless the service model accepts it,
and arbitrary response bytes never raise anything but a typed output or a ``HealthImagingError``.

(a) Each operation gets arbitrary arguments (well-formed ones mixed with junk of every type). It must
    either raise ``ParamValidationError`` or build a request that, read back into parameters through
    botocore's service model, passes botocore's ``ParamValidator`` and the model's patterns, maxima and
    enums, and that botocore's own serializer turns into the same path, query and body.
(b) Arbitrary bytes, arbitrary JSON and JSON shaped like each output with arbitrary leaves, under any
    status, go through ``Call.parse`` directly, and a smaller sample through both clients via respx.

Example counts are modest so the file runs in seconds; ``HYPOTHESIS_PROFILE=thorough`` searches ten
times deeper.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

import botocore.session
import httpx
import pytest
import respx
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client import models as m
from healthimaging_client._masking import masked_body

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, client_kwargs

settings.register_profile(
    "default", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("thorough", parent=settings.get_profile("default"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1

#: Examples per test; the report of the issue lists them.
INPUT_EXAMPLES = 150 * SCALE
PARSE_EXAMPLES = 200 * SCALE
CLIENT_EXAMPLES = 30 * SCALE

SERVICE = botocore.session.get_session().get_service_model("medical-imaging")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- (a) arbitrary input -----------------------------------------------------------------

#: Characters that break things: lone surrogates, NUL, path and query syntax, line separators.
odd_chars = st.sampled_from(
    ["\ud800", "\udfff", "\x00", "/", "%2F", "..", " ", "\n", "\u00e9", "\u2028", "+", "=", "&"]
)
any_text = st.lists(st.one_of(st.characters(), odd_chars), max_size=30).map("".join)
junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text, st.binary(max_size=8), st.just([]))


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], odds: int = 4) -> st.SearchStrategy[Any]:
    """Good values ``odds`` times for each bad one, so that whole calls and documents pass often enough."""
    return st.integers(0, odds).flatmap(lambda i: good if i else bad)


ids = mostly(st.from_regex(r"[0-9a-z]{32}", fullmatch=True), st.one_of(any_text, junk))
versions = mostly(st.integers(0, 10**15) | st.from_regex(r"[0-9]{1,6}", fullmatch=True), any_text | junk)
max_results = mostly(st.none() | st.integers(1, 50), st.integers(-3, 60) | junk)
next_tokens = mostly(st.none() | st.text(st.characters(max_codepoint=127), min_size=1, max_size=60), any_text | junk)
flags = mostly(st.none() | st.booleans(), junk)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), any_text),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=8,
)
json_documents = st.dictionaries(any_text, json_values, max_size=4)
attributes = st.one_of(st.none(), json_documents, any_text, st.binary(max_size=40), json_documents.map(json.dumps))
uids = st.one_of(st.from_regex(r"[0-9.]{1,20}", fullmatch=True), any_text)
datetimes = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)) | (
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


search_values = st.builds(
    hic.SearchByAttributeValue,
    dicom_patient_id=_maybe(st.one_of(any_text, st.text(min_size=500, max_size=520))),
    dicom_accession_number=_maybe(any_text),
    dicom_study_id=_maybe(any_text),
    dicom_study_instance_uid=_maybe(uids),
    dicom_series_instance_uid=_maybe(uids),
    created_at=_maybe(datetimes),
    updated_at=_maybe(st.one_of(datetimes, junk)),
    dicom_study_date_and_time=_maybe(
        st.builds(
            hic.DICOMStudyDateAndTime, dicom_study_date=st.one_of(any_text, junk), dicom_study_time=_maybe(any_text)
        )
    ),
    is_primary=_maybe(st.one_of(st.booleans(), junk)),
)
# Mostly one member set, as the union needs; the builds above cover the rest.
single_values = st.one_of(
    st.builds(hic.SearchByAttributeValue, dicom_patient_id=any_text),
    st.builds(hic.SearchByAttributeValue, dicom_study_instance_uid=uids),
    st.builds(hic.SearchByAttributeValue, created_at=datetimes),
    st.builds(hic.SearchByAttributeValue, is_primary=st.booleans()),
    st.builds(
        hic.SearchByAttributeValue,
        dicom_study_date_and_time=st.builds(
            hic.DICOMStudyDateAndTime, dicom_study_date=any_text, dicom_study_time=_maybe(any_text)
        ),
    ),
)
operators = st.one_of(st.sampled_from(hic.Operator), st.sampled_from(["EQUAL", "BETWEEN"]), any_text, junk)
good_filters = st.one_of(
    st.builds(hic.SearchFilter, values=st.lists(single_values, min_size=1, max_size=1), operator=st.just("EQUAL")),
    st.builds(
        hic.SearchFilter,
        values=st.tuples(datetimes, datetimes).map(lambda t: [hic.SearchByAttributeValue(updated_at=d) for d in t]),
        operator=st.just(hic.Operator.BETWEEN),
    ),
)
search_filters = mostly(
    good_filters,
    st.builds(
        hic.SearchFilter, values=st.lists(st.one_of(single_values, search_values, junk), max_size=3), operator=operators
    ),
)
sorts = st.builds(
    hic.Sort,
    sort_order=mostly(st.sampled_from(hic.SortOrder) | st.sampled_from(["ASC", "DESC"]), any_text),
    sort_field=mostly(st.sampled_from(hic.SortField), any_text),
)

OPERATIONS: dict[str, Callable[..., ops.Call[Any]]] = {
    "SearchImageSets": ops.search_image_sets,
    "GetImageSetMetadata": ops.get_image_set_metadata,
    "ListImageSetVersions": ops.list_image_set_versions,
    "UpdateImageSetMetadata": ops.update_image_set_metadata,
    "CopyImageSet": ops.copy_image_set,
    # Pixel data and the image set's own state (issue 15).
    "GetImageFrame": ops.get_image_frame,
    "GetImageSet": ops.get_image_set,
    "DeleteImageSet": ops.delete_image_set,
}

ARGUMENTS: dict[str, st.SearchStrategy[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "SearchImageSets": st.tuples(
        st.tuples(ids),
        st.fixed_dictionaries(
            {
                "filters": mostly(
                    _maybe(st.lists(search_filters, min_size=1, max_size=2)), st.lists(search_filters) | junk
                ),
                "sort": mostly(_maybe(sorts), junk),
                "max_results": max_results,
                "next_token": next_tokens,
            }
        ),
    ),
    "GetImageSetMetadata": st.tuples(st.tuples(ids, ids), st.fixed_dictionaries({"version_id": _maybe(versions)})),
    "ListImageSetVersions": st.tuples(
        st.tuples(ids, ids), st.fixed_dictionaries({"max_results": max_results, "next_token": next_tokens})
    ),
    "UpdateImageSetMetadata": st.tuples(
        st.tuples(ids, ids),
        st.tuples(
            mostly(
                st.one_of(
                    st.fixed_dictionaries(
                        {
                            "updates": st.builds(
                                hic.DICOMUpdates,
                                updatable_attributes=mostly(json_documents, attributes),
                                removable_attributes=_maybe(json_documents),
                            ),
                            "revert_to_version_id": st.none(),
                        }
                    ),
                    st.fixed_dictionaries({"updates": st.none(), "revert_to_version_id": versions}),
                ),
                st.fixed_dictionaries(
                    {
                        "updates": _maybe(
                            st.builds(
                                hic.DICOMUpdates, updatable_attributes=attributes, removable_attributes=attributes
                            )
                            | junk
                        ),
                        "revert_to_version_id": _maybe(versions),
                    }
                ),
            ),
            st.fixed_dictionaries({"latest_version_id": versions, "force": flags, "include_study_image_sets": flags}),
        ).map(lambda parts: {**parts[0], **parts[1]}),
    ),
    "CopyImageSet": st.tuples(
        st.tuples(ids, ids),
        st.fixed_dictionaries(
            {
                "source_latest_version_id": versions,
                "copiable_attributes": _maybe(
                    st.one_of(json_documents, any_text, json_documents.map(json.dumps), junk)
                ),
                "destination_image_set_id": _maybe(ids),
                "destination_latest_version_id": _maybe(versions),
                "force": flags,
                "promote_to_primary": flags,
            }
        ),
    ),
    "GetImageFrame": st.tuples(st.tuples(ids, ids, ids), st.just({})),
    "GetImageSet": st.tuples(st.tuples(ids, ids), st.fixed_dictionaries({"version_id": _maybe(versions)})),
    "DeleteImageSet": st.tuples(st.tuples(ids, ids), st.just({})),
}


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """``a=b&c=d`` split without ``parse_qsl``'s ``+``-as-space rule, checking RFC 3986 encoding on the way."""
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        decoded = unquote(value, errors="strict")
        assert quote(decoded, safe="") == value, f"query value not RFC 3986 encoded: {value!r}"
        pairs.append((name, decoded))
    return pairs


def _from_wire(value: Any, shape: Shape) -> Any:
    """A JSON value as botocore's parameters hold it (blobs decoded, timestamps as datetimes)."""
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), shape.name
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{shape.name}: members the model does not have: {unknown}"
        return {k: _from_wire(v, shape.members[k]) for k, v in value.items()}
    if isinstance(shape, ListShape):
        assert isinstance(value, list), shape.name
        return [_from_wire(v, shape.member) for v in value]
    if isinstance(shape, MapShape):
        assert isinstance(value, dict), shape.name
        return {k: _from_wire(v, shape.value) for k, v in value.items()}
    if shape.type_name == "blob":
        return base64.b64decode(value, validate=True)
    if shape.type_name == "timestamp":
        exact = Decimal(value)
        return EPOCH + timedelta(seconds=int(exact), microseconds=int((exact % 1) * 10**6))
    return value


def request_params(op: OperationModel, call: ops.Call[Any]) -> dict[str, Any]:
    """Our request read back into botocore parameters, through the model's locations."""
    shape = op.input_shape
    params: dict[str, Any] = {}
    template = re.escape(op.http["requestUri"]).replace(r"\{", "{").replace(r"\}", "}")
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/?]+)", template)
    matched = re.fullmatch(pattern, call.path)
    assert matched, f"path {call.path!r} does not fit {op.http['requestUri']}"
    by_location = {
        (s.serialization.get("location"), s.serialization.get("name", n)): n for n, s in shape.members.items()
    }
    for wire, value in matched.groupdict().items():
        params[by_location[("uri", wire)]] = unquote(value)
    for wire, value in _query_pairs(call.query):
        name = by_location[("querystring", wire)]
        kind = shape.members[name].type_name
        if kind == "list":  # a list member repeats its query key
            params.setdefault(name, []).append(value)
            continue
        params[name] = (
            int(value) if kind == "integer" else {"true": True, "false": False}[value] if kind == "boolean" else value
        )
    for name in shape.required_members:
        member = shape.members[name]
        if member.type_name == "list" and member.serialization.get("location") == "querystring" and name not in params:
            params[name] = []  # an empty list has no pairs in a query string (botocore sends none either)
    payload = shape.serialization.get("payload")
    if call.body is not None:
        document = json.loads(call.body, parse_float=Decimal)
        if not payload:  # the body is the input's other members
            params.update({name: _from_wire(value, shape.members[name]) for name, value in document.items()})
        elif document != {} or payload in shape.required_members:
            params[payload] = _from_wire(document, shape.members[payload])
    return params


def _python_pattern(pattern: str) -> str:
    """The model writes patterns in Java's syntax; ``\\p{ASCII}`` is the one class Python lacks."""
    return pattern.replace(r"\p{ASCII}", r"[\x00-\x7f]")


def constraint_problems(value: Any, shape: Shape, path: str = "") -> list[str]:
    """What ``ParamValidator`` leaves unchecked: maxima, patterns and enums."""
    found: list[str] = []
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        for name, member in value.items():
            found += constraint_problems(member, shape.members[name], f"{path}.{name}")
    elif isinstance(shape, ListShape):
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{path}: more than {meta['max']} items")
        for i, item in enumerate(value):
            found += constraint_problems(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape):
        for i, (key, item) in enumerate(value.items()):
            found += constraint_problems(key, shape.key, f"{path}.keys[{i}]")
            found += constraint_problems(item, shape.value, f"{path}.values[{i}]")
    elif shape.type_name == "string":
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{path}: longer than {meta['max']}")
        if "pattern" in meta and not re.fullmatch(_python_pattern(meta["pattern"]), value):
            found.append(f"{path}: does not match {meta['pattern']}")
        if "enum" in meta and value not in meta["enum"]:
            found.append(f"{path}: not one of {meta['enum']}")
    elif shape.type_name in ("integer", "long", "blob") and "max" in meta:
        size = len(value) if shape.type_name == "blob" else value
        if size > meta["max"]:
            found.append(f"{path}: over {meta['max']}")
    return found


def assert_botocore_accepts(operation: str, call: ops.Call[Any]) -> None:
    op = SERVICE.operation_model(operation)
    params = request_params(op, call)
    report = ParamValidator().validate(params, op.input_shape)
    assert not report.has_errors(), report.generate_report()
    assert constraint_problems(params, op.input_shape) == []
    theirs = create_serializer("rest-json", include_validation=False).serialize_to_request(params, op)
    assert theirs["url_path"] == call.path
    query = {
        k: (("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in theirs["query_string"].items()
    }
    assert query == dict(_query_pairs(call.query))
    if call.body is not None:
        assert json.loads(theirs["body"] or b"{}") == json.loads(call.body)
    else:
        assert not theirs["body"]


SV = hic.SearchByAttributeValue
#: A lone surrogate where each operation takes free text (found by these tests; kept as explicit examples).
SURROGATES: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "SearchImageSets": (
        (DATASTORE_ID,),
        {
            "filters": [
                hic.SearchFilter(values=[SV(dicom_patient_id="A\ud800")], operator="EQUAL"),
                hic.SearchFilter(
                    values=[SV(dicom_study_date_and_time=hic.DICOMStudyDateAndTime(dicom_study_date="\udfff"))],
                    operator="EQUAL",
                ),
            ],
            "sort": None,
            "max_results": None,
            "next_token": None,
        },
    ),
    "GetImageSetMetadata": ((DATASTORE_ID, "\ud800" * 32), {"version_id": None}),
    "ListImageSetVersions": ((DATASTORE_ID, IMAGE_SET_ID), {"max_results": None, "next_token": "\ud800"}),
    "UpdateImageSetMetadata": (
        (DATASTORE_ID, IMAGE_SET_ID),
        {
            "latest_version_id": 1,
            "updates": hic.DICOMUpdates(updatable_attributes={"\ud800": "x"}),
            "revert_to_version_id": None,
            "force": None,
            "include_study_image_sets": None,
        },
    ),
    "CopyImageSet": (
        (DATASTORE_ID, IMAGE_SET_ID),
        {
            "source_latest_version_id": 1,
            "copiable_attributes": {"\ud800": None},
            "destination_image_set_id": None,
            "destination_latest_version_id": None,
            "force": None,
            "promote_to_primary": None,
        },
    ),
    "GetImageFrame": ((DATASTORE_ID, IMAGE_SET_ID, "\ud800" * 32), {}),
    "GetImageSet": ((DATASTORE_ID, IMAGE_SET_ID), {"version_id": "\ud800"}),
    "DeleteImageSet": (("\ud800" * 32, IMAGE_SET_ID), {}),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_arbitrary_input_is_rejected_or_accepted_by_the_service_model(operation: str) -> None:
    outcomes = {"accepted": 0, "rejected": 0}

    @settings(max_examples=INPUT_EXAMPLES)
    @given(arguments=ARGUMENTS[operation])
    @example(arguments=SURROGATES[operation])
    def check(arguments: tuple[tuple[Any, ...], dict[str, Any]]) -> None:
        args, kwargs = arguments
        try:
            call = OPERATIONS[operation](*args, **kwargs)
        except hic.ParamValidationError as exc:
            assert exc.operation == operation
            assert exc.problems
            outcomes["rejected"] += 1
            return
        assert call.operation == operation
        assert_botocore_accepts(operation, call)
        outcomes["accepted"] += 1

    check()
    # The strategies reach both sides, or the property says little.
    assert outcomes["accepted"] >= 5 and outcomes["rejected"] >= 5, outcomes


def test_model_constructors_take_any_text() -> None:
    """Building an input model never fails on odd text: validation, later, says what is wrong."""

    @settings(max_examples=INPUT_EXAMPLES)
    @given(attributes, attributes, st.one_of(json_documents, any_text))
    def check(updatable: Any, removable: Any, copiable: Any) -> None:
        hic.DICOMUpdates(updatable_attributes=updatable, removable_attributes=removable)
        m.MetadataCopies(copiable_attributes=copiable)

    check()


# --- (b) arbitrary responses ---------------------------------------------------------------

GOOD_CALLS: dict[str, ops.Call[Any]] = {
    "SearchImageSets": ops.search_image_sets(DATASTORE_ID, filters=None, sort=None, max_results=None, next_token=None),
    "GetImageSetMetadata": ops.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id=None),
    "ListImageSetVersions": ops.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID, max_results=None, next_token=None),
    "UpdateImageSetMetadata": ops.update_image_set_metadata(
        DATASTORE_ID,
        IMAGE_SET_ID,
        latest_version_id=1,
        updates=None,
        revert_to_version_id=0,
        force=None,
        include_study_image_sets=None,
    ),
    "CopyImageSet": ops.copy_image_set(
        DATASTORE_ID,
        IMAGE_SET_ID,
        source_latest_version_id=1,
        copiable_attributes=None,
        destination_image_set_id=None,
        destination_latest_version_id=None,
        force=None,
        promote_to_primary=None,
    ),
    "GetImageFrame": ops.get_image_frame(DATASTORE_ID, IMAGE_SET_ID, IMAGE_SET_ID),
    "GetImageSet": ops.get_image_set(DATASTORE_ID, IMAGE_SET_ID, version_id=None),
    "DeleteImageSet": ops.delete_image_set(DATASTORE_ID, IMAGE_SET_ID),
}
OUTPUT_TYPES: dict[str, type] = {
    "SearchImageSets": m.SearchImageSetsOutput,
    "GetImageSetMetadata": hic.ImageSetMetadata,
    "ListImageSetVersions": m.ListImageSetVersionsOutput,
    "UpdateImageSetMetadata": m.UpdateImageSetMetadataOutput,
    "CopyImageSet": m.CopyImageSetOutput,
    "GetImageFrame": m.GetImageFrameOutput,
    "GetImageSet": m.GetImageSetOutput,
    "DeleteImageSet": m.DeleteImageSetOutput,
    # Datastores, import jobs and tags (test_properties_resources.py).
    "CreateDatastore": m.CreateDatastoreOutput,
    "GetDatastore": m.GetDatastoreOutput,
    "ListDatastores": m.ListDatastoresOutput,
    "DeleteDatastore": m.DeleteDatastoreOutput,
    "StartDICOMImportJob": m.StartDICOMImportJobOutput,
    "GetDICOMImportJob": m.GetDICOMImportJobOutput,
    "ListDICOMImportJobs": m.ListDICOMImportJobsOutput,
    "TagResource": type(None),
    "UntagResource": type(None),
    "ListTagsForResource": m.ListTagsForResourceOutput,
}

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["ACTIVE", "LOCKED", "UPDATING", "1", "1680042257.908", "2024-03-01T12:00:00Z"]),
)


def _typed_leaf(shape: Shape) -> st.SearchStrategy[Any]:
    if "enum" in shape.metadata:
        return st.sampled_from(shape.metadata["enum"])
    return {
        "string": st.text(max_size=12),
        "integer": st.integers(0, 10**6),
        "long": st.integers(0, 10**6),
        "boolean": st.booleans(),
        "timestamp": st.one_of(st.integers(0, 2**32), st.floats(0, 2**32), st.just("2024-03-01T12:00:00Z")),
    }.get(shape.type_name, leaves)


def shaped(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """JSON laid out like ``shape``: required members mostly there, leaves mostly of their type, sometimes anything."""
    if isinstance(shape, StructureShape) and depth < 6:
        members = {
            name: shaped(member, depth + 1)
            for name, member in shape.members.items()
            if not member.serialization.get("location")
        }
        required = {k: v for k, v in members.items() if k in shape.required_members}
        optional = {k: v for k, v in members.items() if k not in required}
        return mostly(
            st.fixed_dictionaries(required, optional=optional), st.fixed_dictionaries({}, optional=members) | leaves
        )
    if isinstance(shape, ListShape) and depth < 6:
        return mostly(st.lists(shaped(shape.member, depth + 1), max_size=2), leaves, odds=40)
    if isinstance(shape, MapShape) and depth < 6:
        return mostly(st.dictionaries(st.text(max_size=8), shaped(shape.value, depth + 1), max_size=2), leaves, odds=40)
    return mostly(_typed_leaf(shape), leaves, odds=40)


METADATA_LIKE = st.fixed_dictionaries(
    {"DatastoreID": st.just(DATASTORE_ID), "ImageSetID": st.just(IMAGE_SET_ID)}, optional={"Patient": json_values}
)


def bodies(operation: str) -> st.SearchStrategy[bytes]:
    documents = (
        METADATA_LIKE | json_values
        if operation == "GetImageSetMetadata"
        else shaped(SERVICE.operation_model(operation).output_shape) | json_values
    )
    encoded = documents.map(lambda d: json.dumps(d, allow_nan=True).encode())
    broken = st.one_of(st.binary(max_size=64), encoded.map(gzip.compress), encoded.map(lambda b: b[: len(b) // 2]))
    return mostly(encoded, broken, odds=2)


statuses = mostly(
    st.sampled_from([200, 201, 206]),
    st.one_of(st.sampled_from([204, 400, 402, 403, 404, 406, 409, 429, 500, 502, 503]), st.integers(100, 599)),
    odds=1,
)
header_sets = st.dictionaries(
    st.sampled_from(["x-amzn-ErrorType", "x-amzn-RequestId", "Retry-After", "x-amz-retry-after", "Content-Type"]),
    st.one_of(
        st.sampled_from(
            ["ThrottlingException", "ConflictException:http://x", "aws#ValidationException", "12", "-1", ""]
        ),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    ),
)


def check_outcome(operation: str, status: int, read: Callable[[], Any]) -> str:
    """Run ``read``; only a typed output (for a 2xx) or a HealthImagingError may come of it. Says which came."""
    try:
        output = read()
    except hic.ServiceError as exc:
        assert not 200 <= status < 300
        assert exc.status_code == status and exc.operation == operation
        assert str(exc) and repr(exc)
        return "service error"
    except hic.HealthImagingError as exc:
        assert exc.operation == operation
        assert str(exc) and repr(exc)
        return type(exc).__name__
    assert 200 <= status < 300
    assert isinstance(output, OUTPUT_TYPES[operation])
    assert repr(output)
    return "output"


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_any_response_parses_to_an_output_or_a_typed_error(operation: str) -> None:
    call = GOOD_CALLS[operation]

    seen: set[str] = set()

    @settings(max_examples=PARSE_EXAMPLES)
    @given(status=statuses, headers=header_sets, content=bodies(operation))
    def check(status: int, headers: dict[str, str], content: bytes) -> None:
        body = masked_body(content)
        seen.add(check_outcome(operation, status, lambda: call.parse(status, httpx.Headers(headers), body)))

    check()
    assert {"output", "service error", "InvalidResponseError"} <= seen


CLIENT_CALLS: dict[str, Callable[[Any], Any]] = {
    "SearchImageSets": lambda c: c.search_image_sets(DATASTORE_ID),
    "GetImageSetMetadata": lambda c: c.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID),
    "ListImageSetVersions": lambda c: c.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID),
    "UpdateImageSetMetadata": lambda c: c.update_image_set_metadata(
        DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, revert_to_version_id=0
    ),
    "CopyImageSet": lambda c: c.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=1),
    "GetImageFrame": lambda c: c.get_image_frame(DATASTORE_ID, IMAGE_SET_ID, IMAGE_SET_ID),
    "GetImageSet": lambda c: c.get_image_set(DATASTORE_ID, IMAGE_SET_ID),
    "DeleteImageSet": lambda c: c.delete_image_set(DATASTORE_ID, IMAGE_SET_ID),
}


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_any_response_through_the_client_gives_an_output_or_a_typed_error(kind: str) -> None:
    no_retry = client_kwargs(retry=hic.RetryConfig(max_attempts=1))
    loop = asyncio.new_event_loop()
    client: Any = hic.AsyncClient(**no_retry) if kind == "async" else hic.Client(**no_retry)

    def call(operation: str) -> Any:
        result = CLIENT_CALLS[operation](client)
        return loop.run_until_complete(result) if kind == "async" else result

    seen: set[str] = set()

    @settings(max_examples=CLIENT_EXAMPLES)
    @given(data=st.data(), operation=st.sampled_from(list(CLIENT_CALLS)), gzipped=st.booleans())
    def check(data: st.DataObject, operation: str, gzipped: bool) -> None:
        status, headers = data.draw(statuses), data.draw(header_sets)
        content = data.draw(bodies(operation))
        if gzipped:
            headers = {**headers, "Content-Encoding": "gzip"}
        with respx.mock() as router:
            # A stream, not content: the client, not this test, is to decode it.
            response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))
            router.post(url__startswith=ENDPOINT).mock(return_value=response)
            seen.add(check_outcome(operation, status, lambda: call(operation)))

    try:
        check()
        assert {"service error", "InvalidResponseError"} <= seen, seen
    finally:
        loop.run_until_complete(client.aclose()) if kind == "async" else client.close()
        loop.close()
