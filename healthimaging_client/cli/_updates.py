"""``--set`` and ``--remove`` expressions, and update files, turned into the SDK's update payload.

An expression names a level of the metadata document, then an attribute::

    LEVEL  = Patient | Study | Series[SERIES_UID] | Series[SERIES_UID].Instances[SOP_INSTANCE_UID]
    --set     LEVEL.TAG=TEXT           the value as text:   Patient.PatientName=DOE^JANE
    --set     LEVEL.TAG:=JSON          the value as JSON:   Series[1.2.3].SeriesNumber:=4
    --set     LEVEL.TAG:VR=TEXT        a private tag and its VR (instances only): ...Instances[4.5.6].001910F9:DS=97
    --remove  LEVEL.TAG                the value to remove is read from the current metadata
    --remove  LEVEL.TAG=TEXT           or given (the service wants the current value repeated)
    --remove  Series[UID]  or  Series[UID].Instances[UID]   a whole series or instance

TAG is a keyword (``PatientName``) or eight hex digits (``001910F9``). The
parsers raise ``ValueError`` with messages that never repeat a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

import attrs

from .. import models as m
from ..builders import DICOMUpdatesBuilder

_LEVEL = re.compile(
    r"^(?:(?P<top>Patient|Study)|Series\[(?P<series>[^\[\]]+)\](?:\.Instances\[(?P<sop>[^\[\]]+)\])?)(?=\.|$)"
)
_ATTRIBUTE = re.compile(
    r"^(?P<tag>[A-Za-z][A-Za-z0-9]*|[0-9A-Fa-f]{8})(?::(?P<vr>[A-Z]{2}))?(?:(?P<op>:?=)(?P<value>.*))?$", re.S
)
_LEVELS_HELP = "Patient, Study, Series[UID] or Series[UID].Instances[UID]"


@attrs.frozen
class Level:
    """Where an attribute lives: the patient or study (``name``), or one series or instance."""

    name: str  # Patient, Study, Series or Instance
    series_uid: str | None = None
    sop_instance_uid: str | None = None


@attrs.frozen
class SetAttribute:
    level: Level
    tag: str
    value: Any
    vr: str | None = None


@attrs.frozen
class RemoveAttribute:
    level: Level
    tag: str
    value: Any = None  # None: read it from the current metadata


@attrs.frozen
class RemoveLevel:
    """A whole series or instance to remove."""

    level: Level


Change = SetAttribute | RemoveAttribute | RemoveLevel


def _split(text: str) -> tuple[Level, str]:
    """The level an expression names, and the rest after it (``""`` or ``.TAG...``)."""
    match = _LEVEL.match(text)
    if match is None:
        raise ValueError(f"start with a level: {_LEVELS_HELP}")
    if match["top"]:
        level = Level(match["top"])
    elif match["sop"]:
        level = Level("Instance", match["series"], match["sop"])
    else:
        level = Level("Series", match["series"])
    return level, text[match.end() :]


def _attribute(rest: str) -> re.Match[str]:
    match = _ATTRIBUTE.match(rest[1:]) if rest.startswith(".") else None
    if match is None:
        raise ValueError("name an attribute after the level: LEVEL.TAG, where TAG is a keyword or 8 hex digits")
    return match


def _value(op: str, text: str) -> Any:
    if op == "=":
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("the value after ':=' must be JSON (a number, a string in quotes, a list...)") from None


def parse_set(text: str) -> SetAttribute:
    """One ``--set`` expression."""
    level, rest = _split(text)
    match = _attribute(rest)
    if match["op"] is None:
        raise ValueError("give a value: LEVEL.TAG=TEXT, or LEVEL.TAG:=JSON")
    if match["vr"] and level.name != "Instance":
        raise ValueError("a VR can be given only for an instance's attribute: Series[UID].Instances[UID].TAG:VR=TEXT")
    return SetAttribute(level, match["tag"], _value(match["op"], match["value"]), match["vr"])


def parse_remove(text: str) -> RemoveAttribute | RemoveLevel:
    """One ``--remove`` expression."""
    level, rest = _split(text)
    if not rest:
        if level.name in ("Patient", "Study"):
            raise ValueError("name the attribute to remove: Patient.TAG or Study.TAG")
        return RemoveLevel(level)
    match = _attribute(rest)
    if match["vr"]:
        raise ValueError("a removal takes no VR: it is read from the current metadata")
    value = None if match["op"] is None else _value(match["op"], match["value"])
    return RemoveAttribute(level, match["tag"], value)


def needs_current_metadata(changes: Sequence[Change]) -> bool:
    """Whether a removal leaves its value to be read from the image set's current metadata."""
    return any(isinstance(c, RemoveAttribute) and c.value is None for c in changes)


def apply(builder: DICOMUpdatesBuilder, changes: Sequence[Change]) -> DICOMUpdatesBuilder:
    """Each change, in order, as a call of the SDK's builder."""
    for change in changes:
        level = change.level
        series, sop = level.series_uid or "", level.sop_instance_uid or ""
        if isinstance(change, SetAttribute):
            values = {change.tag: change.value}
            if level.name == "Patient":
                builder.set_patient(values)
            elif level.name == "Study":
                builder.set_study(values)
            elif level.name == "Series":
                builder.set_series(series, values)
            else:
                builder.set_instance(series, sop, values, vrs={change.tag: change.vr} if change.vr else None)
        elif isinstance(change, RemoveAttribute):
            tag: str | Mapping[str, Any] = change.tag if change.value is None else {change.tag: change.value}
            if level.name == "Patient":
                builder.remove_patient(tag)
            elif level.name == "Study":
                builder.remove_study(tag)
            elif level.name == "Series":
                builder.remove_series_attributes(series, tag)
            else:
                builder.remove_instance_attributes(series, sop, tag)
        elif level.name == "Series":
            builder.remove_series(series)
        else:
            builder.remove_instance(series, sop)
    return builder


def summary(changes: Sequence[Change]) -> str:
    """What the changes do, in counts (no values), for the confirmation prompt."""
    sets = sum(isinstance(c, SetAttribute) for c in changes)
    removals = sum(isinstance(c, RemoveAttribute) for c in changes)
    levels = sum(isinstance(c, RemoveLevel) for c in changes)
    parts = [f"set {sets} attribute(s)"] if sets else []
    parts += [f"remove {removals} attribute(s)"] if removals else []
    parts += [f"remove {levels} series or instance(s)"] if levels else []
    return ", ".join(parts)


# --- update files ---------------------------------------------------------------------------

_FILE_KEYS = ("updatableAttributes", "removableAttributes")


def _document(key: str, value: object) -> dict[str, Any]:
    """One document of an update file: a JSON object, or base64 of one (as the AWS CLI takes it)."""
    if isinstance(value, str):
        try:
            value = json.loads(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise ValueError(f"{key}: a string must be base64 of a JSON object") from None
    if not isinstance(value, dict):
        raise ValueError(f"{key}: must be a JSON object (or base64 of one)")
    return cast(dict[str, Any], value)


def updates_from_file(data: bytes) -> m.DICOMUpdates:
    """An update file: ``{"updatableAttributes": {...}, "removableAttributes": {...}}``.

    The two may sit inside ``"DICOMUpdates"``, and each may be base64 of its
    JSON, so the AWS CLI's update file works as it is.
    """
    try:
        loaded = json.loads(data)
    except ValueError:
        raise ValueError("the file is not JSON") from None
    if isinstance(loaded, dict) and "DICOMUpdates" in loaded:
        loaded = cast(dict[str, Any], loaded)["DICOMUpdates"]
    if not isinstance(loaded, dict):
        raise ValueError("the file must hold a JSON object")
    document = cast(dict[str, Any], loaded)
    unknown = sorted(set(document) - set(_FILE_KEYS))
    if unknown or not document:
        raise ValueError(f"the file's object takes {' and/or '.join(_FILE_KEYS)} (and nothing else)")
    parts = {key: _document(key, document[key]) for key in _FILE_KEYS if key in document}
    return m.DICOMUpdates(
        updatable_attributes=parts.get("updatableAttributes"), removable_attributes=parts.get("removableAttributes")
    )
