"""Image set metadata documents as the emulator holds them: plain JSON dicts, what a search reads of them,
and the checks updates and copies share.

Documents are read and changed by pure functions (here, ``_document_updates``,
``_document_copies``; ``_synthetic_documents`` builds them) that raise
:class:`DocumentError` with a message naming attributes, never their values,
since values are patient data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCHEMA_VERSION = "1.1"


class DocumentError(Exception):
    """An update or copy that the document does not allow (a ValidationException)."""


JSON = dict[str, Any]


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


def check_schema(payload: Mapping[str, Any], allowed: frozenset[str]) -> None:
    if str(payload.get("SchemaVersion")) != SCHEMA_VERSION:
        raise DocumentError("SchemaVersion must be 1.1")
    unknown = set(payload) - allowed - {"SchemaVersion"}
    if unknown:
        raise DocumentError(f"unknown top-level keys: {', '.join(sorted(unknown))}")


def mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DocumentError(f"{where} must be a JSON object")
    return value  # pyright: ignore[reportUnknownVariableType]
