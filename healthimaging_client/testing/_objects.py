"""Which DICOM object each emulated instance is, and the attributes that make it a complete one.

The service keeps whatever the imported files held; a real file is an instance of an IOD
(PS3.3 Annex A), with every Type 1 attribute given and every Type 2 one present (perhaps
empty). The emulator's documents are made the same way, so what the SDK exports from them
passes an independent validator. The object type follows the series' modality and the
frames' format::

    one grayscale 16-bit frame, CT          CT Image
    one grayscale 16-bit frame, MR          MR Image
    any other single frame                  Secondary Capture Image
    several frames, 8-bit grayscale         Multi-frame Grayscale Byte Secondary Capture
    several frames, 16-bit grayscale        Multi-frame Grayscale Word Secondary Capture
    several frames, colour                  Multi-frame True Color Secondary Capture

Type 2 attributes the caller leaves out are present with no value (``null``), as an
importing modality that did not know them would send them. Multi-frame instances place
their frames with functional groups (shared pixel measures and orientation, a position per
frame), besides the first frame's plane at the top level. All values are synthetic.

One combination has no simple object type: signed multi-frame grayscale (the multi-frame
secondary captures are unsigned; the enhanced and legacy-converted objects need functional
groups the emulator does not make). It is written as a word secondary capture, whose
PixelRepresentation a validator faults; nothing the emulator makes by itself uses it.
"""

from __future__ import annotations

import uuid
from typing import Any

from ._pixels import FrameFormat

JSON = dict[str, Any]

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"
MF_GRAYSCALE_BYTE_SC = "1.2.840.10008.5.1.4.1.1.7.2"
MF_GRAYSCALE_WORD_SC = "1.2.840.10008.5.1.4.1.1.7.3"
MF_TRUE_COLOR_SC = "1.2.840.10008.5.1.4.1.1.7.4"

_MULTI_FRAME_SC = frozenset({MF_GRAYSCALE_BYTE_SC, MF_GRAYSCALE_WORD_SC, MF_TRUE_COLOR_SC})
#: Objects with the Frame of Reference module: their planes (or functional groups) place them in the patient.
_WITH_FRAME_OF_REFERENCE = frozenset({CT_IMAGE, MR_IMAGE}) | _MULTI_FRAME_SC
#: Body parts that are not one of a pair: their series have no Laterality (it is Type 2C, for paired ones).
_UNPAIRED = frozenset({"ABDOMEN", "CHEST", "HEAD", "HEART", "NECK", "PELVIS", "SKULL", "SPINE", "WHOLEBODY"})
#: Attributes a frame's acquisition would have set; synthetic here.
_CONTENT = {"ContentDate": "20240101", "ContentTime": "120000"}

# Patient and General Study modules: Type 2, so present even when nothing is known.
_PATIENT_TYPE_2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex")
_STUDY_TYPE_2 = ("StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber")


def sop_class(modality: str, fmt: FrameFormat, frames: int) -> str:
    """The SOP class of an instance of a series of ``modality`` with ``frames`` frames in ``fmt``."""
    grayscale = fmt.samples_per_pixel == 1
    if frames > 1:
        if not grayscale:
            return MF_TRUE_COLOR_SC
        return MF_GRAYSCALE_BYTE_SC if fmt.bits_allocated == 8 else MF_GRAYSCALE_WORD_SC
    if grayscale and fmt.bits_allocated == 16 and modality in ("CT", "MR"):
        return CT_IMAGE if modality == "CT" else MR_IMAGE
    return SC_IMAGE


def patient(given: JSON) -> JSON:
    """The Patient module: ``given``, with the Type 2 attributes it leaves out empty."""
    return dict.fromkeys(_PATIENT_TYPE_2) | given


def study(given: JSON) -> JSON:
    """The General Study module: ``given``, with the Type 2 attributes it leaves out empty."""
    return dict.fromkeys(_STUDY_TYPE_2) | given


def series(sop_class_uid: str, given: JSON) -> JSON:
    """General Series, General Equipment and Frame of Reference (where the object has it): ``given`` wins.

    The frame of reference is derived from the SeriesInstanceUID (a name-based UUID under
    ``2.25``), so adding it draws nothing from the emulator's seeded generator.
    """
    attributes: JSON = {"Manufacturer": "SYNTHETIC"}
    if given.get("BodyPartExamined") not in _UNPAIRED:
        attributes["Laterality"] = None
    if sop_class_uid in (CT_IMAGE, MR_IMAGE):
        attributes["PatientPosition"] = "HFS"
    if sop_class_uid in _WITH_FRAME_OF_REFERENCE:
        frame_of_reference = uuid.uuid5(uuid.NAMESPACE_OID, f"frame of reference of {given['SeriesInstanceUID']}")
        attributes |= {"FrameOfReferenceUID": f"2.25.{frame_of_reference.int}", "PositionReferenceIndicator": None}
    return attributes | given


def instance(sop_class_uid: str, fmt: FrameFormat) -> JSON:
    """The instance-level attributes the object type needs besides Image Pixel, geometry and identity."""
    attributes: JSON = dict(_CONTENT)
    if sop_class_uid == CT_IMAGE:
        attributes |= {
            "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
            "KVP": None,
            "AcquisitionNumber": None,
            "RescaleIntercept": "0",
            "RescaleSlope": "1",
        }
    elif sop_class_uid == MR_IMAGE:
        attributes |= {
            "ImageType": ["ORIGINAL", "PRIMARY", "OTHER"],
            "ScanningSequence": "SE",
            "SequenceVariant": "NONE",
            "ScanOptions": None,
            "MRAcquisitionType": "2D",
            "RepetitionTime": None,
            "EchoTime": None,
            "EchoTrainLength": None,
            "AcquisitionNumber": None,
        }
    else:
        # Secondary Capture: made by a workstation, with no plane to orient the image by.
        attributes |= {"ConversionType": "SYN", "PatientOrientation": None}
    if sop_class_uid in _MULTI_FRAME_SC:
        attributes |= {"BurnedInAnnotation": "NO", "FrameIncrementPointer": "00181063", "FrameTime": "1"}
        if fmt.samples_per_pixel == 1:
            attributes |= {"PresentationLUTShape": "IDENTITY", "RescaleIntercept": "0", "RescaleSlope": "1"}
            attributes["RescaleType"] = "US"
    return attributes
