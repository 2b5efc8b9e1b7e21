"""Bad input raises ParamValidationError naming every problem, and nothing is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, IMAGE_SET_ID, OTHER_IMAGE_SET_ID, Harness

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
