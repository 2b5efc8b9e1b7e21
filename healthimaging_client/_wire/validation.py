"""Input rules of the service model, checked before any request is built.

Each check records a problem as ``"field.path: what is wrong"`` and never the
offending value, since values can be patient data. All problems of a call are
collected, then raised together as one :class:`ParamValidationError`.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

import attrs

from .. import models as m
from ..errors import ParamValidationError
from .documents import Unencodable, UnencodableText, text_problem

_ID = re.compile(r"[0-9a-z]{32}")
# The model's \d+: ASCII digits on the service (Python's \d would also take "\u0661" and "\uff11").
_VERSION = re.compile(r"[0-9]+")
_UID = re.compile(r"[0-9.]+")
# DICOM's DA (YYYYMMDD) and TM (HH, HHMM, HHMMSS or HHMMSS.F to 6 digits; 60 seconds for a leap second).
_DA = re.compile(r"[0-9]{8}")
_TM = re.compile(r"(?:[01][0-9]|2[0-3])(?:[0-5][0-9](?:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?)?)?")

MAX_BLOB_BYTES = 30_000
MAX_COPIABLE_CHARS = 260_000
MAX_TOKEN_CHARS = 8_192

# Member name -> (maximum length, pattern or None) for the string members of a search value.
_SEARCH_STRINGS: dict[str, tuple[int, re.Pattern[str] | None]] = {
    "dicom_patient_id": (512, None),
    "dicom_accession_number": (512, None),
    "dicom_study_id": (512, None),
    "dicom_study_instance_uid": (512, _UID),
    "dicom_series_instance_uid": (512, _UID),
}


class Problems:
    """Collects what is wrong with one call's input."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.items: list[str] = []

    def add(self, path: str, text: str) -> None:
        self.items.append(f"{path}: {text}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ParamValidationError(self.items, operation=self.operation)


def _unicode(p: Problems, path: str, text: str) -> bool:
    """Text must encode as UTF-8 to be sent: a lone surrogate cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        p.add(path, "must be valid Unicode (it holds a lone surrogate)")
        return False
    return True


def identifier(p: Problems, path: str, value: object) -> str:
    """Datastore and image set ids: 32 characters of ``[0-9a-z]``, so nothing can steer the URL."""
    if not isinstance(value, str):
        p.add(path, f"expected a string, got {type(value).__name__}")
        return ""
    if _ID.fullmatch(value):
        return value
    if len(value) != 32:
        p.add(path, f"must be 32 characters of [0-9a-z] (got {len(value)} characters)")
    elif _ID.fullmatch(value.lower()):
        p.add(path, "has upper-case letters: ids are 32 characters of [0-9a-z], lower-case only")
    else:
        p.add(path, "must be 32 characters of [0-9a-z] (it has other characters)")
    return value


def version_id(p: Problems, path: str, value: object, *, required: bool = True) -> str | None:
    """Version ids: an ``int`` or a string of digits, always sent as a string."""
    if value is None:
        if required:
            p.add(path, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        p.add(path, f"expected an int or a string of digits, got {type(value).__name__}")
        return None
    if isinstance(value, int) and value.bit_length() > 64:
        p.add(path, "is too large for a version id")
        return None
    text = str(value)
    if not _VERSION.fullmatch(text):
        p.add(path, "must be a non-negative whole number, in ASCII digits")
        return None
    return text


def seconds(p: Problems, path: str, value: object, *, allow_zero: bool, allow_infinity: bool) -> None:
    """A duration: an int or a float of seconds, at least 0 (above 0 unless ``allow_zero``), finite unless
    ``allow_infinity``; never NaN (a deadline of NaN never comes), never an int beyond a float's range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        p.add(path, f"expected a number of seconds, got {type(value).__name__}")
        return
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float: no clock can add it
        number = math.nan
    finite_enough = math.isfinite(number) or (allow_infinity and number == math.inf)
    if not (finite_enough and (number >= 0 if allow_zero else number > 0)):
        p.add(path, "must be a number of seconds, 0 or more" if allow_zero else "must be a positive number of seconds")


#: The shortest wait between a waiter's polls: anything shorter polls the service in a busy loop.
MIN_POLL_INTERVAL = 0.01


def poll_interval(p: Problems, path: str, value: object) -> None:
    """A waiter's pause between polls: a finite number of seconds, at least :data:`MIN_POLL_INTERVAL`."""
    if isinstance(value, float | int) and not isinstance(value, bool) and 0 < value < MIN_POLL_INTERVAL:
        p.add(path, f"must be at least {MIN_POLL_INTERVAL} seconds (a shorter one polls in a busy loop)")
    else:
        seconds(p, path, value, allow_zero=False, allow_infinity=False)


def positive_int(path: str, value: object) -> None:
    """Raise at once unless ``value`` is a whole number of at least 1 (SDK-side settings)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParamValidationError([f"{path}: must be a whole number of at least 1"])


def max_results(p: Problems, path: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(path, f"expected an int, got {type(value).__name__}")
    elif not 1 <= value <= 50:
        p.add(path, "must be from 1 to 50")


def next_token(p: Problems, path: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        p.add(path, f"expected a string, got {type(value).__name__}")
    elif not 1 <= len(value) <= MAX_TOKEN_CHARS:
        p.add(path, f"must be 1 to {MAX_TOKEN_CHARS} characters")
    elif not value.isascii():
        p.add(path, "must be ASCII")


def optional_bool(p: Problems, path: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        p.add(path, f"expected a bool, got {type(value).__name__}")


def enum_value(p: Problems, path: str, value: object, enum_cls: type[enum.Enum]) -> None:
    allowed = [member.value for member in enum_cls]
    if isinstance(value, enum_cls):
        return
    if not isinstance(value, str) or value not in allowed:
        p.add(path, f"must be one of {', '.join(allowed)}")


def _search_value(p: Problems, path: str, value: object) -> str | None:
    """Checks one union value; returns the name of the member it sets."""
    if not isinstance(value, m.SearchByAttributeValue):
        p.add(path, f"expected SearchByAttributeValue, got {type(value).__name__}")
        return None
    chosen = [name for name, v in vars_of(value).items() if v is not None]
    if len(chosen) != 1:
        p.add(path, f"set exactly one member (got {len(chosen)})")
        return None
    name = chosen[0]
    member = getattr(value, name)
    where = f"{path}.{name}"
    if name in _SEARCH_STRINGS:
        limit, pattern = _SEARCH_STRINGS[name]
        if not isinstance(member, str):
            p.add(where, f"expected a string, got {type(member).__name__}")
        elif len(member) > limit:
            p.add(where, f"must be at most {limit} characters")
        elif pattern is not None and not pattern.fullmatch(member):
            p.add(where, f"must match {pattern.pattern}")
        else:
            _unicode(p, where, member)
    elif name in ("created_at", "updated_at"):
        if not isinstance(member, datetime):
            p.add(where, f"expected a datetime, got {type(member).__name__}")
    elif name == "is_primary":
        optional_bool(p, where, member)
    else:
        _study_date_and_time(p, where, member)
    return name


def _study_date_and_time(p: Problems, path: str, value: object) -> None:
    if not isinstance(value, m.DICOMStudyDateAndTime):
        p.add(path, f"expected DICOMStudyDateAndTime, got {type(value).__name__}")
        return
    for name, required, check in (("dicom_study_date", True, _dicom_date), ("dicom_study_time", False, _dicom_time)):
        member = getattr(value, name)
        if member is None:
            if required:
                p.add(f"{path}.{name}", "is required")
        elif not isinstance(member, str):
            p.add(f"{path}.{name}", f"expected a string, got {type(member).__name__}")
        elif (problem := check(member)) is not None:
            p.add(f"{path}.{name}", problem)


def _dicom_date(text: str) -> str | None:
    """A DICOM DA, YYYYMMDD, of a day that exists."""
    if _DA.fullmatch(text):
        try:
            date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return "must be a date that exists, as YYYYMMDD (DICOM's DA)"
        return None
    return "must be a date as YYYYMMDD (DICOM's DA), such as 20240105"


def _dicom_time(text: str) -> str | None:
    """A DICOM TM: HH, HHMM, HHMMSS or HHMMSS.FFFFFF."""
    if _TM.fullmatch(text):
        return None
    return "must be a time as HHMMSS, HHMM, HH or HHMMSS.FFFFFF (DICOM's TM), such as 093000"


def vars_of(instance: Any) -> dict[str, Any]:
    """An attrs instance's fields by name."""
    return {a.name: getattr(instance, a.name) for a in attrs.fields(type(instance))}  # pyright: ignore[reportUnknownArgumentType]


def search_filters(p: Problems, path: str, filters: object) -> None:
    if filters is None:
        return
    if isinstance(filters, str | bytes) or not isinstance(filters, Sequence):
        p.add(path, "expected a list of SearchFilter")
        return
    items: Sequence[object] = filters  # pyright: ignore[reportUnknownVariableType]
    if not 1 <= len(items) <= 2:
        p.add(path, f"must hold 1 or 2 filters (got {len(items)})")
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(item, m.SearchFilter):
            p.add(where, f"expected SearchFilter, got {type(item).__name__}")
            continue
        enum_value(p, f"{where}.operator", item.operator, m.Operator)
        values: object = item.values
        if not isinstance(values, tuple):  # the model freezes every iterable it is given into a tuple
            p.add(f"{where}.values", f"expected a list of SearchByAttributeValue, got {type(values).__name__}")
            continue
        values = cast(tuple[object, ...], values)
        if not 1 <= len(values) <= 2:
            p.add(f"{where}.values", f"must hold 1 or 2 values (got {len(values)})")
        members = [_search_value(p, f"{where}.values[{j}]", v) for j, v in enumerate(values)]
        operator = item.operator.value if isinstance(item.operator, m.Operator) else item.operator
        if operator == "EQUAL" and len(values) != 1:
            p.add(f"{where}.values", "EQUAL takes exactly one value")
        if operator == "BETWEEN":
            if len(values) != 2:
                p.add(f"{where}.values", "BETWEEN takes exactly two values (an inclusive range)")
            elif None not in members and members[0] != members[1]:
                p.add(f"{where}.values", "BETWEEN takes two values of the same attribute")


def sort(p: Problems, path: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, m.Sort):
        p.add(path, f"expected Sort, got {type(value).__name__}")
        return
    enum_value(p, f"{path}.sort_order", value.sort_order, m.SortOrder)
    enum_value(p, f"{path}.sort_field", value.sort_field, m.SortField)


def dicom_updates(p: Problems, path: str, value: object) -> None:
    if not isinstance(value, m.DICOMUpdates):
        p.add(path, f"expected DICOMUpdates, got {type(value).__name__}")
        return
    if value.updatable_attributes is None and value.removable_attributes is None:
        p.add(path, "set updatable_attributes, removable_attributes or both")
    for name in ("updatable_attributes", "removable_attributes"):
        blob = getattr(value, name)
        if blob is None:
            continue
        if (problem := _document_problem(blob, MAX_BLOB_BYTES, "bytes")) is not None:
            p.add(f"{path}.{name}", problem)


def copiable_attributes(p: Problems, path: str, value: str | None) -> None:
    if value is None:
        return
    if (problem := _document_problem(value, MAX_COPIABLE_CHARS, "characters")) is not None:
        p.add(path, problem)


def _document_problem(document: str | bytes, limit: int, unit: str) -> str | None:
    """Why a converted document (update blob, copy subset) cannot be sent, or None."""
    if isinstance(document, Unencodable | UnencodableText):
        return document.problem
    if not 1 <= len(document) <= limit:
        return f"must be 1 to {limit:,} {unit} of JSON (got {len(document):,})"
    return text_problem(document)
