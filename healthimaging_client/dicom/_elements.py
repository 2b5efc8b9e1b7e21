"""One attribute of the metadata document (key, JSON value, VR) to a pydicom data element.

The document keys standard attributes by keyword (``PatientName``) and others by
their eight-digit tag (``001910F9``); ``DICOMVRs`` holds the VRs the dictionary
cannot give (private tags). Values are JSON: a string or number for one value, a
list for several, ``null`` for an empty attribute, a list of objects for a
sequence, and base64 text for the binary VRs.

A value that does not fit its VR raises :class:`DICOMExportError`, whose message names
the attribute and never the value: values are patient data.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from typing import Any, cast

from pydicom import config
from pydicom.datadict import dictionary_VR, keyword_for_tag, private_dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.valuerep import format_number_as_ds

from ..errors import DICOMExportError

__all__ = ["Converter", "tag_name"]

_HEX_TAG = re.compile(r"[0-9A-Fa-f]{8}")
# fmt: off
_VALID_VRS = frozenset({
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
    "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
})
# fmt: on
_SINGLE_VALUED_TEXT = frozenset({"LT", "ST", "UT", "UR"})
# The dictionary leaves some VRs open ("US or SS", "OB or OW"); the dataset's own attributes settle
# them later (PixelRepresentation, BitsAllocated). Until then: text is base64, numbers are integers.
_BINARY = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW"})
_MAYBE_BINARY = frozenset({"US or OW", "US or SS or OW"})
_INTEGER_RANGES = {
    "US": (0, 2**16 - 1),
    "SS": (-(2**15), 2**15 - 1),
    "UL": (0, 2**32 - 1),
    "SL": (-(2**31), 2**31 - 1),
    "UV": (0, 2**64 - 1),
    "SV": (-(2**63), 2**63 - 1),
    "US or SS": (-(2**15), 2**16 - 1),
    "US or OW": (0, 2**16 - 1),
    "US or SS or OW": (-(2**15), 2**16 - 1),
}
_FLOATS = frozenset({"FL", "FD"})
_PN_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")


def tag_name(tag: int) -> str:
    """``(0010,0010) PatientName``, or the bare tag for attributes pydicom's dictionary does not name."""
    keyword = keyword_for_tag(tag)
    return f"{Tag(tag)} {keyword}" if keyword else str(Tag(tag))


def _is_private(tag: int) -> bool:
    return (tag >> 16) % 2 == 1


def _is_private_creator(tag: int) -> bool:
    return _is_private(tag) and 0x10 <= (tag & 0xFFFF) <= 0xFF


class Converter:
    """Converts the attributes of one instance, with its ``DICOMVRs`` and what it has seen so far.

    ``non_ascii`` tells, after conversion, whether any text needs a character set beyond ASCII.
    """

    def __init__(self, vrs: Mapping[str, str]) -> None:
        self._vrs = vrs
        self.non_ascii = False

    # --- keys and VRs ---------------------------------------------------------------------

    @staticmethod
    def tag(key: str) -> int:
        """The tag a document key names: a keyword of the dictionary, or eight hex digits."""
        if _HEX_TAG.fullmatch(key):
            return int(key, 16)
        tag = tag_for_keyword(key)
        if tag is None:
            # A keyword is a name from the standard, not patient data.
            raise DICOMExportError(f"{key!r} is neither a DICOM keyword pydicom knows nor an eight-digit tag")
        return tag

    def vr(self, key: str, tag: int, item: Mapping[str, Any]) -> str:
        """The VR: from ``DICOMVRs``, else the dictionary, else the private dictionary of the item's creator."""
        given = self._vrs.get(key) or self._vrs.get(f"{tag:08X}")
        if given is not None:
            if given not in _VALID_VRS:
                raise DICOMExportError(f"{tag_name(tag)} has a VR in DICOMVRs that is not a DICOM VR")
            return given
        if _is_private_creator(tag):
            return "LO"
        if not _is_private(tag):
            try:
                return dictionary_VR(tag)  # also finds repeating groups (overlays: 60xx) by their mask
            except KeyError:
                raise DICOMExportError(
                    f"{tag_name(tag)} is not in pydicom's dictionary and has no VR in DICOMVRs"
                ) from None
        creator = _private_creator(tag, item)
        if creator is not None:
            try:
                return private_dictionary_VR(tag, creator)
            except KeyError:
                pass
        raise DICOMExportError(f"private attribute {tag_name(tag)} has no VR in DICOMVRs")

    # --- values ---------------------------------------------------------------------------

    def element(self, tag: int, key: str, value: Any, item: Mapping[str, Any]) -> DataElement:
        """The element for attribute ``key`` (naming ``tag``) of ``item``: a level's attributes or a sequence item."""
        vr = self.vr(key, tag, item)
        converted = self._value(tag, vr, value)
        return DataElement(tag, vr, converted, validation_mode=config.IGNORE)

    def dataset(self, item: Mapping[str, Any]) -> Dataset:
        """A sequence item: a dataset of the item's attributes, with the same rules."""
        dataset = Dataset()
        for key, value in item.items():
            tag = self.tag(key)
            if tag & 0xFFFF:  # group lengths are retired; the writer needs none
                dataset[tag] = self.element(tag, key, value, item)
        return dataset

    def _value(self, tag: int, vr: str, value: Any) -> Any:
        if vr == "SQ":
            return self._sequence(tag, value)
        if value is None:
            return None
        if vr in _BINARY or (vr in _MAYBE_BINARY and isinstance(value, str)):
            return _binary(tag, value)
        values = _listed(value)
        if not values:
            return None
        if vr in _SINGLE_VALUED_TEXT and len(values) > 1:
            raise DICOMExportError(f"{tag_name(tag)} has several values, but its VR {vr} allows one")
        converted = [self._one(tag, vr, one) for one in values]
        return converted[0] if len(converted) == 1 else converted

    def _sequence(self, tag: int, value: Any) -> Sequence:
        if value is None:
            return Sequence()
        items = _listed(value)
        if not all(isinstance(item, dict) for item in items):
            raise DICOMExportError(f"{tag_name(tag)} is a sequence, but its value is not a list of items")
        return Sequence([self.dataset(cast(dict[str, Any], item)) for item in items])

    def _one(self, tag: int, vr: str, value: Any) -> Any:
        """One value of a (possibly multi-valued) attribute."""
        if isinstance(value, bool) or (isinstance(value, dict | list) and vr != "PN"):
            raise DICOMExportError(f"{tag_name(tag)} has a value of a JSON type its VR {vr} cannot hold")
        if vr in _INTEGER_RANGES:
            return _integer(tag, vr, value)
        if vr in _FLOATS:
            return _float(tag, value)
        if vr == "AT":
            return _attribute_tag(tag, value)
        if vr == "DS":
            return _decimal_string(tag, value)
        if vr == "IS":
            return _integer_string(tag, value)
        if vr == "PN" and isinstance(value, dict):
            value = _person_name(tag, cast(dict[str, Any], value))
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise DICOMExportError(f"{tag_name(tag)} has a value of a JSON type its VR {vr} cannot hold")
        if not value.isascii():
            self.non_ascii = True
        return value


def _private_creator(tag: int, item: Mapping[str, Any]) -> str | None:
    """The private creator that reserved ``tag``'s block, if the same item holds it."""
    creator_tag = (tag & 0xFFFF0000) | ((tag & 0xFF00) >> 8)
    values = _listed(item.get(f"{creator_tag:08X}", item.get(f"{creator_tag:08x}")))
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def _listed(value: object) -> list[object]:
    """A JSON value as its list of values: a list as it is, anything else as the one value."""
    return cast(list[object], value) if isinstance(value, list) else [value]


def _binary(tag: int, value: Any) -> bytes:
    if not isinstance(value, str):
        raise DICOMExportError(f"{tag_name(tag)} has a binary VR, but its value is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DICOMExportError(f"{tag_name(tag)} has a binary VR, but its value is not valid base64") from None


def _integer(tag: int, vr: str, value: Any) -> int:
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        number = int(value.strip())
    low, high = _INTEGER_RANGES[vr]
    if number is None or not low <= number <= high:
        raise DICOMExportError(f"{tag_name(tag)} has a value that is not an integer its VR {vr} can hold")
    return number


def _float(tag: int, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DICOMExportError(f"{tag_name(tag)} has a value that is not a number") from None


def _attribute_tag(tag: int, value: Any) -> int:
    if isinstance(value, int) and 0 <= value <= 0xFFFFFFFF:
        return value
    if isinstance(value, str):
        try:
            return Converter.tag(value.strip())
        except DICOMExportError:
            pass
    raise DICOMExportError(f"{tag_name(tag)} is an AT, but a value is neither a tag nor a keyword")


def _decimal_string(tag: int, value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DICOMExportError(f"{tag_name(tag)} is a DS, but a value is not a finite number")
        # A float's repr can pass the 16 characters a DS may hold; this keeps it within them.
        return format_number_as_ds(value)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            raise DICOMExportError(f"{tag_name(tag)} is a DS, but a value is not a decimal number") from None
        return value
    raise DICOMExportError(f"{tag_name(tag)} is a DS, but a value is not a decimal number")


def _integer_string(tag: int, value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return value
    raise DICOMExportError(f"{tag_name(tag)} is an IS, but a value is not an integer")


def _person_name(tag: int, value: dict[str, Any]) -> str:
    """A name in DICOM JSON's object form (``{"Alphabetic": ...}``) as the ``=``-joined string."""
    groups = [value.get(group) or "" for group in _PN_GROUPS]
    if not all(isinstance(group, str) for group in groups):
        raise DICOMExportError(f"{tag_name(tag)} is a PN object whose groups are not strings")
    return "=".join(groups).rstrip("=")
