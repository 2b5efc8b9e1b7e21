"""Bad input raises ParamValidationError naming every problem, and nothing is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, IMAGE_SET_ID, OTHER_IMAGE_SET_ID, Harness, client_kwargs

SV = hic.SearchByAttributeValue
F = hic.SearchFilter
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def search(datastore_id: str = DATASTORE_ID, **kwargs: Any) -> Any:
    return lambda c: c.search_image_sets(datastore_id, **kwargs)


def update(**kwargs: Any) -> Any:
    kwargs.setdefault("latest_version_id", 1)
    if "updates" not in kwargs and "revert_to_version_id" not in kwargs:
        kwargs["revert_to_version_id"] = 0
    return lambda c: c.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, **kwargs)


def copy(**kwargs: Any) -> Any:
    kwargs.setdefault("source_latest_version_id", 1)
    return lambda c: c.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, **kwargs)


CASES: list[tuple[str, Any, str]] = [
    ("short datastore id", search(datastore_id="abc"), "datastore_id: must be 32 characters"),
    ("upper-case id", search(datastore_id=DATASTORE_ID.upper()), "datastore_id: has upper-case letters"),
    ("path traversal id", lambda c: c.get_image_set_metadata(DATASTORE_ID, "../" + "a" * 29), "image_set_id"),
    ("encoded slash id", lambda c: c.list_image_set_versions(DATASTORE_ID, "%2F" + "a" * 29), "image_set_id"),
    ("id with a space", lambda c: c.list_image_set_versions(DATASTORE_ID, " " + "a" * 31), "image_set_id"),
    ("id not a string", lambda c: c.get_image_set_metadata(DATASTORE_ID, 12345), "image_set_id: expected a string"),
    (
        "version not digits",
        lambda c: c.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id="v1"),
        "version_id",
    ),
    ("negative version", lambda c: c.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id=-1), "version_id"),
    ("bool version", update(latest_version_id=True), "latest_version_id: expected an int"),
    ("max results 0", search(max_results=0), "max_results: must be from 1 to 50"),
    ("max results 51", lambda c: c.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID, max_results=51), "1 to 50"),
    ("empty next token", search(next_token=""), "next_token: must be 1 to 8192"),
    ("long next token", search(next_token="a" * 8193), "next_token: must be 1 to 8192"),
    ("non-ascii next token", search(next_token="é"), "next_token: must be ASCII"),
    ("no filters in list", search(filters=[]), "filters: must hold 1 or 2 filters"),
    ("three filters", search(filters=[F(values=[SV(is_primary=True)], operator="EQUAL")] * 3), "1 or 2 filters"),
    ("three values", search(filters=[F(values=[SV(is_primary=True)] * 3, operator="EQUAL")]), "1 or 2 values"),
    ("no values", search(filters=[F(values=[], operator="EQUAL")]), "filters[0].values: must hold 1 or 2 values"),
    ("EQUAL with two", search(filters=[F(values=[SV(is_primary=True)] * 2, operator="EQUAL")]), "EQUAL takes exactly"),
    ("BETWEEN with one", search(filters=[F(values=[SV(created_at=NOW)], operator="BETWEEN")]), "BETWEEN takes exactly"),
    (
        "BETWEEN mixed members",
        search(filters=[F(values=[SV(created_at=NOW), SV(updated_at=NOW)], operator="BETWEEN")]),
        "two values of the same attribute",
    ),
    (
        "unknown operator",
        search(filters=[F(values=[SV(is_primary=True)], operator="LIKE")]),
        "operator: must be one of",
    ),
    (
        "union with two members",
        search(filters=[F(values=[SV(is_primary=True, dicom_patient_id="x")], operator="EQUAL")]),
        "exactly one member",
    ),
    ("union with none", search(filters=[F(values=[SV()], operator="EQUAL")]), "exactly one member (got 0)"),
    (
        "bad study uid",
        search(filters=[F(values=[SV(dicom_study_instance_uid="1.2.a")], operator="EQUAL")]),
        "must match [0-9.]+",
    ),
    (
        "bad series uid",
        search(filters=[F(values=[SV(dicom_series_instance_uid="")], operator="EQUAL")]),
        "must match [0-9.]+",
    ),
    ("long patient id", search(filters=[F(values=[SV(dicom_patient_id="p" * 513)], operator="EQUAL")]), "at most 512"),
    (
        "timestamp not a datetime",
        search(filters=[F(values=[SV(created_at="2024")], operator="EQUAL")]),
        "expected a datetime",
    ),
    (
        "study date too long",
        search(
            filters=[
                F(
                    values=[SV(dicom_study_date_and_time=hic.DICOMStudyDateAndTime(dicom_study_date="1" * 37))],
                    operator="EQUAL",
                )
            ]
        ),
        "must be a date as YYYYMMDD",
    ),
    ("unknown sort field", search(sort=hic.Sort(sort_order="ASC", sort_field="patientName")), "sort.sort_field"),
    ("unknown sort order", search(sort=hic.Sort(sort_order="UP", sort_field="createdAt")), "sort.sort_order"),
    (
        "updates and revert",
        update(updates=hic.DICOMUpdates(updatable_attributes={}), revert_to_version_id=1),
        "exactly one of",
    ),
    (
        "neither updates nor revert",
        lambda c: c.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1),
        "exactly one of",
    ),
    ("empty DICOM updates", update(updates=hic.DICOMUpdates()), "set updatable_attributes, removable_attributes"),
    ("empty blob", update(updates=hic.DICOMUpdates(updatable_attributes=b"")), "must be 1 to 30,000 bytes"),
    ("blob too large", update(updates=hic.DICOMUpdates(updatable_attributes={"x": "y" * 30_000})), "30,000 bytes"),
    ("blob not JSON", update(updates=hic.DICOMUpdates(removable_attributes="not json")), "must be a JSON document"),
    ("blob not an object", update(updates=hic.DICOMUpdates(removable_attributes="[1]")), "must be a JSON object"),
    ("force not bool", update(force="yes"), "force: expected a bool"),
    ("copiable too large", copy(copiable_attributes={"x": "y" * 260_000}), "260,000 characters"),
    ("copiable not JSON", copy(copiable_attributes="{"), "copiable_attributes: must be a JSON document"),
    ("destination without version", copy(destination_image_set_id=OTHER_IMAGE_SET_ID), "go together"),
    (
        "bad destination id",
        copy(destination_image_set_id="x", destination_latest_version_id=1),
        "destination_image_set_id",
    ),
    ("promote not bool", copy(promote_to_primary=1), "promote_to_primary: expected a bool"),
]


@pytest.mark.parametrize(("call", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_rejects_its_input_before_sending(sdk: Harness, call: Any, expected: str) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=".*")
        client = sdk.client()
        with pytest.raises(hic.ParamValidationError) as caught:
            sdk.run(call(client))
    assert not route.called
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_all_problems_are_listed_together(sdk: Harness) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=".*")
        with pytest.raises(hic.ParamValidationError) as caught:
            sdk.run(sdk.client().list_image_set_versions("bad", "worse", max_results=0, next_token=""))
    assert not route.called
    fields = [problem.split(":")[0] for problem in caught.value.problems]
    assert fields == ["datastore_id", "image_set_id", "max_results", "next_token"]
    assert isinstance(caught.value, ValueError)
    assert "ListImageSetVersions" in str(caught.value)


def test_problems_never_quote_the_value() -> None:
    secret_name = "SMITH^CANARY"
    with pytest.raises(hic.ParamValidationError) as caught:
        hic.Client(region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b").search_image_sets(
            DATASTORE_ID, filters=[F(values=[SV(dicom_study_instance_uid=secret_name)], operator="EQUAL")]
        )
    assert secret_name not in str(caught.value)
    assert secret_name not in repr(caught.value)


@pytest.mark.parametrize("value", [1, "1", 50, "12345678901234567890"])
def test_version_ids_accept_int_and_str(sdk: Harness, value: Any) -> None:
    import httpx

    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json={"SchemaVersion": "1.1"}))
        sdk.run(sdk.client().get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id=value))
    assert route.calls[0].request.url.params["version"] == str(value)


# --- issue 14: what was sent, or escaped untyped, and is now refused by field path --------------------

NOT_ASCII_DIGITS = ["\u0661\uff11", "\u0661", "\uff11", "1\u0662", "\u00b2"]


@pytest.mark.parametrize("version", NOT_ASCII_DIGITS)
def test_version_ids_are_ascii_digits(sdk: Harness, version: str) -> None:
    calls = [
        lambda c: c.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id=version),
        update(latest_version_id=version),
        update(revert_to_version_id=version),
        copy(source_latest_version_id=version),
    ]
    for call in calls:
        problems = rejected(sdk, call)
        assert any("version_id: must be a non-negative whole number, in ASCII digits" in p for p in problems), problems


def test_a_version_id_too_large_for_an_int_is_refused(sdk: Harness) -> None:
    problems = rejected(sdk, copy(source_latest_version_id=10**5000))
    assert problems == ["source_latest_version_id: is too large for a version id"]


def rejected(sdk: Harness, call: Any) -> list[str]:
    """The problems of a call that must be refused before sending (the mock answers nothing)."""
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=".*")
        with pytest.raises(hic.ParamValidationError) as caught:
            sdk.run(call(sdk.client()))
    assert not route.called
    return caught.value.problems


PHI_VALUE = "ZZCANARY^VALUE"
PHI_KEY = "ZZCANARY^KEY"
DEEP: dict[str, Any] = {}
_node = DEEP
for _ in range(2_000):
    _node["a"] = {}
    _node = _node["a"]

#: Documents JSON cannot hold, or the service cannot read; each with what the problem says.
BAD_DOCUMENTS: list[Any] = [
    pytest.param({"a": {PHI_VALUE, "x"}}, "holds a set, which JSON cannot represent (at depth 2)", id="set"),
    pytest.param({"a": [date(2024, 1, 5)]}, "holds a date, which JSON cannot represent (at depth 3)", id="date"),
    pytest.param({"a": PHI_VALUE.encode()}, "holds a bytes, which JSON cannot represent (at depth 2)", id="bytes"),
    pytest.param(DEEP, "is nested more than 100 levels deep", id="deep"),
    pytest.param({1: PHI_VALUE, "1": "b"}, "has a key that is a int, not a string (at depth 1)", id="mixed-keys"),
    pytest.param({PHI_KEY: float("nan")}, "holds NaN or an infinity, which JSON cannot represent", id="nan"),
    pytest.param({"a": [float("inf")]}, "holds NaN or an infinity", id="infinity"),
    pytest.param({"a": PHI_VALUE + "\ud800"}, "holds text with a lone surrogate", id="surrogate-value"),
    pytest.param({PHI_KEY + "\udfff": 1}, "has a key that text with a lone surrogate", id="surrogate-key"),
    pytest.param({"a": 2**70}, "holds an integer too large for JSON readers", id="huge-int"),
    pytest.param('{"a": NaN}', "must be a JSON document", id="nan-text"),
    pytest.param('{"a": -Infinity}', "must be a JSON document", id="infinity-text"),
    pytest.param('{"a": "\\ud800"}', "holds text with a lone surrogate", id="escaped-surrogate-text"),
    pytest.param("[" * 20_000, "is nested more than 100 levels deep", id="deep-text"),
    pytest.param(b'{"a": "\xff"}', "must be UTF-8", id="not-utf8-bytes"),
]


@pytest.mark.parametrize(("document", "says"), BAD_DOCUMENTS)
def test_an_update_document_json_cannot_carry_is_refused_by_field_path(sdk: Harness, document: Any, says: str) -> None:
    forms = [
        ("updates.updatable_attributes", update(updates=hic.DICOMUpdates(updatable_attributes=document))),
        ("updates.removable_attributes", update(updates={"removableAttributes": document})),
    ]
    for path, call in forms:
        problems = rejected(sdk, call)
        assert len(problems) == 1 and problems[0].startswith(f"{path}: {says}"), problems
        assert not any(PHI_VALUE in p or PHI_KEY in p for p in problems)


@pytest.mark.parametrize(("document", "says"), [p for p in BAD_DOCUMENTS if not isinstance(p.values[0], bytes)])
def test_a_copy_document_json_cannot_carry_is_refused_by_field_path(sdk: Harness, document: Any, says: str) -> None:
    problems = rejected(sdk, copy(copiable_attributes=document))
    assert len(problems) == 1 and problems[0].startswith(f"copiable_attributes: {says}"), problems
    assert not any(PHI_VALUE in p or PHI_KEY in p for p in problems)


def test_the_models_take_any_document_and_validation_reports_it() -> None:
    """Constructors never raise (an error there would pass through frames holding the document)."""
    updates = hic.DICOMUpdates(updatable_attributes={"a": {1, 2}}, removable_attributes=DEEP)
    assert updates.updatable_attributes == b"" and updates.removable_attributes == b""
    assert "***" in repr(updates)


@pytest.mark.parametrize(
    "updates",
    [{PHI_KEY: {}}, {"updatableAttributes": {"a": 1}, PHI_KEY: 1, 7: 2}, {1: "a", "b": 2}],
    ids=["one", "two-of-three", "mixed-keys"],
)
def test_unknown_update_keys_are_counted_and_placed_never_named(sdk: Harness, updates: dict[Any, Any]) -> None:
    problems = rejected(sdk, update(updates=updates))
    unknown = [i + 1 for i, key in enumerate(updates) if key not in ("updatableAttributes", "removableAttributes")]
    count = len(unknown)
    expected = (
        f"updates: {count} unknown key{'s' if count > 1 else ''} (key {', '.join(map(str, unknown))} of "
        f"{len(updates)}); expected updatableAttributes and/or removableAttributes"
    )
    assert problems == [expected]


def test_an_upper_case_id_is_named_as_the_problem(sdk: Harness) -> None:
    assert rejected(sdk, search(DATASTORE_ID.upper())) == [
        "datastore_id: has upper-case letters: ids are 32 characters of [0-9a-z], lower-case only"
    ]
    assert rejected(sdk, search("a" * 31 + "-")) == [
        "datastore_id: must be 32 characters of [0-9a-z] (it has other characters)"
    ]


GOOD_DATES = ["20240105", "19000101", "20240229"]
BAD_DATES = ["2024-01-05", "20240230", "2024010", "202401050", "20241305", "2024\u00e9105", "00000101"]
GOOD_TIMES = ["09", "0930", "093000", "093000.1", "093000.123456", "235960", "000000"]
BAD_TIMES = ["09:30", "9", "24", "0960", "093000.1234567", "093061", "093000.", "0930.5", "093000 "]


def study_date(date_value: Any, time_value: Any = None) -> Any:
    value = SV(
        dicom_study_date_and_time=hic.DICOMStudyDateAndTime(dicom_study_date=date_value, dicom_study_time=time_value)
    )
    return search(filters=[F(values=[value], operator="EQUAL")])


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_study_date_must_be_a_dicom_da(sdk: Harness, value: str) -> None:
    problems = rejected(sdk, study_date(value))
    assert len(problems) == 1 and "dicom_study_date: must be a date" in problems[0] and "YYYYMMDD" in problems[0]


@pytest.mark.parametrize("value", BAD_TIMES)
def test_a_study_time_must_be_a_dicom_tm(sdk: Harness, value: str) -> None:
    problems = rejected(sdk, study_date("20240105", value))
    assert len(problems) == 1 and "dicom_study_time: must be a time as HHMMSS" in problems[0]


def test_dicom_dates_and_times_are_sent(sdk: Harness) -> None:
    """The control: each good date, with and without each good time, passes and is sent as given."""
    import httpx

    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(
            return_value=httpx.Response(200, json={"imageSetsMetadataSummaries": []})
        )
        client = sdk.client()
        for date_value in GOOD_DATES:
            for time_value in [None, *GOOD_TIMES]:
                sdk.run(study_date(date_value, time_value)(client))
    assert route.call_count == len(GOOD_DATES) * (len(GOOD_TIMES) + 1)


# --- configuration errors at construction ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("http://127.0.0.1:9\t", "must not contain whitespace or control characters"),
        (" http://127.0.0.1:9", "must not contain whitespace or control characters"),
        ("http://127.0.0.1:9\n", "must not contain whitespace or control characters"),
        ("http://127.0.0.1:9/x y", "must not contain whitespace or control characters"),
        ("http://ex\u00e4mple.com", "must be ASCII"),
        ("http://127.0.0.1:99999", "has a port that is not a number from 0 to 65535"),
    ],
)
def test_an_endpoint_url_that_cannot_be_sent_to_is_refused_at_construction(
    sdk: Harness, endpoint: str, says: str
) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        sdk.client(endpoint_url=endpoint)
    assert len(caught.value.problems) == 1 and caught.value.problems[0].startswith(f"endpoint_url: {says}")


@pytest.mark.parametrize(
    ("argument", "meant"),
    [
        ("region", "region_name"),
        ("aws_region", "region_name"),
        ("endpoint", "endpoint_url"),
        ("profile", "profile_name"),
        ("config", "retry, timeout and limits (there is no botocore Config)"),
        ("regoin_name", "region_name"),
    ],
)
@pytest.mark.parametrize("cls", [hic.Client, hic.AsyncClient])
def test_a_misspelt_constructor_argument_names_the_class_and_what_was_meant(
    cls: type, argument: str, meant: str
) -> None:
    with pytest.raises(TypeError) as caught:
        cls(**{argument: "us-east-1"})
    assert str(caught.value) == (
        f"{cls.__name__}() got an unexpected keyword argument '{argument}' (did you mean {meant}?)"
    )


def test_positional_constructor_arguments_are_refused_without_echoing_them() -> None:
    with pytest.raises(TypeError) as caught:
        hic.Client("AKIDZZCANARY", "ZZCANARY-secret")  # type: ignore[misc]
    assert str(caught.value) == (
        "Client() takes keyword arguments only, such as Client(region_name=...) (2 positional arguments given)"
    )


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda c: c.search_image_sets(datastoreId=DATASTORE_ID), "'datastoreId' (did you mean datastore_id?)"),
        (lambda c: c.search_image_sets(DATASTORE_ID, maxResults=5), "'maxResults' (did you mean max_results?)"),
        (
            lambda c: c.search_image_sets(DATASTORE_ID, searchCriteria={}),
            "'searchCriteria' (did you mean filters and sort?)",
        ),
        (
            lambda c: c.iter_image_sets(DATASTORE_ID, PaginationConfig={}),
            "(did you mean page_size, max_items and starting_token?)",
        ),
        (
            lambda c: c.get_image_set_metadata(DATASTORE_ID, imageSetId=IMAGE_SET_ID),
            "'imageSetId' (did you mean image_set_id?)",
        ),
        (
            lambda c: c.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version=1),
            "(did you mean source_latest_version_id?)",
        ),
    ],
)
def test_a_misspelt_method_argument_says_what_was_meant(sdk: Harness, call: Any, says: str) -> None:
    with pytest.raises(TypeError) as caught:
        result = call(sdk.client())
        sdk.run(result) if not hasattr(result, "__aiter__") and not hasattr(result, "__next__") else None
    assert "got an unexpected keyword argument" in str(caught.value) and says in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"region_name": 5}, "region_name: expected str or None, got int"),
        ({"endpoint_url": b"http://x"}, "endpoint_url: expected str or None, got bytes"),
        ({"aws_session_token": 7}, "aws_session_token: expected str or None, got int"),
        ({"use_fips_endpoint": "yes"}, "use_fips_endpoint: expected a bool, got str"),
        ({"timeout": "30"}, "timeout: must be a number of seconds (0 or more), an httpx.Timeout, or None"),
        ({"timeout": float("nan")}, "timeout: must be a number of seconds"),
        ({"retry": {"max_attempts": 5}}, "retry: expected RetryConfig or None, got dict"),
        ({"rate_limits": 3}, "rate_limits: expected Mapping or None, got int"),
        ({"limits": 10}, "limits: expected Limits or None, got int"),
        ({"http_client": object()}, "http_client: expected"),
        ({"log_bodies": None}, "log_bodies: expected a bool, got NoneType"),
        ({"clock": 1.0}, "clock: expected an object with monotonic() and sleep(seconds), got float"),
        ({"botocore_session": "default"}, "botocore_session: expected a botocore Session, got str"),
    ],
)
def test_a_constructor_argument_of_a_wrong_type_is_named(sdk: Harness, kwargs: dict[str, Any], problem: str) -> None:
    cls = hic.AsyncClient if sdk.kind == "async" else hic.Client
    with pytest.raises(hic.ParamValidationError) as caught:
        cls(**client_kwargs(**kwargs))
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
