"""What both payload builders check, and how they hold their arguments: UIDs, DICOM keywords and values, the
VRs of private tags, and the masked holders that keep patient data out of a traceback's locals."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from ._dicom_keywords import is_private_tag, name_problem
from ._masking import Masked
from ._wire.documents import value_problem
from .errors import ParamValidationError

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


def branch(root: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The nested object at ``root[k1][k2]...``, created on the way."""
    node = root
    for key in keys:
        node = node.setdefault(key, {})
    return node


def uid_problem(path: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{path}: expected a string, got {type(value).__name__}"
    if len(value) > 64 or not _UID.fullmatch(value):
        return f"{path}: must be a DICOM UID (digits and dots, at most 64 characters)"
    return None


_UID_NAMES = ("series_uid", "sop_instance_uid")


def level_of(*uids: object) -> Level:
    """The keys of a level of the document: the study, a series, or an instance. Masked: UIDs are patient data."""
    keys = ["Study"]
    for name, uid in zip(("Series", "Instances"), uids, strict=False):
        keys += [name, cast(str, uid)]
    return Masked(tuple(keys), "level")


def level_problems(*uids: object) -> list[str]:
    return [problem for name, uid in zip(_UID_NAMES, uids, strict=False) if (problem := uid_problem(name, uid))]


def merged(attributes: object, tags: Mapping[str, object]) -> Values | ParamValidationError:
    """The attributes of a ``set_*`` call, the mapping and the keywords together, masked."""
    if attributes is not None and not isinstance(attributes, Mapping):
        return ParamValidationError(
            [f"attributes: expected a mapping of keyword to value, got {type(attributes).__name__}"]
        )
    return Masked({**(attributes or {}), **tags}, "attributes")


def attribute_problems(path: str, values: Values) -> list[str]:
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
            problems += item_problems(where, values.value[key])
    return problems


def item_problems(where: str, value: object) -> list[str]:
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


def vr_problems(vrs: object) -> list[str]:
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


def listed(uids: object) -> list[object] | None:
    """The UIDs an argument iterates, or None when it is not an iterable of them (a lone string is not)."""
    if isinstance(uids, str | bytes) or not isinstance(uids, Iterable):
        return None
    return list(cast(Iterable[object], uids))
