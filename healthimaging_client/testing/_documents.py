"""Image set metadata documents: building synthetic ones, and applying updates and copies to them.

All functions are pure: they take documents (plain JSON dicts) and return new
ones, or raise :class:`DocumentError` with a message that names attributes but
never their values, since values are patient data.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from . import _frames as frames
from . import _objects as objects
from ._pixels import FrameFormat, FrameSpec, frame_entry, frame_geometry, geometry

SCHEMA_VERSION = "1.1"

#: Attributes that identify a study, series or instance: changing them needs ``force``.
FORCED_ATTRIBUTES = {
    "Study": frozenset({"StudyInstanceUID", "StudyID"}),
    "Series": frozenset({"SeriesInstanceUID"}),
    "Instance": frozenset({"SOPInstanceUID"}),
}
_PRIVATE_TAG = re.compile(r"[0-9A-Fa-f]{3}[13579BDFbdf][0-9A-Fa-f]{4}")

_GIVEN_NAMES = ("JANE", "JOHN", "ALEX", "SAM", "KIM", "LEE", "ROBIN", "JO")
_FAMILY_NAMES = ("DOE", "ROE", "POE", "MOE", "COE", "HOE")
_MODALITIES = (("CT", "CHEST"), ("MR", "HEAD"), ("CT", "ABDOMEN"), ("MR", "KNEE"), ("CR", "HAND"))


class DocumentError(Exception):
    """An update or copy that the document does not allow (a ValidationException)."""


JSON = dict[str, Any]


# --- building ------------------------------------------------------------------------


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


# --- reading -------------------------------------------------------------------------


def series_of(document: Mapping[str, Any]) -> dict[str, Any]:
    series: dict[str, Any] = document.get("Study", {}).get("Series", {})
    return series


def dicom_tags(document: Mapping[str, Any]) -> JSON:
    """The ``DICOMTags`` a search returns, read from the document."""
    patient: JSON = document.get("Patient", {}).get("DICOM", {})
    study: JSON = document.get("Study", {}).get("DICOM", {})
    series = series_of(document)
    first: JSON = {}
    for entry in series.values():
        first = entry.get("DICOM", {})
        break
    tags = {
        "DICOMPatientId": patient.get("PatientID"),
        "DICOMPatientName": patient.get("PatientName"),
        "DICOMPatientBirthDate": patient.get("PatientBirthDate"),
        "DICOMPatientSex": patient.get("PatientSex"),
        "DICOMStudyInstanceUID": study.get("StudyInstanceUID"),
        "DICOMStudyId": study.get("StudyID"),
        "DICOMStudyDescription": study.get("StudyDescription"),
        "DICOMNumberOfStudyRelatedSeries": len(series),
        "DICOMNumberOfStudyRelatedInstances": sum(len(s.get("Instances", {})) for s in series.values()),
        "DICOMAccessionNumber": study.get("AccessionNumber"),
        "DICOMSeriesInstanceUID": first.get("SeriesInstanceUID"),
        "DICOMSeriesModality": first.get("Modality"),
        "DICOMSeriesBodyPart": first.get("BodyPartExamined"),
        "DICOMSeriesNumber": first.get("SeriesNumber"),
        "DICOMStudyDate": study.get("StudyDate"),
        "DICOMStudyTime": study.get("StudyTime"),
    }
    return {k: v for k, v in tags.items() if v is not None}


# --- updating ------------------------------------------------------------------------


def _check_schema(payload: Mapping[str, Any], allowed: frozenset[str]) -> None:
    if str(payload.get("SchemaVersion")) != SCHEMA_VERSION:
        raise DocumentError("SchemaVersion must be 1.1")
    unknown = set(payload) - allowed - {"SchemaVersion"}
    if unknown:
        raise DocumentError(f"unknown top-level keys: {', '.join(sorted(unknown))}")


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DocumentError(f"{where} must be a JSON object")
    return value  # pyright: ignore[reportUnknownVariableType]


def _needs_force(level: str, keys: Sequence[str], force: bool, where: str) -> None:
    if force:
        return
    forced = sorted(
        k for k in keys if k in FORCED_ATTRIBUTES.get(level, ()) or (level == "Instance" and _PRIVATE_TAG.fullmatch(k))
    )
    if forced:
        raise DocumentError(f"changing {', '.join(forced)} at {where} needs force=true")


def _set_values(target: JSON, values: Mapping[str, Any], level: str, force: bool, where: str) -> None:
    dicom = _mapping(values.get("DICOM", {}), f"{where}.DICOM")
    _needs_force(level, list(dicom), force, where)
    target.setdefault("DICOM", {}).update(copy.deepcopy(dicom))
    if "DICOMVRs" in values:
        target.setdefault("DICOMVRs", {}).update(_mapping(values["DICOMVRs"], f"{where}.DICOMVRs"))


_LevelRule = Callable[[JSON, Mapping[str, Any], str, bool, str], None]


def _patient_and_study(document: JSON, payload: Mapping[str, Any], rule: _LevelRule, force: bool) -> tuple[JSON, JSON]:
    """A copy of the document with ``rule`` applied at the Patient and Study levels, and the payload's Study part."""
    _check_schema(payload, frozenset({"Patient", "Study"}))
    result = copy.deepcopy(document)
    if "Patient" in payload:
        rule(result["Patient"], _mapping(payload["Patient"], "Patient"), "Patient", force, "Patient")
    study = _mapping(payload.get("Study", {}), "Study")
    rule(result["Study"], study, "Study", force, "Study")
    return result, study


def apply_updatable(document: JSON, payload: Mapping[str, Any], *, force: bool) -> JSON:
    """The document with the payload's values set; series and instances must exist."""
    result, study = _patient_and_study(document, payload, _set_values, force)
    for uid, series_update in _mapping(study.get("Series", {}), "Study.Series").items():
        series = series_of(result).get(uid)
        if series is None:
            raise DocumentError("Study.Series names a series the image set does not hold")
        series_update = _mapping(series_update, "Study.Series.<uid>")
        _set_values(series, series_update, "Series", force, "a series")
        for sop, instance_update in _mapping(series_update.get("Instances", {}), "Instances").items():
            instance = series.get("Instances", {}).get(sop)
            if instance is None:
                raise DocumentError("Instances names an instance the series does not hold")
            _set_values(instance, _mapping(instance_update, "Instances.<uid>"), "Instance", force, "an instance")
    return _renumber_series_keys(result)


def _renumber_series_keys(document: JSON) -> JSON:
    """Series and instances are keyed by their UIDs: follow a forced change of either."""
    series = series_of(document)
    for old_uid in list(series):
        entry = series.pop(old_uid)
        instances = entry.get("Instances", {})
        for old_sop in list(instances):
            instance = instances.pop(old_sop)
            instances[instance.get("DICOM", {}).get("SOPInstanceUID", old_sop)] = instance
        series[entry.get("DICOM", {}).get("SeriesInstanceUID", old_uid)] = entry
    return document


def _remove_values(target: JSON, values: Mapping[str, Any], level: str, force: bool, where: str) -> None:
    dicom = _mapping(values.get("DICOM", {}), f"{where}.DICOM")
    _needs_force(level, list(dicom), force, where)
    current = target.get("DICOM", {})
    for key, value in dicom.items():
        if key not in current:
            raise DocumentError(f"{where}.DICOM.{key} is not set, so it cannot be removed")
        if current[key] != value:
            raise DocumentError(f"{where}.DICOM.{key}: a removal must repeat the current value")
        del current[key]
        target.get("DICOMVRs", {}).pop(key, None)


def apply_removable(document: JSON, payload: Mapping[str, Any], *, force: bool) -> JSON:
    """The document without the payload's attributes; an empty series or instance entry removes it."""
    result, study = _patient_and_study(document, payload, _remove_values, force)
    all_series = series_of(result)
    for uid, series_removal in _mapping(study.get("Series", {}), "Study.Series").items():
        series_removal = _mapping(series_removal, "Study.Series.<uid>")
        if uid not in all_series:
            raise DocumentError("Study.Series names a series the image set does not hold")
        if not series_removal:
            _needs_removal_force(force, "a series")
            del all_series[uid]
            continue
        series = all_series[uid]
        _remove_values(series, series_removal, "Series", force, "a series")
        instances = series.get("Instances", {})
        for sop, instance_removal in _mapping(series_removal.get("Instances", {}), "Instances").items():
            if sop not in instances:
                raise DocumentError("Instances names an instance the series does not hold")
            instance_removal = _mapping(instance_removal, "Instances.<uid>")
            if instance_removal:
                _remove_values(instances[sop], instance_removal, "Instance", force, "an instance")
            else:
                _needs_removal_force(force, "an instance")
                del instances[sop]
    return result


def _needs_removal_force(force: bool, what: str) -> None:
    if not force:
        raise DocumentError(f"removing {what} needs force=true")


def apply_study_level(document: JSON, payload: Mapping[str, Any], *, removable: bool, force: bool) -> JSON:
    """Only the Patient and Study attributes of an update (for ``includeStudyImageSets``)."""
    study = {k: v for k, v in _mapping(payload.get("Study", {}), "Study").items() if k != "Series"}
    study_level = {k: v for k, v in payload.items() if k in ("SchemaVersion", "Patient")} | {"Study": study}
    apply = apply_removable if removable else apply_updatable
    return apply(document, study_level, force=force)


# --- copying -------------------------------------------------------------------------


def select_subset(document: JSON, selection: Mapping[str, Any] | None) -> JSON:
    """The series (and instances) of ``document`` that a ``copiableAttributes`` document names."""
    result = copy.deepcopy(document)
    if selection is None:
        return result
    _check_schema(selection, frozenset({"Patient", "Study"}))
    wanted = _mapping(_mapping(selection.get("Study", {}), "Study").get("Series", {}), "Study.Series")
    chosen: JSON = {}
    source_series = series_of(result)
    for uid, series_selection in wanted.items():
        if uid not in source_series:
            raise DocumentError("copiableAttributes names a series the source does not hold")
        entry = source_series[uid]
        instance_selection = _mapping(
            _mapping(series_selection, "Study.Series.<uid>").get("Instances", {}), "Instances"
        )
        if instance_selection:
            instances = entry.get("Instances", {})
            missing = [sop for sop in instance_selection if sop not in instances]
            if missing:
                raise DocumentError("copiableAttributes names an instance the source does not hold")
            entry["Instances"] = {sop: instances[sop] for sop in instance_selection}
        chosen[uid] = entry
    result["Study"]["Series"] = chosen
    return result


def mismatched_levels(source: Mapping[str, Any], destination: Mapping[str, Any]) -> list[str]:
    """The levels whose DICOM values differ between source and destination (copy needs ``force``)."""
    levels: list[str] = []
    for level in ("Patient", "Study"):
        if source.get(level, {}).get("DICOM", {}) != destination.get(level, {}).get("DICOM", {}):
            levels.append(level)
    destination_series = series_of(destination)
    for uid, entry in series_of(source).items():
        other = destination_series.get(uid)
        if other is not None and other.get("DICOM", {}) != entry.get("DICOM", {}):
            levels.append("Series")
            break
    return levels


def merge_into(destination: JSON, subset: Mapping[str, Any]) -> JSON:
    """The destination with the subset's series and instances added (theirs win on a clash)."""
    result = copy.deepcopy(destination)
    target = series_of(result)
    for uid, entry in series_of(subset).items():
        if uid in target:
            target[uid].setdefault("Instances", {}).update(copy.deepcopy(entry.get("Instances", {})))
        else:
            target[uid] = copy.deepcopy(entry)
    return result
