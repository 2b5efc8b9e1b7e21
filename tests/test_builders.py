"""The update and copy builders against the service's documented JSON, their limits, and their use by both clients."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, OTHER_IMAGE_SET_ID, Harness
from .test_metadata import PATIENT_NAME, SERIES_A, SERIES_B, SOP_A1, SOP_A2, SOP_B1, document

UPDATE_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/updateImageSetMetadata"
COPY_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/copyImageSet"


@pytest.fixture
def meta() -> hic.ImageSetMetadata:
    doc = document()
    doc["Study"]["DICOM"]["StudyDescription"] = "CHEST"
    return hic.ImageSetMetadata(doc)


def decoded(blob: bytes | None) -> Any:
    assert blob is not None
    return json.loads(blob)


# --- the documented examples (WIRE.md, UpdateImageSetMetadata and CopyImageSet pages) ---------


def test_set_patient_name_is_the_documented_update() -> None:
    updates = hic.DICOMUpdatesBuilder().set_patient(PatientName="DOE^JANE").build()
    assert decoded(updates.updatable_attributes) == {
        "SchemaVersion": 1.1,
        "Patient": {"DICOM": {"PatientName": "DOE^JANE"}},
    }
    assert updates.removable_attributes is None


def test_removal_by_tag_repeats_the_current_value(meta: hic.ImageSetMetadata) -> None:
    updates = hic.DICOMUpdatesBuilder(meta).remove_study("StudyDescription").build()
    assert decoded(updates.removable_attributes) == {
        "SchemaVersion": 1.1,
        "Study": {"DICOM": {"StudyDescription": "CHEST"}},
    }
    assert updates.updatable_attributes is None


def test_removal_with_explicit_values_needs_no_metadata() -> None:
    updates = hic.DICOMUpdatesBuilder().remove_study({"StudyDescription": "CHEST"}).build()
    assert decoded(updates.removable_attributes) == {
        "SchemaVersion": 1.1,
        "Study": {"DICOM": {"StudyDescription": "CHEST"}},
    }


def test_remove_instance_is_the_documented_shape() -> None:
    updates = hic.DICOMUpdatesBuilder().remove_instance(SERIES_A, SOP_A1).build()
    assert decoded(updates.removable_attributes) == {
        "SchemaVersion": 1.1,
        "Study": {"Series": {SERIES_A: {"Instances": {SOP_A1: {}}}}},
    }


def test_remove_series() -> None:
    updates = hic.DICOMUpdatesBuilder().remove_series(SERIES_B).build()
    assert decoded(updates.removable_attributes) == {"SchemaVersion": 1.1, "Study": {"Series": {SERIES_B: {}}}}


def test_private_tag_carries_its_vr() -> None:
    updates = (
        hic.DICOMUpdatesBuilder().set_instance(SERIES_A, SOP_A1, {"001910F9": "97"}, vrs={"001910F9": "DS"}).build()
    )
    assert decoded(updates.updatable_attributes) == {
        "SchemaVersion": 1.1,
        "Study": {
            "Series": {SERIES_A: {"Instances": {SOP_A1: {"DICOM": {"001910F9": "97"}, "DICOMVRs": {"001910F9": "DS"}}}}}
        },
    }


def test_removing_a_private_tag_by_name_takes_value_and_vr_from_the_metadata(meta: hic.ImageSetMetadata) -> None:
    updates = hic.DICOMUpdatesBuilder(meta).remove_instance_attributes(SERIES_A, SOP_A1, "001910F9").build()
    instance = decoded(updates.removable_attributes)["Study"]["Series"][SERIES_A]["Instances"][SOP_A1]
    assert instance == {"DICOM": {"001910F9": "97"}, "DICOMVRs": {"001910F9": "DS"}}


def test_all_levels_together_merge_into_one_document(meta: hic.ImageSetMetadata) -> None:
    builder = (
        hic.DICOMUpdatesBuilder(meta)
        .set_patient({"PatientName": "DOE^JOHN"}, PatientID="SYN-7")
        .set_study(StudyDescription="HEAD")
        .set_series(SERIES_A, SeriesDescription="AXIAL")
        .set_series(SERIES_A, {"SeriesNumber": 4})
        .remove_patient("PatientName")
        .remove_series_attributes(SERIES_B, "Modality")
    )
    assert builder.updatable_attributes() == {
        "SchemaVersion": 1.1,
        "Patient": {"DICOM": {"PatientName": "DOE^JOHN", "PatientID": "SYN-7"}},
        "Study": {
            "DICOM": {"StudyDescription": "HEAD"},
            "Series": {SERIES_A: {"DICOM": {"SeriesDescription": "AXIAL", "SeriesNumber": 4}}},
        },
    }
    assert builder.removable_attributes() == {
        "SchemaVersion": 1.1,
        "Patient": {"DICOM": {"PatientName": PATIENT_NAME}},
        "Study": {"Series": {SERIES_B: {"DICOM": {"Modality": "SR"}}}},
    }


def test_copy_subset_is_the_documented_shape() -> None:
    text = hic.CopySubsetBuilder().add_instances(SERIES_A, [SOP_A1]).build()
    assert json.loads(text) == {"SchemaVersion": "1.1", "Study": {"Series": {SERIES_A: {"Instances": {SOP_A1: {}}}}}}


def test_copy_whole_series_from_the_source_metadata(meta: hic.ImageSetMetadata) -> None:
    builder = hic.CopySubsetBuilder(meta).add_series(SERIES_A).add_instances(SERIES_B, [SOP_B1])
    assert builder.to_dict()["Study"]["Series"] == {
        SERIES_A: {"Instances": {SOP_A1: {}, SOP_A2: {}}},
        SERIES_B: {"Instances": {SOP_B1: {}}},
    }
    assert "1.2.826" not in repr(builder)


# --- problems ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda meta: hic.DICOMUpdatesBuilder().remove_patient("PatientName"),
        lambda meta: hic.DICOMUpdatesBuilder(meta).remove_patient("NoSuchTag"),
        lambda meta: hic.DICOMUpdatesBuilder(meta).remove_series_attributes("9.9", "Modality"),
        lambda meta: hic.DICOMUpdatesBuilder(meta).remove_study(),
        lambda meta: hic.DICOMUpdatesBuilder().set_patient(),
        lambda meta: hic.DICOMUpdatesBuilder().build(),
        lambda meta: hic.CopySubsetBuilder().add_series(SERIES_A),
        lambda meta: hic.CopySubsetBuilder(meta).add_series("9.9"),
        lambda meta: hic.CopySubsetBuilder().add_instances(SERIES_A, []),
        lambda meta: hic.CopySubsetBuilder().build(),
    ],
)
def test_misuse_is_a_param_validation_error_without_values(make: Any, meta: hic.ImageSetMetadata) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        make(meta)
    assert PATIENT_NAME not in str(caught.value)
    assert SERIES_A not in str(caught.value)


def _fill_to(size: int) -> hic.DICOMUpdatesBuilder:
    """A builder whose updatable JSON is exactly ``size`` bytes."""
    empty = len(
        json.dumps({"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientComments": ""}}}, separators=(",", ":"))
    )
    return hic.DICOMUpdatesBuilder().set_patient(
        PatientComments="é" * ((size - empty) // 2) + "x" * ((size - empty) % 2)
    )


def test_update_limit_is_30000_bytes_of_utf8() -> None:
    at_limit = _fill_to(30_000).build()
    assert at_limit.updatable_attributes is not None and len(at_limit.updatable_attributes) == 30_000
    with pytest.raises(hic.ParamValidationError, match="30,001 bytes"):
        _fill_to(30_001).build()


def test_copy_limit_is_260000_characters() -> None:
    def builder(count: int) -> hic.CopySubsetBuilder:
        return hic.CopySubsetBuilder().add_instances(SERIES_A, (f"1.2.{i:09d}" for i in range(count)))

    per_instance = len(builder(2).build()) - len(builder(1).build())
    base = len(builder(1).build()) - per_instance
    fits = (260_000 - base) // per_instance
    assert len(builder(fits).build()) <= 260_000
    with pytest.raises(hic.ParamValidationError, match="260,000"):
        builder(fits + 1).build()


# --- through the clients ----------------------------------------------------------------------


def _update_response() -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "datastoreId": DATASTORE_ID,
            "imageSetId": IMAGE_SET_ID,
            "latestVersionId": "2",
            "imageSetState": "LOCKED",
        },
    )


def test_update_accepts_a_builder(sdk: Harness, meta: hic.ImageSetMetadata) -> None:
    builder = hic.DICOMUpdatesBuilder(meta).set_patient(PatientName="DOE^JOHN").remove_study("StudyDescription")
    with respx.mock:
        route = respx.post(UPDATE_URL).mock(return_value=_update_response())
        sdk.run(
            sdk.client().update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, updates=builder)
        )
    sent = json.loads(route.calls[0].request.content)["DICOMUpdates"]
    assert json.loads(base64.b64decode(sent["updatableAttributes"])) == builder.updatable_attributes()
    assert json.loads(base64.b64decode(sent["removableAttributes"])) == builder.removable_attributes()


def test_update_accepts_the_boto3_dict(sdk: Harness) -> None:
    doc = {"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": "DOE^JANE"}}}
    with respx.mock:
        route = respx.post(UPDATE_URL).mock(return_value=_update_response())
        sdk.run(
            sdk.client().update_image_set_metadata(
                DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, updates={"updatableAttributes": doc}
            )
        )
    sent = json.loads(route.calls[0].request.content)["DICOMUpdates"]
    assert json.loads(base64.b64decode(sent["updatableAttributes"])) == doc
    assert "removableAttributes" not in sent


@pytest.mark.parametrize(
    ("updates", "expected"),
    [
        ({"updatable": {}}, "updates: 1 unknown key (key 1 of 1)"),
        (hic.DICOMUpdatesBuilder(), "updates.attributes: nothing to set or remove"),
        (42, "updates: expected DICOMUpdates"),
    ],
)
def test_bad_updates_are_rejected_before_sending(sdk: Harness, updates: Any, expected: str) -> None:
    with respx.mock, pytest.raises(hic.ParamValidationError) as caught:  # no route: a request would fail the test
        sdk.run(
            sdk.client().update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, updates=updates)
        )
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems


def test_copy_accepts_a_builder_at_the_right_level(sdk: Harness) -> None:
    subset = hic.CopySubsetBuilder().add_instances(SERIES_A, [SOP_A1])
    response = {
        "datastoreId": DATASTORE_ID,
        "sourceImageSetProperties": {"imageSetId": IMAGE_SET_ID, "latestVersionId": "2"},
        "destinationImageSetProperties": {"imageSetId": OTHER_IMAGE_SET_ID, "latestVersionId": "5"},
    }
    with respx.mock:
        route = respx.post(COPY_URL).mock(return_value=httpx.Response(200, json=response))
        sdk.run(
            sdk.client().copy_image_set(
                DATASTORE_ID,
                IMAGE_SET_ID,
                source_latest_version_id=1,
                copiable_attributes=subset,
                destination_image_set_id=OTHER_IMAGE_SET_ID,
                destination_latest_version_id=4,
            )
        )
    body = json.loads(route.calls[0].request.content)
    assert body["sourceImageSet"]["DICOMCopies"]["copiableAttributes"] == subset.build()
    assert body["destinationImageSet"] == {"imageSetId": OTHER_IMAGE_SET_ID, "latestVersionId": "4"}


def test_an_empty_copy_builder_is_rejected_before_sending(sdk: Harness) -> None:
    with respx.mock, pytest.raises(hic.ParamValidationError) as caught:
        sdk.run(
            sdk.client().copy_image_set(
                DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=1, copiable_attributes=hic.CopySubsetBuilder()
            )
        )
    assert caught.value.problems[0].startswith("copiable_attributes.series:")


# --- DICOM keywords, checked against the data dictionary as attributes are added --------------------

VALUE = "ZZCANARY^VALUE"


@pytest.mark.parametrize(
    ("make", "meant"),
    [
        (lambda: hic.DICOMUpdatesBuilder().set_patient(PatientNmae=VALUE), "PatientName"),
        (lambda: hic.DICOMUpdatesBuilder().set_patient(patient_name=VALUE), "PatientName"),
        (lambda: hic.DICOMUpdatesBuilder().set_study({"StudyDescripton": VALUE}), "StudyDescription"),
        (lambda: hic.DICOMUpdatesBuilder().set_series(SERIES_A, seriesdescription=VALUE), "SeriesDescription"),
        (lambda: hic.DICOMUpdatesBuilder().remove_study({"AccesionNumber": VALUE}), "AccessionNumber"),
    ],
)
def test_a_misspelt_keyword_is_refused_with_the_closest_one(make: Any, meant: str) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        make()
    (problem,) = caught.value.problems
    assert f"is not a DICOM keyword (did you mean {meant}?)" in problem
    assert "attribute 1 of 1" in problem
    assert VALUE not in str(caught.value)


def test_a_misspelt_keyword_to_remove_by_name_is_refused_with_the_closest_one(meta: hic.ImageSetMetadata) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        hic.DICOMUpdatesBuilder(meta).remove_study("StudyDescripton")
    assert caught.value.problems == [
        "tags: tag 1 is not a DICOM keyword (did you mean StudyDescription?); "
        "private attributes are named by their tag (8 hex digits, odd group)"
    ]


def test_a_name_that_is_no_keyword_at_all_is_placed_not_quoted() -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        hic.DICOMUpdatesBuilder().set_patient({"PatientName": "X", "DOE^JANE": VALUE})
    (problem,) = caught.value.problems
    assert problem.startswith("attributes: attribute 2 of 2 is not a DICOM keyword;")
    assert "DOE" not in problem and VALUE not in problem


def test_private_tags_stay_allowed_with_their_vr() -> None:
    built = hic.DICOMUpdatesBuilder().set_instance(SERIES_A, SOP_A1, {"0009ABCD": "x"}, vrs={"0009ABCD": "LO"}).build()
    assert b"0009ABCD" in (built.updatable_attributes or b"")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: hic.DICOMUpdatesBuilder().set_patient({"00100010": VALUE}), "is the tag of PatientName"),
        (lambda: hic.DICOMUpdatesBuilder().set_patient({"00100011": VALUE}), "is not a tag of the DICOM dictionary"),
        (
            lambda: hic.DICOMUpdatesBuilder().set_instance(SERIES_A, SOP_A1, {"0009ABCD": "x"}, vrs={"0009ABCD": "XX"}),
            "vrs: entry 1 is not a DICOM VR code",
        ),
        (
            lambda: hic.DICOMUpdatesBuilder().set_instance(SERIES_A, SOP_A1, PatientName="x", vrs={"00100010": "PN"}),
            "vrs: entry 1 is not a private tag",
        ),
        (
            lambda: hic.DICOMUpdatesBuilder().set_study(ProcedureCodeSequence=[{"CodeValu": VALUE}]),
            "attribute 1 of 1, item 1, attribute 1 is not a DICOM keyword (did you mean CodeValue?)",
        ),
        (lambda: hic.DICOMUpdatesBuilder().set_patient(PatientName={VALUE}), "its value holds a set"),
        (lambda: hic.DICOMUpdatesBuilder().set_patient(PatientWeight=float("nan")), "its value holds NaN"),
        (lambda: hic.DICOMUpdatesBuilder().set_patient(42), "attributes: expected a mapping"),  # type: ignore[arg-type]
        (
            lambda: hic.DICOMUpdatesBuilder().set_series(f"{SERIES_A}.x", Modality="CT"),
            "series_uid: must be a DICOM UID",
        ),
        (lambda: hic.DICOMUpdatesBuilder().remove_instance(SERIES_A, 7), "sop_instance_uid: expected a string"),  # type: ignore[arg-type]
        (lambda: hic.DICOMUpdatesBuilder().remove_study(3.5), "tags: tag 1 is a float"),  # type: ignore[arg-type]
        (lambda: hic.CopySubsetBuilder().add_instances(SERIES_A, SOP_A1), "sop_instance_uids: expected an iterable"),
        (lambda: hic.CopySubsetBuilder().add_instances(SERIES_A, [SOP_A1, VALUE]), "sop_instance_uids: item 2 must be"),
        (lambda: hic.CopySubsetBuilder("metadata"), "source: expected ImageSetMetadata"),  # type: ignore[arg-type]
    ],
)
def test_other_misuse_is_named_by_place(make: Any, says: str) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        make()
    assert any(says in problem for problem in caught.value.problems), caught.value.problems
    assert VALUE not in str(caught.value) and SERIES_A not in str(caught.value)


def test_a_failed_builder_call_holds_no_value_in_its_frames() -> None:
    """The builder's frames keep the attributes and UIDs masked while the error passes (tests/renderings.py)."""
    from .renderings import error_texts

    with pytest.raises(hic.ParamValidationError) as caught:
        hic.DICOMUpdatesBuilder().set_instance(SERIES_A, SOP_A1, {"PatientNmae": VALUE}, vrs={"0009ABCD": "LO"})
    assert [t for t in error_texts(caught.value) if VALUE in t or SERIES_A in t or SOP_A1 in t] == []


def test_the_dictionary_table_is_what_the_installed_pydicom_gives() -> None:
    """The committed table is generated from pydicom's dictionary; regenerate it with ``nox -s dicom_keywords``."""
    pytest.importorskip("pydicom")
    from importlib import resources

    from healthimaging_client import _dicom_keywords

    committed = resources.files("healthimaging_client").joinpath(_dicom_keywords.TABLE).read_text(encoding="ascii")
    assert committed == _dicom_keywords.generate()
    assert "00100010 PatientName\n" in committed and "60xx3000 OverlayData\n" in committed


def test_the_builders_public_inputs_are_typed_object_not_any() -> None:
    """Any switches the type checker off for what a caller passes; object keeps it checking (issue 14)."""
    import inspect

    for cls in (hic.DICOMUpdatesBuilder, hic.CopySubsetBuilder):
        for name, method in vars(cls).items():
            if (name.startswith("_") and name != "__init__") or not callable(method):
                continue
            annotations = [str(p.annotation) for p in inspect.signature(method).parameters.values()]
            assert not [a for a in annotations if "Any" in a], (cls.__name__, name, annotations)
