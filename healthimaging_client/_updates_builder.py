"""``DICOMUpdatesBuilder``: UpdateImageSetMetadata's ``DICOMUpdates``, level by level, checked as it is built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, cast

from . import models as m
from ._builder_checks import (
    Level,
    Tags,
    Values,
    attribute_problems,
    branch,
    level_of,
    level_problems,
    merged,
    vr_problems,
)
from ._dicom_keywords import name_problem
from ._masking import Masked
from ._wire.documents import compact
from ._wire.validation import MAX_BLOB_BYTES
from .errors import ParamValidationError
from .metadata import ImageSetMetadata

#: The schema version of update payloads, written as a number as in the service's examples.
UPDATE_SCHEMA_VERSION = 1.1


class DICOMUpdatesBuilder:
    """Collects attribute changes and builds a :class:`~healthimaging_client.DICOMUpdates`.

    Pass ``current`` (the image set's metadata) to remove attributes by tag
    alone; without it, give each removal as a mapping of tag to current value.
    Changing UIDs or StudyID, private tags of an instance and removing
    instances need ``force=True`` on the update.

    Attributes are named by their DICOM keyword (``PatientName``), checked
    against the DICOM data dictionary as they are added: a misspelt one
    raises :class:`~healthimaging_client.ParamValidationError` with the
    closest keyword. Private attributes are named by their tag (``"001910F9"``,
    an odd group) in the ``attributes`` mapping, their VR in ``vrs``.
    """

    def __init__(self, current: ImageSetMetadata | None = None) -> None:
        if current is not None and not isinstance(current, ImageSetMetadata):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ParamValidationError([f"current: expected ImageSetMetadata or None, got {type(current).__name__}"])
        self._current = current
        self._updatable: dict[str, Any] = {}
        self._removable: dict[str, Any] = {}

    def __repr__(self) -> str:
        return "DICOMUpdatesBuilder(<masked>)"

    # --- setting ---------------------------------------------------------------

    def set_patient(self, attributes: Mapping[str, object] | None = None, /, **tags: object) -> Self:
        """Set patient-level attributes, such as ``PatientName="DOE^JANE"``."""
        values = merged(attributes, tags)
        del attributes, tags
        return self._set(Masked(("Patient",), "level"), values, None, [])

    def set_study(self, attributes: Mapping[str, object] | None = None, /, **tags: object) -> Self:
        """Set study-level attributes, such as ``StudyDescription="CHEST"``."""
        values = merged(attributes, tags)
        del attributes, tags
        return self._set(level_of(), values, None, [])

    def set_series(self, series_uid: str, attributes: Mapping[str, object] | None = None, /, **tags: object) -> Self:
        """Set attributes of one series."""
        level, values, problems = level_of(series_uid), merged(attributes, tags), level_problems(series_uid)
        del series_uid, attributes, tags
        return self._set(level, values, None, problems)

    def set_instance(
        self,
        series_uid: str,
        sop_instance_uid: str,
        attributes: Mapping[str, object] | None = None,
        /,
        *,
        vrs: Mapping[str, str] | None = None,
        **tags: object,
    ) -> Self:
        """Set attributes of one instance; ``vrs`` gives the VR of each private tag (``{"001910F9": "DS"}``)."""
        level, problems = level_of(series_uid, sop_instance_uid), level_problems(series_uid, sop_instance_uid)
        values = merged(attributes, tags)
        del series_uid, sop_instance_uid, attributes, tags
        return self._set(level, values, vrs, problems)

    def _set(
        self, level: Level, values: Values | ParamValidationError, vrs: Mapping[str, str] | None, problems: list[str]
    ) -> Self:
        if isinstance(values, ParamValidationError):
            raise values
        if not values.value:
            problems.append("attributes: name at least one attribute to set")
        problems += attribute_problems("attributes", values) + vr_problems(vrs)
        if problems:
            raise ParamValidationError(problems)
        node = branch(self._updatable, *level.value)
        node.setdefault("DICOM", {}).update(values.value)
        if vrs:
            node.setdefault("DICOMVRs", {}).update(vrs)
        return self

    # --- removing --------------------------------------------------------------

    def remove_patient(self, *tags: Tags) -> Self:
        """Remove patient-level attributes, named by tag (values from ``current``) or as ``{tag: value}``."""
        named = Masked(tags, "tags")
        del tags
        return self._remove(Masked(("Patient",), "level"), named, [])

    def remove_study(self, *tags: Tags) -> Self:
        """Remove study-level attributes."""
        named = Masked(tags, "tags")
        del tags
        return self._remove(level_of(), named, [])

    def remove_series_attributes(self, series_uid: str, *tags: Tags) -> Self:
        """Remove attributes of one series (not the series itself: see :meth:`remove_series`)."""
        level, named, problems = level_of(series_uid), Masked(tags, "tags"), level_problems(series_uid)
        del series_uid, tags
        return self._remove(level, named, problems)

    def remove_instance_attributes(self, series_uid: str, sop_instance_uid: str, *tags: Tags) -> Self:
        """Remove attributes of one instance; private tags carry their VR from ``current``."""
        level, named = level_of(series_uid, sop_instance_uid), Masked(tags, "tags")
        problems = level_problems(series_uid, sop_instance_uid)
        del series_uid, sop_instance_uid, tags
        return self._remove(level, named, problems)

    def remove_series(self, series_uid: str) -> Self:
        """Remove a whole series with its instances."""
        level, problems = level_of(series_uid), level_problems(series_uid)
        del series_uid
        if problems:
            raise ParamValidationError(problems)
        branch(self._removable, *level.value)
        return self

    def remove_instance(self, series_uid: str, sop_instance_uid: str) -> Self:
        """Remove one instance (the update needs ``force=True``)."""
        level, problems = level_of(series_uid, sop_instance_uid), level_problems(series_uid, sop_instance_uid)
        del series_uid, sop_instance_uid
        if problems:
            raise ParamValidationError(problems)
        branch(self._removable, *level.value)
        return self

    def _remove(self, level: Level, tags: Masked[tuple[Tags, ...]], problems: list[str]) -> Self:
        if not tags.value:
            problems.append("tags: name at least one attribute to remove")
        for position, tag in enumerate(cast(tuple[object, ...], tags.value), start=1):
            if isinstance(tag, str):
                if (problem := name_problem(tag)) is not None:
                    problems.append(f"tags: tag {position} {problem}")
            elif isinstance(tag, Mapping):
                given = Masked(dict(cast(Mapping[object, object], tag)), "attributes")
                problems += attribute_problems(f"tags: tag {position}", given)
            else:
                problems.append(f"tags: tag {position} is a {type(tag).__name__}, not a keyword or a mapping")
        if problems:
            raise ParamValidationError(problems)
        current = self._current_level(level, tags)
        values: dict[str, Any] = {}
        vrs: dict[str, str] = {}
        for tag in tags.value:
            if isinstance(tag, str):
                values[tag] = current.value[0][tag]
                if tag in current.value[1]:
                    vrs[tag] = current.value[1][tag]
            else:
                values.update(tag)
        node = branch(self._removable, *level.value)
        node.setdefault("DICOM", {}).update(values)
        if vrs:
            node.setdefault("DICOMVRs", {}).update(vrs)
        return self

    def _current_level(
        self, level: Level, tags: Masked[tuple[Tags, ...]]
    ) -> Masked[tuple[Mapping[str, Any], Mapping[str, str]]]:
        """The current DICOM values and VRs of a level, checked to hold every tag named by name."""
        names = [t for t in tags.value if isinstance(t, str)]
        if not names:
            return Masked(({}, {}), "current values")
        if self._current is None:
            raise ParamValidationError(
                ["tags: to remove attributes by tag alone, create the builder with the current metadata"]
            )
        found = self._current_dicom(level)
        if found is None:
            raise ParamValidationError(["tags: the current metadata has no such series or instance"])
        missing = [name for name in names if name not in found.value[0]]
        if missing:
            # Keywords and tags (checked against the dictionary above) are not patient data; their values are.
            raise ParamValidationError([f"tags: not in the current metadata: {', '.join(missing)}"])
        return found

    def _current_dicom(self, level: Level) -> Masked[tuple[Mapping[str, Any], Mapping[str, str]]] | None:
        meta = self._current
        assert meta is not None
        keys = level.value
        try:
            if keys == ("Patient",):
                return Masked((meta.patient.dicom, {}), "current values")
            if len(keys) == 1:
                return Masked((meta.study.dicom, {}), "current values")
            series = meta.study.series[keys[2]]
            if len(keys) == 3:
                return Masked((series.dicom, {}), "current values")
            instance = series.instances[keys[4]]
        except KeyError:
            return None
        return Masked((instance.dicom, instance.dicom_vrs), "current values")

    # --- building --------------------------------------------------------------

    def updatable_attributes(self) -> dict[str, Any] | None:
        """The JSON document of attributes to set, or None when nothing is set."""
        return {"SchemaVersion": UPDATE_SCHEMA_VERSION, **self._updatable} if self._updatable else None

    def removable_attributes(self) -> dict[str, Any] | None:
        """The JSON document of attributes to remove, or None when nothing is removed."""
        return {"SchemaVersion": UPDATE_SCHEMA_VERSION, **self._removable} if self._removable else None

    def build(self) -> m.DICOMUpdates:
        """The updates, each document checked against the service's 30,000-byte limit."""
        blobs = {
            "updatable_attributes": _blob(self.updatable_attributes()),
            "removable_attributes": _blob(self.removable_attributes()),
        }
        problems = [
            f"{name}: {len(blob.value):,} bytes of JSON, over the limit of {MAX_BLOB_BYTES:,}"
            for name, blob in blobs.items()
            if blob is not None and len(blob.value) > MAX_BLOB_BYTES
        ]
        if all(blob is None for blob in blobs.values()):
            problems.append("attributes: nothing to set or remove")
        if problems:
            raise ParamValidationError(problems)
        return m.DICOMUpdates(**{name: None if blob is None else blob.value for name, blob in blobs.items()})


def _blob(document: dict[str, Any] | None) -> Masked[bytes] | None:
    return None if document is None else Masked(compact(document).encode("utf-8"), "document")
