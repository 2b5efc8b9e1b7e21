"""The generated search-result hooks give exactly what the generic converter gives, and fall back to it."""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
import pytest

from healthimaging_client import models as m
from healthimaging_client._wire.converter import _make_converter, converter, wire_names
from healthimaging_client._wire.fast_structure import FAST_CLASSES, UNUSUAL, fast_function

GENERIC = _make_converter(fast_search_results=False)

TAGS: dict[str, Any] = {
    "DICOMPatientId": "SYN0000001",
    "DICOMPatientName": "SYNTHETIC^PATIENT",
    "DICOMPatientBirthDate": "19700101",
    "DICOMPatientSex": "O",
    "DICOMStudyInstanceUID": "1.2.826.0.1.3680043.8.498.1",
    "DICOMStudyId": "1",
    "DICOMStudyDescription": "SYNTHETIC CT",
    "DICOMNumberOfStudyRelatedSeries": 2,
    "DICOMNumberOfStudyRelatedInstances": 120,
    "DICOMAccessionNumber": "ACC000001",
    "DICOMSeriesInstanceUID": "1.2.826.0.1.3680043.8.498.1.1",
    "DICOMSeriesModality": "CT",
    "DICOMSeriesBodyPart": "CHEST",
    "DICOMSeriesNumber": 1,
    "DICOMStudyDate": "20240102",
    "DICOMStudyTime": "101500",
}
FULL: dict[str, Any] = {
    "imageSetId": "0" * 32,
    "version": 3,
    "createdAt": 1680042257.908123,
    "updatedAt": 1680042300,
    "lastAccessedAt": 1700000000.5,
    "storageTier": "FREQUENT_ACCESS",
    "DICOMTags": TAGS,
    "isPrimary": False,
}

#: Documents the fast path reads itself.
READ_FAST = [
    FULL,
    {**FULL, "storageTier": "SOME_FUTURE_TIER", "isPrimary": True, "extraMember": {"x": 1}},
    {**FULL, "createdAt": 0, "updatedAt": 1.000001, "lastAccessedAt": None, "storageTier": "ARCHIVE_INSTANT_ACCESS"},
    {"imageSetId": "a" * 32},
    {"imageSetId": "b" * 32, "DICOMTags": {}, "version": None, "storageTier": None},
    {"imageSetId": "c" * 32, "DICOMTags": {**TAGS, "DICOMPatientName": None, "DICOMSeriesNumber": None}},
]
#: Documents it hands to the generic hook: unusual but readable, or wrong.
FALLBACK_OK = [
    {**FULL, "createdAt": "2023-03-28T22:24:17.908Z"},
    {**FULL, "updatedAt": "1680042300.25", "version": 2.0},
    {**FULL, "DICOMTags": {**TAGS, "DICOMSeriesNumber": 4.0}},
]
FALLBACK_BAD = [
    {"version": 1},
    {**FULL, "imageSetId": 7},
    {**FULL, "isPrimary": "yes"},
    {**FULL, "storageTier": 3},
    {**FULL, "version": True},
    {**FULL, "DICOMTags": {**TAGS, "DICOMPatientId": 12}},
    {**FULL, "createdAt": [1]},
]


def fields_of(value: object) -> list[tuple[str, type, object]]:
    """Every field with its value's exact type, nested models included."""
    out: list[tuple[str, type, object]] = []
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        out += fields_of(item) if attrs.has(type(item)) else [(field.name, type(item), item)]
    return out


@pytest.mark.parametrize("document", READ_FAST + FALLBACK_OK)
def test_the_same_objects_as_the_generic_converter(document: dict[str, Any]) -> None:
    fast = converter.structure(document, m.ImageSetsMetadataSummary)
    generic = GENERIC.structure(document, m.ImageSetsMetadataSummary)
    assert fast == generic
    assert fields_of(fast) == fields_of(generic)


def test_every_field_is_read_by_the_fast_path() -> None:
    summary = fast_function(m.ImageSetsMetadataSummary, wire_names)
    assert summary is not None
    full = summary(FULL)
    assert full == GENERIC.structure(FULL, m.ImageSetsMetadataSummary)
    unset = [name for name, _, value in fields_of(full) if value is None]
    assert not unset, f"the sample leaves fields unset, so a dropped field would pass: {unset}"
    for document in READ_FAST:
        assert summary(document) == GENERIC.structure(document, m.ImageSetsMetadataSummary)


@pytest.mark.parametrize("document", FALLBACK_OK)
def test_unusual_documents_take_the_generic_path(document: dict[str, Any]) -> None:
    summary = fast_function(m.ImageSetsMetadataSummary, wire_names)
    assert summary is not None
    assert summary(document) is UNUSUAL


@pytest.mark.parametrize("document", FALLBACK_BAD)
def test_errors_are_the_generic_converters(document: dict[str, Any]) -> None:
    with pytest.raises(cattrs.BaseValidationError) as fast:
        converter.structure(document, m.ImageSetsMetadataSummary)
    with pytest.raises(cattrs.BaseValidationError) as generic:
        GENERIC.structure(document, m.ImageSetsMetadataSummary)
    assert cattrs.transform_error(fast.value) == cattrs.transform_error(generic.value)


def test_a_page_of_results_uses_the_fast_hooks() -> None:
    page = {"imageSetsMetadataSummaries": READ_FAST, "nextToken": "t"}
    assert converter.structure(page, m.SearchImageSetsOutput) == GENERIC.structure(page, m.SearchImageSetsOutput)
    assert {m.ImageSetsMetadataSummary, m.DICOMTags} == set(FAST_CLASSES)
    assert converter.get_structure_hook(m.DICOMTags) is not GENERIC.get_structure_hook(m.DICOMTags)
