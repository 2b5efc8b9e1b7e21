"""Synthetic image set metadata documents: patients, studies and series that are plainly made up, with UIDs under
the ``2.25`` root and the frames every document lists (``_pixels`` makes their codestreams)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from . import _frames as frames
from . import _objects as objects
from ._documents import JSON, SCHEMA_VERSION
from ._pixels import FrameFormat, FrameSpec, frame_entry, frame_geometry, geometry

_GIVEN_NAMES = ("JANE", "JOHN", "ALEX", "SAM", "KIM", "LEE", "ROBIN", "JO")
_FAMILY_NAMES = ("DOE", "ROE", "POE", "MOE", "COE", "HOE")
_MODALITIES = (("CT", "CHEST"), ("MR", "HEAD"), ("CT", "ABDOMEN"), ("MR", "KNEE"), ("CR", "HAND"))


def synthetic_uid(rng: random.Random) -> str:
    """A UID under the ``2.25`` (UUID-derived) root: synthetic, and valid DICOM."""
    return f"2.25.{rng.getrandbits(96)}"


def synthetic_values(rng: random.Random, number: int) -> tuple[JSON, JSON, list[JSON]]:
    """Patient, study and series DICOM values of synthetic image set ``number``."""
    patient = {
        "PatientName": f"{rng.choice(_FAMILY_NAMES)}^{rng.choice(_GIVEN_NAMES)}",
        "PatientID": f"PAT{rng.randrange(10_000):04d}",
        "PatientBirthDate": f"{rng.randrange(1940, 2015)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}",
        "PatientSex": rng.choice("FMO"),
    }
    study = {
        "StudyDate": f"{rng.randrange(2015, 2025)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}",
        "StudyTime": f"{rng.randrange(7, 20):02d}{rng.randrange(60):02d}{rng.randrange(60):02d}",
        "AccessionNumber": f"ACC{number:06d}",
        "StudyID": f"S{rng.randrange(100_000):05d}",
        "StudyDescription": "SYNTHETIC STUDY",
    }
    series: list[JSON] = []
    for index in range(rng.randrange(1, 3)):
        modality, body_part = rng.choice(_MODALITIES)
        series.append(
            {"Modality": modality, "BodyPartExamined": body_part, "SeriesNumber": index + 1, "SeriesDescription": "SYN"}
        )
    return patient, study, series


@attrs.frozen
class SeriesPlan:
    """One series to build: its DICOM values, how many instances and frames, and how they are stored."""

    dicom: Mapping[str, Any]
    instances: int
    frames: int
    format: FrameFormat
    #: False leaves StoredTransferSyntaxUID out of the instances, which the service reads as HTJ2K.
    name_syntax: bool = True
    slice_thickness: float = 2.5
    pixel_spacing: float = 0.75


def default_format(rng: random.Random) -> FrameFormat:
    """The frames of an image set made without a format: CT-like HTJ2K, 12 bits stored, in Hounsfield units."""
    size = rng.choice((256, 512))
    return FrameFormat(rows=size, columns=size, bits_stored=12, rescale=(1.0, -1024.0))


def build_document(
    rng: random.Random,
    *,
    datastore_id: str,
    image_set_id: str,
    patient: Mapping[str, Any],
    study: Mapping[str, Any],
    series: Sequence[SeriesPlan],
) -> tuple[JSON, dict[str, FrameSpec]]:
    """A metadata document, and the pixels of every frame it lists; UIDs and frame details are generated."""
    study_dicom = objects.study(dict(study))
    study_dicom.setdefault("StudyInstanceUID", synthetic_uid(rng))
    all_series: JSON = {}
    specs: dict[str, FrameSpec] = {}
    for number, plan in enumerate(series, start=1):
        series_dicom = dict(plan.dicom)
        series_dicom.setdefault("SeriesInstanceUID", synthetic_uid(rng))
        series_dicom.setdefault("SeriesNumber", number)
        series_dicom.setdefault("Modality", "OT")
        sop_class = objects.sop_class(series_dicom["Modality"], plan.format, plan.frames)
        series_dicom = objects.series(sop_class, series_dicom)
        instances = [
            _instance(rng, synthetic_uid(rng), n, plan, sop_class, specs) for n in range(1, plan.instances + 1)
        ]
        rng.shuffle(instances)  # document order is not slice order
        all_series[series_dicom["SeriesInstanceUID"]] = {"DICOM": series_dicom, "Instances": dict(instances)}
    document = {
        "SchemaVersion": SCHEMA_VERSION,
        "DatastoreID": datastore_id,
        "ImageSetID": image_set_id,
        "Patient": {"DICOM": objects.patient(dict(patient))},
        "Study": {"DICOM": study_dicom, "Series": all_series},
    }
    return document, specs


def _instance(
    rng: random.Random, sop: str, number: int, plan: SeriesPlan, sop_class: str, specs: dict[str, FrameSpec]
) -> tuple[str, JSON]:
    """Instance ``number`` of a series; InstanceNumber runs head to feet, against the z axis."""
    fmt = plan.format
    first_slice = (number - 1) * plan.frames
    top = (-60.0, -50.0, 100.0)

    def position(slice_number: int) -> tuple[float, float, float]:
        return (top[0], top[1], top[2] - slice_number * plan.slice_thickness)

    plane = geometry(position(first_slice), pixel_spacing=plan.pixel_spacing, thickness=plan.slice_thickness)
    if plan.frames > 1:
        positions = [position(first_slice + i) for i in range(plan.frames)]
        plane |= frame_geometry(positions, pixel_spacing=plan.pixel_spacing, thickness=plan.slice_thickness)
        plane["NumberOfFrames"] = plan.frames
    dicom: JSON = {
        "SOPClassUID": sop_class,
        "SOPInstanceUID": sop,
        "InstanceNumber": number,
        **objects.instance(sop_class, fmt),
        **fmt.dicom(),
        **plane,
    }
    entries: list[JSON] = []
    for _ in range(plan.frames):
        frame_id = f"{rng.getrandbits(128):032x}"
        spec = FrameSpec(fmt, rng.getrandbits(64))
        specs[frame_id] = spec
        entries.append(frame_entry(frame_id, spec, frames.thumbnails(spec) if fmt.thumbnail_checksums else []))
    instance: JSON = {"DICOM": dicom, "DICOMVRs": {}}
    if plan.name_syntax:
        instance["StoredTransferSyntaxUID"] = fmt.transfer_syntax_uid
    instance["ImageFrames"] = entries
    return sop, instance


def showcase_series() -> list[SeriesPlan]:
    """Series in every stored format the SDK decodes: small, so the image set builds and encodes in moments."""
    syntax = "1.2.840.10008.1.2.4."
    return [
        SeriesPlan(  # a CT volume: HTJ2K RPCL, 12 of 16 bits, Hounsfield units, thumbnails listed
            {"Modality": "CT", "SeriesDescription": "HTJ2K CT VOLUME"},
            instances=6,
            frames=1,
            format=FrameFormat(
                syntax + "202", 64, 64, bits_stored=12, rescale=(1.0, -1024.0), thumbnail_checksums=True
            ),
        ),
        SeriesPlan(  # signed 16-bit JPEG 2000 lossless, which GetImageFrame sends as application/octet-stream
            {"Modality": "MR", "SeriesDescription": "J2K LOSSLESS SIGNED"},
            instances=3,
            frames=1,
            format=FrameFormat(syntax + "90", 40, 48, signed=True, thumbnail_checksums=True),
        ),
        SeriesPlan(  # signed, 12 bits stored, odd size, HTJ2K without RPCL
            {"Modality": "CT", "SeriesDescription": "HTJ2K SIGNED 12 BIT"},
            instances=2,
            frames=1,
            format=FrameFormat(syntax + "201", 37, 53, bits_stored=12, signed=True, rescale=(0.5, -10.0)),
        ),
        SeriesPlan(  # 8-bit RGB, uncompressed, odd size
            {"Modality": "XC", "SeriesDescription": "RGB UNCOMPRESSED"},
            instances=1,
            frames=1,
            format=FrameFormat("1.2.840.10008.1.2.1", 45, 31, samples_per_pixel=3, bits_allocated=8, bits_stored=8),
        ),
        SeriesPlan(  # one multi-frame instance, with no StoredTransferSyntaxUID (so HTJ2K)
            {"Modality": "NM", "SeriesDescription": "MULTI-FRAME HTJ2K"},
            instances=1,
            frames=4,
            format=FrameFormat(syntax + "202", 32, 32, thumbnail_checksums=True),
            name_syntax=False,
        ),
        SeriesPlan(  # RGB JPEG 2000 (image/j2c), thumbnails through the colour transform
            {"Modality": "XC", "SeriesDescription": "J2K RGB"},
            instances=1,
            frames=1,
            format=FrameFormat(
                syntax + "91", 24, 40, samples_per_pixel=3, bits_allocated=8, bits_stored=8, thumbnail_checksums=True
            ),
        ),
        SeriesPlan(  # HTJ2K that may be lossy (image/jphc), stored losslessly here
            {"Modality": "CR", "SeriesDescription": "HTJ2K 4.203"},
            instances=1,
            frames=1,
            format=FrameFormat(syntax + "203", 24, 24),
        ),
    ]
