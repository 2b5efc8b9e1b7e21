"""A synthetic image set in the service's document shape, with real frames, for the DICOM export tests.

Every instance is a complete object of its IOD (so an independent validator has nothing to say
about the content), and together they cover what an export must carry: signed and unsigned
16-bit, 8-bit RGB, multi-frame, uncompressed with odd-length frames, HTJ2K and JPEG 2000,
sequences nested two deep, private attributes (creator, text, numbers, binary, a private
sequence, a private AT), multi-valued strings, person names with groups, and nulls. All values
are synthetic: no real patient data.

Frames are small NumPy arrays encoded with imagecodecs (HTJ2K through OpenJPH, JPEG 2000 through
OpenJPEG), so the tests need the test extra.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import attrs
import imagecodecs
import numpy as np
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_RPCL = "1.2.840.10008.1.2.4.202"
JPEG2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG2000 = "1.2.840.10008.1.2.4.91"
EXPLICIT_LE = "1.2.840.10008.1.2.1"

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"
MF_GRAYSCALE_BYTE_SC = "1.2.840.10008.5.1.4.1.1.7.2"
MF_GRAYSCALE_WORD_SC = "1.2.840.10008.5.1.4.1.1.7.3"

ROOT = "2.25.3141592653589793238462643"  # synthetic UIDs only
STUDY_UID = f"{ROOT}.1"
FRAME_OF_REFERENCE_UID = f"{ROOT}.9"
PRIVATE_CREATOR = "SYNTHETIC PRIVATE"
PRIVATE_BYTES = bytes(range(7))  # odd length, so the writer must pad it

PATIENT = {
    "PatientName": "SYNTHETIC^JANE^Q^^",
    "PatientID": "SYN-0001",
    "PatientBirthDate": "19700101",
    "PatientSex": "F",
    "OtherPatientIDsSequence": [
        {"PatientID": "SYN-ALT-7", "IssuerOfPatientID": "SYNTHETIC HOSPITAL", "TypeOfPatientID": "TEXT"}
    ],
}
STUDY = {
    "StudyInstanceUID": STUDY_UID,
    "StudyDate": "20240131",
    "StudyTime": "093000.123",
    "ReferringPhysicianName": None,
    "StudyID": "S0001",
    "AccessionNumber": "ACC0001",
    "StudyDescription": "SYNTHETIC CHEST",
}


@attrs.frozen
class Example:
    """One instance of the image set, and its frames as arrays and as stored bytes."""

    name: str
    series_uid: str
    sop_uid: str
    transfer_syntax: str
    arrays: list[np.ndarray[Any, Any]]
    frames: list[bytes]


def _encode(array: np.ndarray[Any, Any], syntax: str) -> bytes:
    if syntax in (HTJ2K_LOSSLESS, HTJ2K_RPCL):
        # No colour transform, so PhotometricInterpretation RGB holds for the codestream.
        return bytes(imagecodecs.htj2k_encode(array, rgb=False) if array.ndim == 3 else imagecodecs.htj2k_encode(array))
    if syntax in (JPEG2000_LOSSLESS, JPEG2000):
        return bytes(imagecodecs.jpeg2k_encode(array, level=0, codecformat=imagecodecs.JPEG2K.CODEC.J2K, mct=False))
    assert syntax == EXPLICIT_LE
    return array.astype(array.dtype.newbyteorder("<")).tobytes()


def decode(frame: bytes, syntax: str, like: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A frame's bytes back to an array shaped like ``like`` (rows, columns[, samples])."""
    if syntax == EXPLICIT_LE:
        return np.frombuffer(frame[: like.nbytes], dtype=like.dtype.newbyteorder("<")).reshape(like.shape)
    decoded = (
        imagecodecs.htj2k_decode(frame) if syntax in (HTJ2K_LOSSLESS, HTJ2K_RPCL) else imagecodecs.jpeg2k_decode(frame)
    )
    if like.ndim == 3 and decoded.shape != like.shape:
        decoded = np.moveaxis(decoded, 0, -1)  # HTJ2K without a colour transform decodes planar
    return np.asarray(decoded)


def _frame_entry(index: int, array: np.ndarray[Any, Any]) -> dict[str, Any]:
    rows, columns = array.shape[:2]
    return {
        "ID": f"{index:032x}",
        "PixelDataChecksumFromBaseToFullResolution": [{"Width": columns, "Height": rows, "Checksum": 12345}],
        "MinPixelValue": int(array.min()),
        "MaxPixelValue": int(array.max()),
        "FrameSizeInBytes": array.nbytes,
    }


def _pixel_module(array: np.ndarray[Any, Any], frames: int) -> dict[str, Any]:
    bits = array.dtype.itemsize * 8
    samples = array.shape[2] if array.ndim == 3 else 1
    module: dict[str, Any] = {
        "Rows": array.shape[0],
        "Columns": array.shape[1],
        "SamplesPerPixel": samples,
        "PhotometricInterpretation": "RGB" if samples == 3 else "MONOCHROME2",
        "BitsAllocated": bits,
        "BitsStored": bits,
        "HighBit": bits - 1,
        "PixelRepresentation": 1 if array.dtype.kind == "i" else 0,
    }
    if samples == 3:
        module["PlanarConfiguration"] = 0
    if frames > 1:
        module["NumberOfFrames"] = str(frames)
    return module


def _ct_attributes(sop: str, number: int, signed: bool) -> dict[str, Any]:
    """The CT Image module and its neighbours, with sequences, private attributes and a few odd values."""
    return {
        "SOPClassUID": CT_IMAGE,
        "SOPInstanceUID": sop,
        "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
        "InstanceNumber": number,
        "ContentDate": "20240131",
        "ContentTime": "093001",
        "AcquisitionNumber": None,
        "KVP": "120 ",
        "SliceThickness": "2.5",
        "PixelSpacing": ["0.703125", "0.703125 "],
        "ImageOrientationPatient": ["1", "0", "0", "0", "1", "0"],
        "ImagePositionPatient": [-180.0, -180.0, (0.1 + 0.2) * number],  # a float whose repr is too long for DS
        "SliceLocation": -12.5,
        "RescaleIntercept": "-1024" if not signed else "0",
        "RescaleSlope": "1",
        "RescaleType": "HU",
        "WindowCenter": ["40", "400"],
        "WindowWidth": [400, 1500],
        "SmallestImagePixelValue": -2000 if signed else 0,  # "US or SS": settled by PixelRepresentation
        "PatientOrientation": None,
        "SourceImageSequence": [
            {
                "ReferencedSOPClassUID": CT_IMAGE,
                "ReferencedSOPInstanceUID": f"{ROOT}.77.{number}",
                "PurposeOfReferenceCodeSequence": [
                    {"CodeValue": "121320", "CodingSchemeDesignator": "DCM", "CodeMeaning": "Uncompressed predecessor"}
                ],
            }
        ],
        "00290010": PRIVATE_CREATOR,
        "00291011": ["ALPHA", "BETA\u00e9"],
        "00291012": "97.5",
        "00291013": [1, 2, 65535],
        "00291014": base64.b64encode(PRIVATE_BYTES).decode(),
        "00291015": [{"00290010": PRIVATE_CREATOR, "00291016": "inside a private item"}],
        "00291017": ["00100010", "PatientID"],
    }


_CT_VRS = {
    "00290010": "LO",
    "00291011": "LO",
    "00291012": "DS",
    "00291013": "US",
    "00291014": "OB",
    "00291015": "SQ",
    "00291016": "LT",
    "00291017": "AT",
}


def _sc_attributes(sop_class: str, sop: str, number: int, frames: int) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "SOPClassUID": sop_class,
        "SOPInstanceUID": sop,
        "InstanceNumber": str(number),
        "ConversionType": "WSD",
        "PatientOrientation": None,
        "ContentDate": "20240131",
        "ContentTime": "093002",
        "BurnedInAnnotation": "NO",
    }
    if sop_class != SC_IMAGE:
        attributes["FrameIncrementPointer"] = "00181063"
        attributes["FrameTime"] = "40"
    if sop_class in (MF_GRAYSCALE_BYTE_SC, MF_GRAYSCALE_WORD_SC):
        attributes["PresentationLUTShape"] = "IDENTITY"
        attributes["RescaleIntercept"] = "0"
        attributes["RescaleSlope"] = "1"
        attributes["RescaleType"] = "US"
    if frames == 1 and sop_class != SC_IMAGE:
        attributes["NumberOfFrames"] = 1
    return attributes


def _arrays(kind: str, frames: int, seed: int) -> list[np.ndarray[Any, Any]]:
    rng = np.random.default_rng(seed)
    if kind == "int16":
        return [rng.integers(-2000, 2000, (24, 20), dtype=np.int16) for _ in range(frames)]
    if kind == "uint16":
        return [rng.integers(0, 4096, (20, 24), dtype=np.uint16) for _ in range(frames)]
    if kind == "rgb":
        return [rng.integers(0, 256, (15, 17, 3), dtype=np.uint8) for _ in range(frames)]
    assert kind == "uint8-odd"
    return [rng.integers(0, 256, (5, 7), dtype=np.uint8) for _ in range(frames)]


# name, SOP class, array kind, frames, stored syntax (None: left out, which means HTJ2K RPCL)
_INSTANCES: list[tuple[str, str, str, int, str | None]] = [
    ("ct-signed-htj2k-default", CT_IMAGE, "int16", 1, None),
    ("ct-unsigned-jpeg2000-lossless", CT_IMAGE, "uint16", 1, JPEG2000_LOSSLESS),
    ("multiframe-word-htj2k", MF_GRAYSCALE_WORD_SC, "uint16", 4, HTJ2K_LOSSLESS),
    ("rgb-htj2k", SC_IMAGE, "rgb", 1, HTJ2K_RPCL),
    ("rgb-jpeg2000", SC_IMAGE, "rgb", 1, JPEG2000),
    ("multiframe-byte-uncompressed-odd", MF_GRAYSCALE_BYTE_SC, "uint8-odd", 3, EXPLICIT_LE),
]
FORMATS = [name for name, *_ in _INSTANCES]


def image_set(datastore_id: str = "0" * 32, image_set_id: str = "1" * 32) -> tuple[dict[str, Any], list[Example]]:
    """The document, and each instance's example (in document order)."""
    ct_series = f"{ROOT}.2"
    sc_series = f"{ROOT}.3"
    series: dict[str, Any] = {
        ct_series: {
            "DICOM": {
                "Modality": "CT",
                "SeriesInstanceUID": ct_series,
                "SeriesNumber": 1,
                "SeriesDescription": "SYNTHETIC AXIAL",
                "FrameOfReferenceUID": FRAME_OF_REFERENCE_UID,
                "PositionReferenceIndicator": None,
                "Manufacturer": "SYNTHETIC",
                "PatientPosition": "HFS",
                "Laterality": None,
            },
            "Instances": {},
        },
        sc_series: {
            "DICOM": {
                "Modality": "OT",
                "SeriesInstanceUID": sc_series,
                "SeriesNumber": "2",
                "Laterality": None,
                "Manufacturer": None,
            },
            "Instances": {},
        },
    }
    examples: list[Example] = []
    for number, (name, sop_class, kind, count, stored) in enumerate(_INSTANCES, start=1):
        sop = f"{ROOT}.4.{number}"
        arrays = _arrays(kind, count, seed=number)
        syntax = stored or HTJ2K_RPCL
        frames = [_encode(array, syntax) for array in arrays]
        if sop_class == CT_IMAGE:
            target, attributes, vrs = ct_series, _ct_attributes(sop, number, kind == "int16"), dict(_CT_VRS)
        else:
            target, attributes, vrs = sc_series, _sc_attributes(sop_class, sop, number, count), {}
        entry: dict[str, Any] = {
            "DICOM": attributes | _pixel_module(arrays[0], count),
            "DICOMVRs": vrs,
            "ImageFrames": [_frame_entry(index, array) for index, array in enumerate(arrays)],
        }
        if stored is not None:
            entry["StoredTransferSyntaxUID"] = stored
        series[target]["Instances"][sop] = entry
        examples.append(Example(name, target, sop, syntax, arrays, frames))
    document = {
        "SchemaVersion": "1.1",
        "DatastoreID": datastore_id,
        "ImageSetID": image_set_id,
        "Patient": {"DICOM": PATIENT},
        "Study": {"DICOM": STUDY, "Series": series},
    }
    return document, examples


# --- comparing a dataset read back with the document ----------------------------------------------

_HEX = re.compile(r"[0-9A-Fa-f]{8}")
_SKIPPED = {0x7FE00001, 0x7FE00002, 0x7FE00008, 0x7FE00009, 0x7FE00010}
_BINARY_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}


def merged_attributes(document: dict[str, Any], series_uid: str, sop_uid: str) -> dict[str, Any]:
    """An instance's attributes as DICOM holds them: patient, study, series, instance; the later level wins."""
    series = document["Study"]["Series"][series_uid]
    levels = [document["Patient"], document["Study"], series, series["Instances"][sop_uid]]
    merged: dict[str, Any] = {}
    for level in levels:
        merged.update(level.get("DICOM", {}))
    return merged


def tag_of(key: str) -> int:
    tag = int(key, 16) if _HEX.fullmatch(key) else tag_for_keyword(key)
    assert tag is not None, key
    return tag


def assert_same_values(dataset: Dataset, attributes: dict[str, Any], where: str = "") -> None:
    """Every attribute of the document has the same value in ``dataset``, compared as its VR reads."""
    for key, value in attributes.items():
        tag = tag_of(key)
        if tag >> 16 == 0x0002 or tag in _SKIPPED:
            continue
        assert tag in dataset, f"{where}{key} is missing"
        _assert_value(dataset[tag], value, f"{where}{key}")


def _assert_value(element: DataElement, value: Any, where: str) -> None:
    if element.VR == "SQ":
        items = [] if value is None else [value] if isinstance(value, dict) else value
        assert len(element.value) == len(items), where
        for index, (read, item) in enumerate(zip(element.value, items, strict=True)):
            assert_same_values(read, item, f"{where}[{index}].")
        return
    if value is None or value == []:
        assert element.is_empty, where
        return
    if element.VR in _BINARY_VRS:
        raw = base64.b64decode(value)
        assert element.value in (raw, raw + b"\x00"), where  # padded to an even length
        return
    expected = value if isinstance(value, list) else [value]
    actual = list(element.value) if isinstance(element.value, MultiValue | list) else [element.value]
    assert len(actual) == len(expected), where
    for read, given in zip(actual, expected, strict=True):
        _assert_one(element.VR, read, given, where)


def _assert_one(vr: str, read: Any, given: Any, where: str) -> None:
    if vr == "DS":
        assert math.isclose(float(read), float(given), rel_tol=1e-13), where
    elif vr in ("IS", "US", "SS", "UL", "SL", "UV", "SV"):
        assert int(read) == int(given), where
    elif vr in ("FL", "FD"):
        assert float(read) == float(given), where
    elif vr == "AT":
        assert int(read) == tag_of(given), where
    else:
        assert str(read).rstrip(" \x00") == str(given).rstrip(" \x00"), where
