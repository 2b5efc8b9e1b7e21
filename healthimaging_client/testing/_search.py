"""SearchImageSets semantics: which image sets a filter matches, their order, and next tokens.

Tokens are opaque to clients. Like the service's, they are standard base64 and
contain ``+``, ``/`` and ``=``: clients that mangle those in the query string
fail here as they fail at AWS. Pagination is by key, not by offset, so
a page boundary stays put while image sets change between pages.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .. import models as m
from ._documents import series_of

Key = tuple[Any, ...]

#: Three bytes that encode as ``+/+/``, so every token carries both characters.
_TOKEN_PREFIX = b"\xfb\xff\xbf"


class TokenError(Exception):
    """The next token was not issued for this request."""


def _epoch(value: datetime) -> float:
    """Milliseconds decide, as the service stores them: a float round trip cannot tip an equality."""
    return round(value.timestamp(), 3)


def _study_date_time(dicom: dict[str, Any]) -> str:
    return str(dicom.get("StudyDate", "")) + str(dicom.get("StudyTime", ""))


def attribute_values(image_set: Any, name: str) -> list[Any]:
    """The values of one search attribute for an image set (several for series UIDs)."""
    document = image_set.document
    patient = document.get("Patient", {}).get("DICOM", {})
    study = document.get("Study", {}).get("DICOM", {})
    if name == "dicom_patient_id":
        return [patient.get("PatientID")]
    if name == "dicom_accession_number":
        return [study.get("AccessionNumber")]
    if name == "dicom_study_id":
        return [study.get("StudyID")]
    if name == "dicom_study_instance_uid":
        return [study.get("StudyInstanceUID")]
    if name == "dicom_series_instance_uid":
        return list(series_of(document))
    if name == "created_at":
        return [round(image_set.created_at, 3)]
    if name == "updated_at":
        return [round(image_set.updated_at, 3)]
    if name == "is_primary":
        return [image_set.is_primary]
    return [_study_date_time(study)]


def _bound(value: m.SearchByAttributeValue, name: str, upper: bool) -> Any:
    member = getattr(value, name)
    if isinstance(member, datetime):
        return _epoch(member)
    if isinstance(member, m.DICOMStudyDateAndTime):
        # A date without a time covers the whole day.
        time = member.dicom_study_time if member.dicom_study_time is not None else ("~" if upper else "")
        return member.dicom_study_date + time
    return member


def _member_name(value: m.SearchByAttributeValue) -> str:
    return next(a for a in _MEMBERS if getattr(value, a) is not None)


_MEMBERS = (
    "dicom_patient_id",
    "dicom_accession_number",
    "dicom_study_id",
    "dicom_study_instance_uid",
    "dicom_series_instance_uid",
    "created_at",
    "updated_at",
    "dicom_study_date_and_time",
    "is_primary",
)


def matcher(search_filter: m.SearchFilter) -> Callable[[Any], bool]:
    """A predicate for one (already validated) filter."""
    values = search_filter.values
    name = _member_name(values[0])
    if str(search_filter.operator) == "EQUAL":
        wanted = values[0]
        if name == "dicom_study_date_and_time":
            date_time = wanted.dicom_study_date_and_time
            assert date_time is not None

            def equal_date(image_set: Any) -> bool:
                actual = str(attribute_values(image_set, name)[0])
                return actual == date_time.dicom_study_date + (date_time.dicom_study_time or actual[8:])

            return equal_date
        target = _bound(wanted, name, upper=False)
        return lambda image_set: target in attribute_values(image_set, name)
    low, high = _bound(values[0], name, upper=False), _bound(values[1], name, upper=True)
    return lambda image_set: any(v is not None and low <= v <= high for v in attribute_values(image_set, name))


def sort_key(sort: m.Sort) -> Callable[[Any], Key]:
    """Orders image sets by the sort field, ties broken by image set id."""
    field = str(sort.sort_field)

    def key(image_set: Any) -> Key:
        if field == "createdAt":
            return (image_set.created_at, image_set.image_set_id)
        if field == "updatedAt":
            return (image_set.updated_at, image_set.image_set_id)
        return (_study_date_time(image_set.document.get("Study", {}).get("DICOM", {})), image_set.image_set_id)

    return key


def fingerprint(request: bytes) -> str:
    """Ties a token to the request it continues (the same criteria, or the same image set).

    The page size may change from page to page, since paging is by key.
    """
    return hashlib.sha256(request).hexdigest()


class TokenBook:
    """Issues opaque next tokens and remembers where each continues.

    A token holds only random bytes: the sort key it stands for (which may
    be a study date) stays on the server.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: dict[str, tuple[str, Key]] = {}

    def issue(self, last: Key, request_fingerprint: str) -> str:
        token = base64.b64encode(_TOKEN_PREFIX + self._rng.randbytes(46)).decode("ascii")  # 49 bytes: ends in "="
        self._issued[token] = (request_fingerprint, last)
        return token

    def redeem(self, token: str, request_fingerprint: str) -> Key:
        fingerprint_and_key = self._issued.get(token)
        if fingerprint_and_key is None or fingerprint_and_key[0] != request_fingerprint:
            raise TokenError("the next token is invalid or belongs to another request")
        return fingerprint_and_key[1]


def page(
    items: Sequence[Any], key: Callable[[Any], Key], *, descending: bool, after: Key | None, size: int
) -> tuple[list[Any], Key | None]:
    """One page of ``items`` in order, starting after key ``after``; and the key to continue after."""
    ordered = sorted(items, key=key, reverse=descending)
    if after is not None:
        ordered = [i for i in ordered if (key(i) < after if descending else key(i) > after)]
    chosen = ordered[:size]
    return chosen, (key(chosen[-1]) if len(ordered) > size else None)
