"""UpdateImageSetMetadata on a document: set or remove attributes at each level, with ``force`` where the service
asks for it (identifying attributes, private tags, whole series or instances)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._documents import JSON, DocumentError, check_schema, mapping, series_of

#: Attributes that identify a study, series or instance: changing them needs ``force``.
FORCED_ATTRIBUTES = {
    "Study": frozenset({"StudyInstanceUID", "StudyID"}),
    "Series": frozenset({"SeriesInstanceUID"}),
    "Instance": frozenset({"SOPInstanceUID"}),
}
_PRIVATE_TAG = re.compile(r"[0-9A-Fa-f]{3}[13579BDFbdf][0-9A-Fa-f]{4}")


def _needs_force(level: str, keys: Sequence[str], force: bool, where: str) -> None:
    if force:
        return
    forced = sorted(
        k for k in keys if k in FORCED_ATTRIBUTES.get(level, ()) or (level == "Instance" and _PRIVATE_TAG.fullmatch(k))
    )
    if forced:
        raise DocumentError(f"changing {', '.join(forced)} at {where} needs force=true")


def _set_values(target: JSON, values: Mapping[str, Any], level: str, force: bool, where: str) -> None:
    dicom = mapping(values.get("DICOM", {}), f"{where}.DICOM")
    _needs_force(level, list(dicom), force, where)
    target.setdefault("DICOM", {}).update(copy.deepcopy(dicom))
    if "DICOMVRs" in values:
        target.setdefault("DICOMVRs", {}).update(mapping(values["DICOMVRs"], f"{where}.DICOMVRs"))


_LevelRule = Callable[[JSON, Mapping[str, Any], str, bool, str], None]


def _patient_and_study(document: JSON, payload: Mapping[str, Any], rule: _LevelRule, force: bool) -> tuple[JSON, JSON]:
    """A copy of the document with ``rule`` applied at the Patient and Study levels, and the payload's Study part."""
    check_schema(payload, frozenset({"Patient", "Study"}))
    result = copy.deepcopy(document)
    if "Patient" in payload:
        rule(result["Patient"], mapping(payload["Patient"], "Patient"), "Patient", force, "Patient")
    study = mapping(payload.get("Study", {}), "Study")
    rule(result["Study"], study, "Study", force, "Study")
    return result, study


def apply_updatable(document: JSON, payload: Mapping[str, Any], *, force: bool) -> JSON:
    """The document with the payload's values set; series and instances must exist."""
    result, study = _patient_and_study(document, payload, _set_values, force)
    for uid, series_update in mapping(study.get("Series", {}), "Study.Series").items():
        series = series_of(result).get(uid)
        if series is None:
            raise DocumentError("Study.Series names a series the image set does not hold")
        series_update = mapping(series_update, "Study.Series.<uid>")
        _set_values(series, series_update, "Series", force, "a series")
        for sop, instance_update in mapping(series_update.get("Instances", {}), "Instances").items():
            instance = series.get("Instances", {}).get(sop)
            if instance is None:
                raise DocumentError("Instances names an instance the series does not hold")
            _set_values(instance, mapping(instance_update, "Instances.<uid>"), "Instance", force, "an instance")
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
    dicom = mapping(values.get("DICOM", {}), f"{where}.DICOM")
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
    for uid, series_removal in mapping(study.get("Series", {}), "Study.Series").items():
        series_removal = mapping(series_removal, "Study.Series.<uid>")
        if uid not in all_series:
            raise DocumentError("Study.Series names a series the image set does not hold")
        if not series_removal:
            _needs_removal_force(force, "a series")
            del all_series[uid]
            continue
        series = all_series[uid]
        _remove_values(series, series_removal, "Series", force, "a series")
        instances = series.get("Instances", {})
        for sop, instance_removal in mapping(series_removal.get("Instances", {}), "Instances").items():
            if sop not in instances:
                raise DocumentError("Instances names an instance the series does not hold")
            instance_removal = mapping(instance_removal, "Instances.<uid>")
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
    study = {k: v for k, v in mapping(payload.get("Study", {}), "Study").items() if k != "Series"}
    study_level = {k: v for k, v in payload.items() if k in ("SchemaVersion", "Patient")} | {"Study": study}
    apply = apply_removable if removable else apply_updatable
    return apply(document, study_level, force=force)
