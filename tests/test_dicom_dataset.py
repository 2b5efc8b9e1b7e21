"""``to_dataset``: the metadata tree to pydicom datasets, and back from the files they make, value for value."""

from __future__ import annotations

import base64
import copy
import traceback
import warnings
from pathlib import Path
from typing import Any

import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("imagecodecs")

from pydicom.encaps import generate_frames  # noqa: E402

from healthimaging_client.dicom import (  # noqa: E402
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
    DICOMExportError,
    to_dataset,
    write_part10,
)
from healthimaging_client.errors import HealthImagingError  # noqa: E402
from healthimaging_client.metadata import ImageSetMetadata, Instance  # noqa: E402
from healthimaging_client.testing import LocalHealthImaging  # noqa: E402

from . import dicom_documents as docs  # noqa: E402

DOCUMENT, EXAMPLES = docs.image_set()
BY_NAME = {example.name: example for example in EXAMPLES}


def _instance(metadata: ImageSetMetadata, example: docs.Example) -> Instance:
    return metadata.study.series[example.series_uid].instances[example.sop_uid]


def _export(tmp_path: Path, example: docs.Example, document: dict[str, Any] | None = None) -> Any:
    """Write ``example`` through to_dataset and the streaming writer, and read the file back."""
    metadata = ImageSetMetadata(copy.deepcopy(document or DOCUMENT))
    path = write_part10(
        tmp_path / f"{example.name}.dcm", to_dataset(metadata, _instance(metadata, example)), example.frames
    )
    return pydicom.dcmread(path)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_every_format_round_trips_attributes_and_frames(tmp_path: Path, example: docs.Example) -> None:
    read = _export(tmp_path, example)
    docs.assert_same_values(read, docs.merged_attributes(DOCUMENT, example.series_uid, example.sop_uid))
    assert read.file_meta.TransferSyntaxUID == example.transfer_syntax
    assert read.file_meta.MediaStorageSOPInstanceUID == example.sop_uid
    assert read.file_meta.MediaStorageSOPClassUID == read.SOPClassUID
    assert read.file_meta.ImplementationClassUID == IMPLEMENTATION_CLASS_UID
    assert read.file_meta.ImplementationVersionName == IMPLEMENTATION_VERSION_NAME
    if example.transfer_syntax == docs.EXPLICIT_LE:
        assert not read["PixelData"].is_undefined_length
        joined = b"".join(example.frames)
        assert read.PixelData == joined + b"\x00" * (len(joined) % 2)
        read_frames = [read.PixelData[i * len(f) : (i + 1) * len(f)] for i, f in enumerate(example.frames)]
    else:
        read_frames = list(generate_frames(read.PixelData, number_of_frames=len(example.frames)))
    for index, (given, stored) in enumerate(zip(example.frames, read_frames, strict=True)):
        assert stored in (given, given + b"\x00"), index  # a fragment is padded to an even length
    for array, stored in zip(example.arrays, read_frames, strict=True):
        decoded = docs.decode(stored, example.transfer_syntax, array)
        assert decoded.dtype == array.dtype and (decoded == array).all()


def test_the_dataset_holds_nothing_the_document_does_not_say(tmp_path: Path) -> None:
    """Besides the document's attributes: the pixel data and, for non-ASCII text, the character set."""
    for example in EXAMPLES:
        read = _export(tmp_path, example)
        keys = docs.merged_attributes(DOCUMENT, example.series_uid, example.sop_uid)
        expected = {docs.tag_of(key) for key in keys} | {0x7FE00010}
        if "SpecificCharacterSet" in read:
            expected.add(0x00080005)
        assert {int(element.tag) for element in read} == expected, example.name


def test_sequences_nest_and_private_attributes_keep_their_vrs(tmp_path: Path) -> None:
    read = _export(tmp_path, BY_NAME["ct-signed-htj2k-default"])
    source = read.SourceImageSequence[0]
    assert source.PurposeOfReferenceCodeSequence[0].CodeMeaning == "Uncompressed predecessor"
    assert read.OtherPatientIDsSequence[0].IssuerOfPatientID == "SYNTHETIC HOSPITAL"  # a patient-level sequence
    vrs = {f"{int(e.tag):08X}": e.VR for e in read if e.tag.group == 0x0029}
    assert vrs == {"00290010": "LO", **{k: v for k, v in docs._CT_VRS.items() if k != "00291016"}}
    assert read[0x00291015][0][0x00291016].VR == "LT"  # a private attribute inside a private sequence
    assert read[0x00291017].value == [0x00100010, 0x00100020]  # AT, from a tag and from a keyword
    assert read[0x00291014].value == docs.PRIVATE_BYTES + b"\x00"  # base64 text to bytes, padded
    assert read[0x00291013].value == [1, 2, 65535]


def test_values_convert_as_their_vrs_ask(tmp_path: Path) -> None:
    read = _export(tmp_path, BY_NAME["ct-signed-htj2k-default"])
    assert read.ImageType == ["ORIGINAL", "PRIMARY", "AXIAL"]  # several values: backslash-separated on disk
    assert read["ImageType"].VM == 3
    assert read.PatientName.family_name == "SYNTHETIC" and read.PatientName.given_name == "JANE"
    assert read["InstanceNumber"].VR == "IS" and read.InstanceNumber == 1  # a JSON number to IS
    assert read["WindowWidth"].VR == "DS" and list(read.WindowWidth) == [400, 1500]
    # A float whose repr has 19 characters is written as a DS of at most 16 (as on disk, before pydicom parses it).
    position = read.get_item(0x00200032).value
    assert all(len(value.strip()) <= 16 for value in position.split(b"\\")), position
    assert read.StudyTime == "093000.123" and read.StudyDate == "20240131"  # DA and TM as sent
    assert read["ReferringPhysicianName"].is_empty and read["AcquisitionNumber"].is_empty  # nulls stay present
    assert read["SmallestImagePixelValue"].VR == "SS" and read.SmallestImagePixelValue == -2000  # US or SS, signed


def test_unsigned_pixel_attributes_settle_to_us(tmp_path: Path) -> None:
    read = _export(tmp_path, BY_NAME["ct-unsigned-jpeg2000-lossless"])
    assert read["SmallestImagePixelValue"].VR == "US"


def test_non_ascii_text_is_written_as_utf8(tmp_path: Path) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["Patient"]["DICOM"]["PatientName"] = "M\u00fcller^J\u00fcrgen=\u5c71\u7530^\u592a\u90ce"
    example = BY_NAME["rgb-jpeg2000"]
    read = _export(tmp_path, example, document)
    assert read.SpecificCharacterSet == "ISO_IR 192"
    assert str(read.PatientName) == "M\u00fcller^J\u00fcrgen=\u5c71\u7530^\u592a\u90ce"


def test_ascii_text_keeps_the_documents_character_set(tmp_path: Path) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["Patient"]["DICOM"]["SpecificCharacterSet"] = "ISO_IR 100"
    read = _export(tmp_path, BY_NAME["rgb-jpeg2000"], document)
    assert read.SpecificCharacterSet == "ISO_IR 100"
    read = _export(tmp_path, BY_NAME["rgb-htj2k"])
    assert "SpecificCharacterSet" not in read


def test_the_more_specific_level_wins_and_file_meta_from_the_import_is_replaced(tmp_path: Path) -> None:
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["rgb-htj2k"]
    instance = document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]
    instance["DICOM"] |= {
        "Manufacturer": "AT INSTANCE LEVEL",
        "TransferSyntaxUID": "1.2.840.10008.1.2.4.50",  # the imported file's, not the stored one
        "FileMetaInformationVersion": "AAE=",
        "ImplementationClassUID": "1.2.3.4",
        "PixelData": None,
        "ExtendedOffsetTable": None,
        "00290000": 1234,  # a group length
    }
    read = _export(tmp_path, example, document)
    assert read.Manufacturer == "AT INSTANCE LEVEL"
    assert read.file_meta.TransferSyntaxUID == example.transfer_syntax
    assert read.file_meta.ImplementationClassUID == IMPLEMENTATION_CLASS_UID
    assert 0x00290000 not in read and "ExtendedOffsetTable" not in read


def test_a_missing_stored_syntax_means_htj2k() -> None:
    metadata = ImageSetMetadata(DOCUMENT)
    dataset = to_dataset(metadata, _instance(metadata, BY_NAME["ct-signed-htj2k-default"]))
    assert dataset.file_meta.TransferSyntaxUID == docs.HTJ2K_RPCL


def test_implicit_little_endian_frames_are_written_explicit() -> None:
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["multiframe-byte-uncompressed-odd"]
    document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["StoredTransferSyntaxUID"] = (
        "1.2.840.10008.1.2"
    )
    metadata = ImageSetMetadata(document)
    assert to_dataset(metadata, _instance(metadata, example)).file_meta.TransferSyntaxUID == docs.EXPLICIT_LE


def test_number_of_frames_is_added_when_the_metadata_has_several_frames() -> None:
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["multiframe-word-htj2k"]
    del document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOM"]["NumberOfFrames"]
    metadata = ImageSetMetadata(document)
    assert to_dataset(metadata, _instance(metadata, example)).NumberOfFrames == 4


def test_frames_in_memory_make_the_same_file_as_the_streaming_writer(tmp_path: Path) -> None:
    """pydicom's own writer, given the in-memory dataset, writes exactly the bytes the streaming writer wrote."""
    metadata = ImageSetMetadata(DOCUMENT)
    for example in EXAMPLES:
        instance = _instance(metadata, example)
        streamed = write_part10(tmp_path / f"{example.name}.dcm", to_dataset(metadata, instance), iter(example.frames))
        in_memory = tmp_path / f"{example.name}.memory.dcm"
        to_dataset(metadata, instance, example.frames).save_as(in_memory, enforce_file_format=True)
        assert streamed.read_bytes() == in_memory.read_bytes(), example.name


def test_the_emulators_documents_export(tmp_path: Path) -> None:
    """Documents as the emulator serves them through the client, with its frame layout."""
    emulator = LocalHealthImaging(seed=3)
    image_set_id = emulator.add_image_set(
        patient={"PatientName": "DOE^JANE", "PatientID": "PAT-1"}, series=[{"Modality": "CT"}], instances=2, frames=3
    )
    with emulator.client() as client:
        metadata = client.get_image_set_metadata(emulator.datastore_id, image_set_id)
    document = metadata.to_dict()
    for instance in metadata.iter_instances():
        dataset = to_dataset(metadata, instance)
        assert dataset.NumberOfFrames == 3
        frames = [b"\xff\x4f\xff\x51" + bytes([n]) * 9 for n in range(3)]  # opaque codestreams to the writer
        read = pydicom.dcmread(write_part10(tmp_path / f"{instance.sop_instance_uid}.dcm", dataset, frames))
        assert list(generate_frames(read.PixelData, number_of_frames=3)) == [f + b"\x00" for f in frames]
        merged = docs.merged_attributes(document, instance.series_instance_uid, instance.sop_instance_uid)
        docs.assert_same_values(read, merged)


# --- what cannot be exported: typed errors that name attributes, never values -------------------------

CANARY = "ZZCANARY^PHI"


def _failure(mutate: Any, example: docs.Example | None = None) -> DICOMExportError:
    document = copy.deepcopy(DOCUMENT)
    example = example or BY_NAME["ct-signed-htj2k-default"]
    instance = document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]
    mutate(instance)
    metadata = ImageSetMetadata(document)
    with pytest.raises(DICOMExportError) as caught:
        to_dataset(metadata, _instance(metadata, example))
    return caught.value


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda i: i["DICOM"].update(InstanceNumber=CANARY), "(0020,0013) InstanceNumber"),
        (lambda i: i["DICOM"].update(SliceThickness=CANARY), "(0018,0050) SliceThickness"),
        (lambda i: i["DICOM"].update(Rows=[CANARY]), "(0028,0010) Rows"),
        (lambda i: i["DICOM"].update(Columns=70000), "(0028,0011) Columns"),
        (lambda i: i["DICOM"].update(SmallestImagePixelValue=40000), "(0028,0106) SmallestImagePixelValue"),
        (lambda i: i["DICOM"].update(SourceImageSequence=CANARY), "(0008,2112) SourceImageSequence"),
        (lambda i: i["DICOM"].update({"00291014": CANARY}), "(0029,1014)"),
        (lambda i: i["DICOM"].update({"00291017": [CANARY]}), "(0029,1017)"),
        (lambda i: i["DICOM"].update({"00291099": CANARY}), "private attribute (0029,1099) has no VR"),
        (lambda i: i["DICOM"].update(PatientComments=[CANARY, CANARY]), "(0010,4000) PatientComments"),
        (lambda i: i["DICOM"].update(NotAKeyword=CANARY), "'NotAKeyword' is neither"),
        (lambda i: i["DICOMVRs"].update({"00291012": "XX"}), "(0029,1012) has a VR in DICOMVRs"),
        (lambda i: i["DICOM"].update(NumberOfFrames=CANARY), "(0028,0008) NumberOfFrames"),
        (lambda i: i["DICOM"].update(NumberOfFrames=2), "describe 2 frame(s)"),
        (lambda i: i["DICOM"].pop("SOPClassUID"), "SOPClassUID is missing"),
        (lambda i: i.update(StoredTransferSyntaxUID="1.2.840.10008.1.2.4.100"), "1.2.840.10008.1.2.4.100"),
    ],
)
def test_a_bad_attribute_raises_a_typed_error_naming_it(mutate: Any, named: str) -> None:
    error = _failure(mutate)
    assert isinstance(error, HealthImagingError) and isinstance(error, ValueError)
    assert named in str(error)
    assert "instance 1 of 6 of image set " + "1" * 32 in str(error)


@pytest.mark.parametrize("keyword", ["SliceThickness", "InstanceNumber", "Rows"])
def test_errors_carry_no_value_no_chained_cause_and_no_value_in_traceback_locals(keyword: str) -> None:
    """float() and pydicom put the value in their own messages: none of those may ride along."""
    error = _failure(lambda i: i["DICOM"].update({keyword: CANARY, "PatientComments": CANARY}))
    assert error.__cause__ is None and error.__context__ is None
    shown = traceback.TracebackException.from_exception(error, capture_locals=True)
    ours = [frame for frame in shown.stack if "healthimaging_client" in frame.filename]
    assert ours, "the traceback runs through the SDK"
    for frame in ours:  # what a renderer that shows locals (rich, better-exceptions) would print
        assert "ZZCANARY" not in repr(frame.locals), frame.name
    assert "ZZCANARY" not in str(error) and "ZZCANARY" not in repr(error)


def test_an_instance_from_another_image_set_is_refused() -> None:
    other = copy.deepcopy(DOCUMENT)
    series = other["Study"]["Series"]
    series["2.25.999"] = series.pop(BY_NAME["rgb-htj2k"].series_uid)
    foreign = ImageSetMetadata(other).study.series["2.25.999"].instances[BY_NAME["rgb-htj2k"].sop_uid]
    with pytest.raises(DICOMExportError, match="does not belong to this metadata"):
        to_dataset(ImageSetMetadata(DOCUMENT), foreign)


def test_wrong_frames_in_memory_are_refused() -> None:
    metadata = ImageSetMetadata(DOCUMENT)
    example = BY_NAME["multiframe-byte-uncompressed-odd"]
    instance = _instance(metadata, example)
    with pytest.raises(DICOMExportError, match="3 bytes, but Rows, Columns"):
        to_dataset(metadata, instance, [b"abc"] * 3)
    with pytest.raises(DICOMExportError, match="2 frames were given, but the instance has 3"):
        to_dataset(metadata, instance, example.frames[:2])
    with pytest.raises(DICOMExportError, match="more frames were given"):
        to_dataset(metadata, instance, [*example.frames, example.frames[0]])


def test_a_private_creator_gets_lo_and_a_known_private_tag_its_dictionary_vr() -> None:
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["rgb-htj2k"]
    attributes = document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOM"]
    # GEMS_IDEN_01 (0009,xx01) is "Full Fidelity", LO, in pydicom's private dictionary.
    attributes |= {"00090010": "GEMS_IDEN_01", "00091001": "SYNTHETIC", "00090011": base64.b64encode(b"x").decode()}
    metadata = ImageSetMetadata(document)
    dataset = to_dataset(metadata, _instance(metadata, example))
    assert dataset[0x00090010].VR == "LO" and dataset[0x00090011].VR == "LO"
    assert dataset[0x00091001].VR == "LO"


def test_no_value_reaches_a_log_record_or_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An export at DEBUG, with values pydicom's validators would complain about: no value is logged or warned."""
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["ct-signed-htj2k-default"]
    attributes = document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOM"]
    attributes |= {"PatientComments": CANARY, "StationName": CANARY * 3, "ContentTime": CANARY, "00291018": CANARY}
    document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOMVRs"]["00291018"] = "DA"
    caplog.set_level("DEBUG")
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        read = _export(tmp_path, example, document)
    assert read.PatientComments == CANARY  # the value is there, as given
    assert all("ZZCANARY" not in record.getMessage() for record in caplog.records)
    assert all("ZZCANARY" not in str(warning.message) for warning in warned)
