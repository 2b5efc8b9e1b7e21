"""The emulator's instances are complete objects of their type: SOP class, and the attributes it must carry.

``tests/test_dicom_emulator_formats.py`` has dciodvfy judge the exported files; this checks the
documents themselves, so it runs where the validator is not installed.
"""

from __future__ import annotations

from typing import Any

import pytest

from healthimaging_client.testing import LocalHealthImaging
from healthimaging_client.testing import _objects as objects
from healthimaging_client.testing._pixels import FrameFormat

_RGB: dict[str, Any] = {"samples_per_pixel": 3, "bits_allocated": 8, "bits_stored": 8}


@pytest.mark.parametrize(
    ("modality", "arguments", "frames", "sop_class"),
    [
        ("CT", {"bits_stored": 12}, 1, objects.CT_IMAGE),
        ("MR", {"signed": True}, 1, objects.MR_IMAGE),
        ("CR", {}, 1, objects.SC_IMAGE),
        ("CT", {"bits_allocated": 8, "bits_stored": 8}, 1, objects.SC_IMAGE),
        ("XC", _RGB, 1, objects.SC_IMAGE),
        ("CT", {}, 3, objects.MF_GRAYSCALE_WORD_SC),
        ("OT", {"bits_allocated": 8, "bits_stored": 8}, 2, objects.MF_GRAYSCALE_BYTE_SC),
        ("XC", _RGB, 2, objects.MF_TRUE_COLOR_SC),
    ],
)
def test_each_instance_carries_what_its_object_type_requires(
    modality: str, arguments: dict[str, Any], frames: int, sop_class: str
) -> None:
    local = LocalHealthImaging(seed=2)
    image_set_id = local.add_image_set(
        series=[{"Modality": modality}],
        frame_format=FrameFormat("1.2.840.10008.1.2.1", 8, 6, **arguments),
        frames=frames,
    )
    with local.client() as client:
        metadata = client.get_image_set_metadata(local.datastore_id, image_set_id)
    series = next(iter(metadata.study.series.values()))
    instance = next(iter(series.instances.values()))
    merged = {**metadata.patient.dicom, **metadata.study.dicom, **series.dicom, **instance.dicom}
    assert merged["SOPClassUID"] == sop_class
    type_2 = ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime"]
    type_2 += ["ReferringPhysicianName", "StudyID", "AccessionNumber", "Laterality", "Manufacturer"]
    assert all(name in merged for name in type_2), [name for name in type_2 if name not in merged]
    assert merged["ContentDate"] and merged["ContentTime"]
    cross_sectional = sop_class in (objects.CT_IMAGE, objects.MR_IMAGE)
    if cross_sectional:
        assert merged["ImageType"][:2] == ["ORIGINAL", "PRIMARY"] and merged["PatientPosition"]
    else:
        assert merged["ConversionType"] == "SYN" and "PatientOrientation" in merged
    if cross_sectional or frames > 1:
        assert merged["FrameOfReferenceUID"].startswith("2.25.") and "PositionReferenceIndicator" in merged
    else:
        assert "FrameOfReferenceUID" not in merged
    if frames > 1:
        shared = merged["SharedFunctionalGroupsSequence"][0]
        assert {"PixelMeasuresSequence", "PlaneOrientationSequence"} <= shared.keys()
        assert len(merged["PerFrameFunctionalGroupsSequence"]) == frames == merged["NumberOfFrames"]
        assert merged["FrameIncrementPointer"] and merged["BurnedInAnnotation"] == "NO"


def test_values_the_caller_gives_win_over_the_empty_defaults() -> None:
    local = LocalHealthImaging(seed=2)
    image_set_id = local.add_image_set(
        patient={"PatientID": "SYN-1"},
        study={"AccessionNumber": "A1"},
        series=[{"Modality": "CT", "BodyPartExamined": "CHEST", "Manufacturer": "ACME"}],
    )
    with local.client() as client:
        metadata = client.get_image_set_metadata(local.datastore_id, image_set_id)
    series = next(iter(metadata.study.series.values()))
    assert (metadata.patient.dicom["PatientID"], metadata.patient.dicom["PatientName"]) == ("SYN-1", None)
    assert (metadata.study.dicom["AccessionNumber"], metadata.study.dicom["StudyDate"]) == ("A1", None)
    assert series.dicom["Manufacturer"] == "ACME"
    assert "Laterality" not in series.dicom  # the chest is not one of a pair


def test_the_frame_of_reference_is_one_per_series_and_the_same_for_the_same_seed() -> None:
    def build() -> tuple[list[str], list[str]]:
        local = LocalHealthImaging(seed=4, image_sets=3)
        with local.client() as client:
            ids = [summary.image_set_id for summary in client.iter_image_sets(local.datastore_id)]
            documents = [client.get_image_set_metadata(local.datastore_id, i) for i in ids]
        frames = sorted(frame.id for document in documents for frame in document.iter_frames())
        references = [s.dicom.get("FrameOfReferenceUID") or "" for d in documents for s in d.study.series.values()]
        return frames, references

    first, second = build(), build()
    assert first == second
    assert len(set(first[1]) - {""}) == len([r for r in first[1] if r])  # one per series
