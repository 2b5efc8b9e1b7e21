"""Readable search options turned into the SDK's search filters and sort, as pure functions.

Ranges are written ``LOW..HIGH``; either end may be left open. A study date is
DICOM DA (``20240131``, or ``2024-01-31``), optionally with a time as DICOM DT
writes it (``20240131093000``); a timestamp is ISO 8601 (``2024-01-31`` or
``2024-01-31T09:30:00Z``, UTC when no offset is given). A bare date covers its
whole day. Each function raises ``ValueError`` with a message fit for the user.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs

from .. import models as m

#: The open ends of a study date range.
EARLIEST_STUDY_DATE = "19000101"
LATEST_STUDY_DATE = "99991231"
#: The lower open end of a timestamp range (the upper one is now).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_DAY_START = "000000"
_DAY_END = "235959.999999"
_DICOM_DATE_TIME = re.compile(r"^(?P<date>\d{8})(?P<time>\d{6}(?:\.\d{1,6})?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

SORT_FIELDS = {
    "updated-at": m.SortField.UPDATED_AT,
    "created-at": m.SortField.CREATED_AT,
    "study-date": m.SortField.DICOM_STUDY_DATE_AND_TIME,
}


def _ends(text: str) -> tuple[str | None, str | None] | None:
    """The two ends of ``LOW..HIGH`` (None where open), or None when the text is no range."""
    if ".." not in text:
        return None
    low, _, high = text.partition("..")
    if not low and not high:
        raise ValueError("a range needs at least one end, as in LOW..HIGH, LOW.. or ..HIGH")
    return low or None, high or None


def _between(low: m.SearchByAttributeValue, high: m.SearchByAttributeValue) -> m.SearchFilter:
    return m.SearchFilter(operator=m.Operator.BETWEEN, values=[low, high])


def _equal(value: m.SearchByAttributeValue) -> m.SearchFilter:
    return m.SearchFilter(operator=m.Operator.EQUAL, values=[value])


def _attribute_value(attribute: str, value: Any) -> m.SearchByAttributeValue:
    """A search value with one attribute, named by its field in :class:`SearchByAttributeValue`."""
    return attrs.evolve(m.SearchByAttributeValue(), **{attribute: value})


def equal_filter(attribute: str, value: str) -> m.SearchFilter:
    """An EQUAL filter on one attribute of :class:`SearchByAttributeValue`, such as ``dicom_patient_id``."""
    if not value:
        raise ValueError("must not be empty")
    return _equal(_attribute_value(attribute, value))


def primary_filter(is_primary: bool) -> m.SearchFilter:
    return _equal(m.SearchByAttributeValue(is_primary=is_primary))


# --- study dates -----------------------------------------------------------------------


def _study_date(text: str) -> tuple[str, str | None]:
    """``(YYYYMMDD, HHMMSS[.F] or None)`` of a DICOM DA/DT or ISO date, checked to be a real date."""
    iso = _ISO_DATE.match(text)
    if iso:
        text = "".join(iso.groups())
    match = _DICOM_DATE_TIME.match(text)
    if match is None:
        raise ValueError("not a date: write YYYYMMDD (or YYYY-MM-DD), or YYYYMMDDHHMMSS with a time")
    day, clock = match["date"], match["time"]
    try:
        date(int(day[:4]), int(day[4:6]), int(day[6:]))
        if clock is not None:
            time(int(clock[:2]), int(clock[2:4]), int(clock[4:6]))
    except ValueError:
        raise ValueError("no such date or time") from None
    return day, clock


def _study_value(day: str, clock: str) -> m.SearchByAttributeValue:
    return m.SearchByAttributeValue(
        dicom_study_date_and_time=m.DICOMStudyDateAndTime(dicom_study_date=day, dicom_study_time=clock)
    )


def study_date_filter(text: str) -> m.SearchFilter:
    """``--study-date``: one day, one moment, or a range of them (the times of a bare date span its day)."""
    ends = _ends(text)
    if ends is None:
        day, clock = _study_date(text)
        if clock is not None:
            return _equal(_study_value(day, clock))
        ends = (text, text)
    low_day, low_clock = _study_date(ends[0]) if ends[0] else (EARLIEST_STUDY_DATE, None)
    high_day, high_clock = _study_date(ends[1]) if ends[1] else (LATEST_STUDY_DATE, None)
    low, high = _study_value(low_day, low_clock or _DAY_START), _study_value(high_day, high_clock or _DAY_END)
    if low_day + (low_clock or _DAY_START) > high_day + (high_clock or _DAY_END):
        raise ValueError("the range ends before it starts")
    return _between(low, high)


# --- timestamps ------------------------------------------------------------------------


def _timestamp(text: str, *, upper: bool) -> datetime:
    """An ISO 8601 date or date-time (UTC unless an offset is given); a bare date is its day's first or last moment."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO 8601 date or time, such as 2024-01-31 or 2024-01-31T09:30:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if _ISO_DATE.match(text) and upper:
        moment += timedelta(days=1, microseconds=-1000)  # the service keeps milliseconds
    return moment


def timestamp_filter(attribute: str, text: str, *, now: Callable[[], datetime]) -> m.SearchFilter:
    """``--created-at`` / ``--updated-at``: one moment, one day, or a range (open ends: the epoch, now)."""
    ends = _ends(text)
    if ends is None:
        if not _ISO_DATE.match(text):
            return _equal(_attribute_value(attribute, _timestamp(text, upper=False)))
        ends = (text, text)
    low = _timestamp(ends[0], upper=False) if ends[0] else EPOCH
    high = _timestamp(ends[1], upper=True) if ends[1] else now()
    if low > high:
        raise ValueError("the range ends before it starts")
    return _between(_attribute_value(attribute, low), _attribute_value(attribute, high))


# --- sort --------------------------------------------------------------------------------


def parse_sort(text: str) -> m.Sort:
    """``FIELD[:asc|desc]``, FIELD one of updated-at, created-at, study-date; newest first by default."""
    field, _, order = text.partition(":")
    if field not in SORT_FIELDS:
        raise ValueError(f"sort by one of {', '.join(SORT_FIELDS)} (then :asc or :desc)")
    if order.lower() not in ("", "asc", "desc"):
        raise ValueError("the order after ':' is asc or desc")
    return m.Sort(sort_field=SORT_FIELDS[field], sort_order=m.SortOrder(order.upper() or "DESC"))
