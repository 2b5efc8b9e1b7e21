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

import re
from collections.abc import Iterable, Mapping
from typing import Any, Self, cast

from . import models as m
from ._dicom_keywords import is_private_tag, name_problem
from ._masking import Masked
from ._wire.documents import compact, value_problem
from ._wire.validation import MAX_BLOB_BYTES, MAX_COPIABLE_CHARS
from .errors import ParamValidationError
from .metadata import ImageSetMetadata

__all__ = ["CopySubsetBuilder", "DICOMUpdatesBuilder"]

#: The schema version of update payloads, written as a number as in the service's examples.
UPDATE_SCHEMA_VERSION = 1.1
#: The schema version of copy subsets, written as a string as in the service's examples.
COPY_SCHEMA_VERSION = "1.1"

#: A tag to remove: its keyword (or private tag), the value taken from ``current``; or ``{keyword: value}``.
Tags = str | Mapping[str, object]

#: The value representations DICOM defines (PS3.5 6.2), for the VRs of private tags.
_VRS = frozenset(
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV".split()  # noqa: SIM905
)
_UID = re.compile(r"[0-9]+(?:\.[0-9]+)*")

# Every method below takes patient data (values, UIDs). Each public one puts its arguments into a
# masked holder and deletes them before anything can be raised, so that no frame of the builder
# holds them in a plain local when a traceback renderer shows locals.
Level = Masked[tuple[str, ...]]
Values = Masked[dict[Any, Any]]


def _branch(root: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The nested object at ``root[k1][k2]...``, created on the way."""
    node = root
    for key in keys:
        node = node.setdefault(key, {})
    return node


def _uid_problem(path: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{path}: expected a string, got {type(value).__name__}"
    if len(value) > 64 or not _UID.fullmatch(value):
        return f"{path}: must be a DICOM UID (digits and dots, at most 64 characters)"
    return None


_UID_NAMES = ("series_uid", "sop_instance_uid")


def _level(*uids: object) -> Level:
    """The keys of a level of the document: the study, a series, or an instance. Masked: UIDs are patient data."""
    keys = ["Study"]
    for name, uid in zip(("Series", "Instances"), uids, strict=False):
        keys += [name, cast(str, uid)]
    return Masked(tuple(keys), "level")


def _level_problems(*uids: object) -> list[str]:
    return [problem for name, uid in zip(_UID_NAMES, uids, strict=False) if (problem := _uid_problem(name, uid))]


def _merged(attributes: object, tags: Mapping[str, object]) -> Values | ParamValidationError:
    """The attributes of a ``set_*`` call, the mapping and the keywords together, masked."""
    if attributes is not None and not isinstance(attributes, Mapping):
        return ParamValidationError(
            [f"attributes: expected a mapping of keyword to value, got {type(attributes).__name__}"]
        )
    return Masked({**(attributes or {}), **tags}, "attributes")


def _attribute_problems(path: str, values: Values) -> list[str]:
    """Each attribute's name (a DICOM keyword or a private tag) and value (valid JSON), by position."""
    count = len(values.value)
    problems: list[str] = []
    for position, key in enumerate(values.value, start=1):
        where = f"{path}: attribute {position} of {count}"
        if (problem := name_problem(key)) is not None:
            problems.append(f"{where} {problem}")
        elif (problem := value_problem(values.value[key])) is not None:
            problems.append(f"{where}: its value {problem}")
        else:
            problems += _item_problems(where, values.value[key])
    return problems


def _item_problems(where: str, value: object) -> list[str]:
    """The names in the items of a sequence (a list of attribute mappings) must be keywords or private tags too."""
    if not isinstance(value, list):
        return []
    problems: list[str] = []
    for index, item in enumerate(cast(list[object], value), start=1):
        if isinstance(item, dict):
            names = list(cast(dict[object, object], item))
            for position, name in enumerate(names, start=1):
                if (problem := name_problem(name)) is not None:
                    problems.append(f"{where}, item {index}, attribute {position} {problem}")
    return problems


def _vr_problems(vrs: object) -> list[str]:
    if vrs is None:
        return []
    if not isinstance(vrs, Mapping):
        return [f"vrs: expected a mapping of private tag to VR, got {type(vrs).__name__}"]
    problems: list[str] = []
    for position, (tag, vr) in enumerate(cast(Mapping[object, object], vrs).items(), start=1):
        if not (isinstance(tag, str) and is_private_tag(tag)):
            problems.append(f"vrs: entry {position} is not a private tag (8 hex digits, odd group)")
        elif vr not in _VRS:
            problems.append(f"vrs: entry {position} is not a DICOM VR code (such as DS, LO, US)")
    return problems


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
        values = _merged(attributes, tags)
        del attributes, tags
        return self._set(Masked(("Patient",), "level"), values, None, [])

    def set_study(self, attributes: Mapping[str, object] | None = None, /, **tags: object) -> Self:
        """Set study-level attributes, such as ``StudyDescription="CHEST"``."""
        values = _merged(attributes, tags)
        del attributes, tags
        return self._set(_level(), values, None, [])

    def set_series(self, series_uid: str, attributes: Mapping[str, object] | None = None, /, **tags: object) -> Self:
        """Set attributes of one series."""
        level, values, problems = _level(series_uid), _merged(attributes, tags), _level_problems(series_uid)
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
        level, problems = _level(series_uid, sop_instance_uid), _level_problems(series_uid, sop_instance_uid)
        values = _merged(attributes, tags)
        del series_uid, sop_instance_uid, attributes, tags
        return self._set(level, values, vrs, problems)

    def _set(
        self, level: Level, values: Values | ParamValidationError, vrs: Mapping[str, str] | None, problems: list[str]
    ) -> Self:
        if isinstance(values, ParamValidationError):
            raise values
        if not values.value:
            problems.append("attributes: name at least one attribute to set")
        problems += _attribute_problems("attributes", values) + _vr_problems(vrs)
        if problems:
            raise ParamValidationError(problems)
        node = _branch(self._updatable, *level.value)
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
        return self._remove(_level(), named, [])

    def remove_series_attributes(self, series_uid: str, *tags: Tags) -> Self:
        """Remove attributes of one series (not the series itself: see :meth:`remove_series`)."""
        level, named, problems = _level(series_uid), Masked(tags, "tags"), _level_problems(series_uid)
        del series_uid, tags
        return self._remove(level, named, problems)

    def remove_instance_attributes(self, series_uid: str, sop_instance_uid: str, *tags: Tags) -> Self:
        """Remove attributes of one instance; private tags carry their VR from ``current``."""
        level, named = _level(series_uid, sop_instance_uid), Masked(tags, "tags")
        problems = _level_problems(series_uid, sop_instance_uid)
        del series_uid, sop_instance_uid, tags
        return self._remove(level, named, problems)

    def remove_series(self, series_uid: str) -> Self:
        """Remove a whole series with its instances."""
        level, problems = _level(series_uid), _level_problems(series_uid)
        del series_uid
        if problems:
            raise ParamValidationError(problems)
        _branch(self._removable, *level.value)
        return self

    def remove_instance(self, series_uid: str, sop_instance_uid: str) -> Self:
        """Remove one instance (the update needs ``force=True``)."""
        level, problems = _level(series_uid, sop_instance_uid), _level_problems(series_uid, sop_instance_uid)
        del series_uid, sop_instance_uid
        if problems:
            raise ParamValidationError(problems)
        _branch(self._removable, *level.value)
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
                problems += _attribute_problems(f"tags: tag {position}", given)
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
        node = _branch(self._removable, *level.value)
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


class CopySubsetBuilder:
    """Chooses the series and instances that CopyImageSet copies (``copiableAttributes``).

    Pass the source's metadata to add whole series by UID; without it, name
    the instances.
    """

    def __init__(self, source: ImageSetMetadata | None = None) -> None:
        if source is not None and not isinstance(source, ImageSetMetadata):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ParamValidationError([f"source: expected ImageSetMetadata or None, got {type(source).__name__}"])
        self._source = source
        self._series: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        count = sum(len(instances) for instances in self._series.values())
        return f"CopySubsetBuilder(series={len(self._series)}, instances={count})"

    def add_series(self, series_uid: str) -> Self:
        """Copy every instance of a series of the source metadata."""
        level, problems = _level(series_uid), _level_problems(series_uid)
        del series_uid
        if problems:
            raise ParamValidationError(problems)
        if self._source is None:
            raise ParamValidationError(
                ["series_uid: to copy a whole series, create the builder with the source metadata"]
            )
        series = self._source.study.series.get(level.value[2])
        if series is None:
            raise ParamValidationError(["series_uid: the source metadata has no such series"])
        return self._add(level, Masked(list(series.instances), "UIDs"))

    def add_instances(self, series_uid: str, sop_instance_uids: Iterable[str]) -> Self:
        """Copy these instances of a series."""
        level, problems = _level(series_uid), _level_problems(series_uid)
        uids = Masked(_listed(sop_instance_uids), "UIDs")
        del series_uid, sop_instance_uids
        if uids.value is None:
            problems.append("sop_instance_uids: expected an iterable of UIDs")
        else:
            problems += [
                f"sop_instance_uids: item {position} {problem.partition(': ')[2]}"
                for position, uid in enumerate(uids.value, start=1)
                if (problem := _uid_problem("", uid))
            ]
            if not uids.value:
                problems.append("sop_instance_uids: name at least one instance")
        if problems:
            raise ParamValidationError(problems)
        return self._add(level, cast(Masked[list[str]], uids))

    def _add(self, level: Level, uids: Masked[list[str]]) -> Self:
        instances: dict[str, Any] = self._series.setdefault(level.value[2], {})
        instances.update({uid: {} for uid in uids.value})
        return self

    def to_dict(self) -> dict[str, Any]:
        """The ``copiableAttributes`` document."""
        series = {uid: {"Instances": dict(instances)} for uid, instances in self._series.items()}
        return {"SchemaVersion": COPY_SCHEMA_VERSION, "Study": {"Series": series}}

    def build(self) -> str:
        """``copiableAttributes`` as the service takes it: JSON text of at most 260,000 characters."""
        if not self._series:
            raise ParamValidationError(["series: choose at least one series or instance"])
        text = Masked(compact(self.to_dict()), "document")
        if len(text.value) > MAX_COPIABLE_CHARS:
            raise ParamValidationError(
                [f"document: {len(text.value):,} characters of JSON, over the limit of {MAX_COPIABLE_CHARS:,}"]
            )
        return text.value


def _listed(uids: object) -> list[object] | None:
    """The UIDs an argument iterates, or None when it is not an iterable of them (a lone string is not)."""
    if isinstance(uids, str | bytes) or not isinstance(uids, Iterable):
        return None
    return list(cast(Iterable[object], uids))
