"""Builders for the two write payloads whose JSON is easy to get wrong.

:class:`DICOMUpdatesBuilder` makes UpdateImageSetMetadata's ``DICOMUpdates``:
attributes to set and to remove at each level, whole series or instances to
remove, private tags with their VRs. The service wants a removal to repeat the
attribute's current value; give the builder the current
:class:`~healthimaging_client.metadata.ImageSetMetadata` and name only the tags.

:class:`CopySubsetBuilder` makes CopyImageSet's ``copiableAttributes``: the
series and instances to copy.

Both check the service's size limits when they build, and raise
:class:`~healthimaging_client.errors.ParamValidationError` (without values:
they are patient data).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Self

from . import models as m
from ._wire.validation import MAX_BLOB_BYTES, MAX_COPIABLE_CHARS
from .errors import ParamValidationError
from .metadata import ImageSetMetadata

__all__ = ["CopySubsetBuilder", "DICOMUpdatesBuilder"]

#: The schema version of update payloads, written as a number as in the service's examples.
UPDATE_SCHEMA_VERSION = 1.1
#: The schema version of copy subsets, written as a string as in the service's examples.
COPY_SCHEMA_VERSION = "1.1"

Tags = str | Mapping[str, Any]


def _compact_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _branch(root: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The nested object at ``root[k1][k2]...``, created on the way."""
    node = root
    for key in keys:
        node = node.setdefault(key, {})
    return node


def _level_keys(series_uid: str | None, sop_instance_uid: str | None) -> tuple[str, ...]:
    if series_uid is None:
        return ("Study",)
    if sop_instance_uid is None:
        return ("Study", "Series", series_uid)
    return ("Study", "Series", series_uid, "Instances", sop_instance_uid)


class DICOMUpdatesBuilder:
    """Collects attribute changes and builds a :class:`~healthimaging_client.DICOMUpdates`.

    Pass ``current`` (the image set's metadata) to remove attributes by tag
    alone; without it, give each removal as a mapping of tag to current value.
    Changing UIDs or StudyID, private tags of an instance and removing
    instances need ``force=True`` on the update.
    """

    def __init__(self, current: ImageSetMetadata | None = None) -> None:
        self._current = current
        self._updatable: dict[str, Any] = {}
        self._removable: dict[str, Any] = {}

    def __repr__(self) -> str:
        return "DICOMUpdatesBuilder(<masked>)"

    # --- setting ---------------------------------------------------------------

    def set_patient(self, attributes: Mapping[str, Any] | None = None, /, **tags: Any) -> Self:
        """Set patient-level attributes, such as ``PatientName="DOE^JANE"``."""
        return self._set(("Patient",), {**(attributes or {}), **tags}, None)

    def set_study(self, attributes: Mapping[str, Any] | None = None, /, **tags: Any) -> Self:
        """Set study-level attributes, such as ``StudyDescription="CHEST"``."""
        return self._set(("Study",), {**(attributes or {}), **tags}, None)

    def set_series(self, series_uid: str, attributes: Mapping[str, Any] | None = None, /, **tags: Any) -> Self:
        """Set attributes of one series."""
        return self._set(_level_keys(series_uid, None), {**(attributes or {}), **tags}, None)

    def set_instance(
        self,
        series_uid: str,
        sop_instance_uid: str,
        attributes: Mapping[str, Any] | None = None,
        /,
        *,
        vrs: Mapping[str, str] | None = None,
        **tags: Any,
    ) -> Self:
        """Set attributes of one instance; ``vrs`` gives the VR of each private tag (``{"001910F9": "DS"}``)."""
        return self._set(_level_keys(series_uid, sop_instance_uid), {**(attributes or {}), **tags}, vrs)

    def _set(self, keys: tuple[str, ...], values: dict[str, Any], vrs: Mapping[str, str] | None) -> Self:
        if not values:
            raise ParamValidationError(["attributes: name at least one attribute to set"])
        level = _branch(self._updatable, *keys)
        level.setdefault("DICOM", {}).update(values)
        if vrs:
            level.setdefault("DICOMVRs", {}).update(vrs)
        return self

    # --- removing --------------------------------------------------------------

    def remove_patient(self, *tags: Tags) -> Self:
        """Remove patient-level attributes, named by tag (values from ``current``) or as ``{tag: value}``."""
        return self._remove(("Patient",), tags, None, None)

    def remove_study(self, *tags: Tags) -> Self:
        """Remove study-level attributes."""
        return self._remove(("Study",), tags, None, None)

    def remove_series_attributes(self, series_uid: str, *tags: Tags) -> Self:
        """Remove attributes of one series (not the series itself: see :meth:`remove_series`)."""
        return self._remove(_level_keys(series_uid, None), tags, series_uid, None)

    def remove_instance_attributes(self, series_uid: str, sop_instance_uid: str, *tags: Tags) -> Self:
        """Remove attributes of one instance; private tags carry their VR from ``current``."""
        return self._remove(_level_keys(series_uid, sop_instance_uid), tags, series_uid, sop_instance_uid)

    def remove_series(self, series_uid: str) -> Self:
        """Remove a whole series with its instances."""
        _branch(self._removable, *_level_keys(series_uid, None))
        return self

    def remove_instance(self, series_uid: str, sop_instance_uid: str) -> Self:
        """Remove one instance (the update needs ``force=True``)."""
        _branch(self._removable, *_level_keys(series_uid, sop_instance_uid))
        return self

    def _remove(
        self, keys: tuple[str, ...], tags: tuple[Tags, ...], series_uid: str | None, sop_instance_uid: str | None
    ) -> Self:
        if not tags:
            raise ParamValidationError(["tags: name at least one attribute to remove"])
        current, current_vrs = self._current_level(keys, series_uid, sop_instance_uid, tags)
        values: dict[str, Any] = {}
        vrs: dict[str, str] = {}
        for tag in tags:
            if isinstance(tag, str):
                values[tag] = current[tag]
                if tag in current_vrs:
                    vrs[tag] = current_vrs[tag]
            else:
                values.update(tag)
        level = _branch(self._removable, *keys)
        level.setdefault("DICOM", {}).update(values)
        if vrs:
            level.setdefault("DICOMVRs", {}).update(vrs)
        return self

    def _current_level(
        self, keys: tuple[str, ...], series_uid: str | None, sop_instance_uid: str | None, tags: tuple[Tags, ...]
    ) -> tuple[Mapping[str, Any], Mapping[str, str]]:
        """The current DICOM values and VRs of a level, checked to hold every tag named by name."""
        names = [t for t in tags if isinstance(t, str)]
        if not names:
            return {}, {}
        if self._current is None:
            raise ParamValidationError(
                ["tags: to remove attributes by tag alone, create the builder with the current metadata"]
            )
        meta = self._current
        vrs: Mapping[str, str] = {}
        try:
            if keys == ("Patient",):
                dicom = meta.patient.dicom
            elif series_uid is None:
                dicom = meta.study.dicom
            elif sop_instance_uid is None:
                dicom = meta.study.series[series_uid].dicom
            else:
                instance = meta.study.series[series_uid].instances[sop_instance_uid]
                dicom, vrs = instance.dicom, instance.dicom_vrs
        except KeyError:
            raise ParamValidationError(["tags: the current metadata has no such series or instance"]) from None
        missing = [name for name in names if name not in dicom]
        if missing:
            # Tag keywords and numbers are not patient data; their values are.
            raise ParamValidationError([f"tags: not in the current metadata: {', '.join(missing)}"])
        return dicom, vrs

    # --- building --------------------------------------------------------------

    def updatable_attributes(self) -> dict[str, Any] | None:
        """The JSON document of attributes to set, or None when nothing is set."""
        return {"SchemaVersion": UPDATE_SCHEMA_VERSION, **self._updatable} if self._updatable else None

    def removable_attributes(self) -> dict[str, Any] | None:
        """The JSON document of attributes to remove, or None when nothing is removed."""
        return {"SchemaVersion": UPDATE_SCHEMA_VERSION, **self._removable} if self._removable else None

    def build(self) -> m.DICOMUpdates:
        """The updates, each document checked against the service's 30,000-byte limit."""
        problems: list[str] = []
        blobs: dict[str, bytes | None] = {}
        for name, document in (
            ("updatable_attributes", self.updatable_attributes()),
            ("removable_attributes", self.removable_attributes()),
        ):
            blob = None if document is None else _compact_json(document).encode("utf-8")
            if blob is not None and len(blob) > MAX_BLOB_BYTES:
                problems.append(f"{name}: {len(blob):,} bytes of JSON, over the limit of {MAX_BLOB_BYTES:,}")
            blobs[name] = blob
        if not any(blobs.values()):
            problems.append("attributes: nothing to set or remove")
        if problems:
            raise ParamValidationError(problems)
        return m.DICOMUpdates(
            updatable_attributes=blobs["updatable_attributes"], removable_attributes=blobs["removable_attributes"]
        )


class CopySubsetBuilder:
    """Chooses the series and instances that CopyImageSet copies (``copiableAttributes``).

    Pass the source's metadata to add whole series by UID; without it, name
    the instances.
    """

    def __init__(self, source: ImageSetMetadata | None = None) -> None:
        self._source = source
        self._series: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        count = sum(len(instances) for instances in self._series.values())
        return f"CopySubsetBuilder(series={len(self._series)}, instances={count})"

    def add_series(self, series_uid: str) -> Self:
        """Copy every instance of a series of the source metadata."""
        if self._source is None:
            raise ParamValidationError(
                ["series_uid: to copy a whole series, create the builder with the source metadata"]
            )
        series = self._source.study.series.get(series_uid)
        if series is None:
            raise ParamValidationError(["series_uid: the source metadata has no such series"])
        return self.add_instances(series_uid, series.instances)

    def add_instances(self, series_uid: str, sop_instance_uids: Iterable[str]) -> Self:
        """Copy these instances of a series."""
        instances = self._series.setdefault(series_uid, {})
        for sop_instance_uid in sop_instance_uids:
            instances[sop_instance_uid] = {}
        if not instances:
            del self._series[series_uid]
            raise ParamValidationError(["sop_instance_uids: name at least one instance"])
        return self

    def to_dict(self) -> dict[str, Any]:
        """The ``copiableAttributes`` document."""
        series = {uid: {"Instances": dict(instances)} for uid, instances in self._series.items()}
        return {"SchemaVersion": COPY_SCHEMA_VERSION, "Study": {"Series": series}}

    def build(self) -> str:
        """``copiableAttributes`` as the service takes it: JSON text of at most 260,000 characters."""
        if not self._series:
            raise ParamValidationError(["series: choose at least one series or instance"])
        text = _compact_json(self.to_dict())
        if len(text) > MAX_COPIABLE_CHARS:
            raise ParamValidationError(
                [f"document: {len(text):,} characters of JSON, over the limit of {MAX_COPIABLE_CHARS:,}"]
            )
        return text
