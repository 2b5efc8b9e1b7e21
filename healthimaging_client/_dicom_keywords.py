"""The DICOM data dictionary's keywords, to check the attribute names an update sets or removes.

``_dicom_keywords.txt`` lists the tag and keyword of every attribute of the
standard (retired ones and repeating groups such as ``60xx3000`` included),
one per line. It is generated from pydicom's data dictionary, which the
pydicom project regenerates from each release of the standard, and committed
as data: checking a name neither needs pydicom (an optional extra) nor pays
its import (80 to 170 ms on this project's machines). Regenerate it with
``nox -s dicom_keywords`` (``python -m healthimaging_client._dicom_keywords``
with pydicom installed); ``tests/test_dicom_keywords.py`` fails when the
committed table differs from what the installed pydicom gives.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

TABLE = "_dicom_keywords.txt"
_PRIVATE_TAG = re.compile(r"[0-9A-Fa-f]{8}")


@functools.cache
def _table() -> dict[str, str]:
    """Keyword -> tag (``"PatientName"`` -> ``"00100010"``), read once, on the first check."""
    text = resources.files(__package__ or "healthimaging_client").joinpath(TABLE).read_text(encoding="ascii")
    return {keyword: tag for tag, keyword in (line.split(" ") for line in text.splitlines())}


@functools.cache
def _by_tag() -> dict[str, str]:
    return {tag: keyword for keyword, tag in _table().items()}


@functools.cache
def _folded() -> dict[str, str]:
    """Keywords by their lower-case, underscore-free spelling: ``patient_name`` finds ``PatientName``."""
    return {keyword.lower(): keyword for keyword in _table()}


def is_keyword(name: str) -> bool:
    return name in _table()


def is_private_tag(name: str) -> bool:
    """Eight hex digits whose group (the first four) is odd: a private attribute, named by its tag."""
    return bool(_PRIVATE_TAG.fullmatch(name)) and int(name[:4], 16) % 2 == 1


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name an attribute, with the keyword most likely meant; None for a keyword or a private tag.

    The message never quotes ``name``: a misplaced key can be patient data.
    """
    if not isinstance(name, str):
        return f"is not a string but a {type(name).__name__}"
    if is_keyword(name) or is_private_tag(name):
        return None
    if _PRIVATE_TAG.fullmatch(name):
        keyword = _by_tag().get(name.upper())
        if keyword:
            return f"is the tag of {keyword}: name a standard attribute by its keyword"
        return "is not a tag of the DICOM dictionary (private tags have an odd group number)"
    # Only keywords of about the same length can be close: difflib over all 5,000 would take ~100 ms.
    similar = [keyword for keyword in _table() if abs(len(keyword) - len(name)) <= 2]
    meant = _folded().get(name.replace("_", "").lower()) or next(
        iter(difflib.get_close_matches(name, similar, n=1, cutoff=0.8)), None
    )
    hint = f" (did you mean {meant}?)" if meant else ""
    return f"is not a DICOM keyword{hint}; private attributes are named by their tag (8 hex digits, odd group)"


# --- generating the table (a developer's step, with pydicom installed) ------------------------------


def render(dictionary: Mapping[int, tuple[str, ...]], repeaters: Mapping[str, tuple[str, ...]]) -> str:
    """The table's text from pydicom's ``DicomDictionary`` and ``RepeatersDictionary``: ``TAG KEYWORD`` lines."""
    entries: Iterable[tuple[str, str]] = [
        *((f"{tag:08X}", entry[4]) for tag, entry in dictionary.items()),
        *((mask.upper().replace("X", "x"), entry[4]) for mask, entry in repeaters.items()),
    ]
    return "".join(f"{tag} {keyword}\n" for tag, keyword in sorted(entries) if keyword)


def generate() -> str:
    """The table as the installed pydicom gives it."""
    from pydicom import _dicom_dict  # pyright: ignore[reportPrivateUsage]  # where pydicom keeps its tables

    return render(_dicom_dict.DicomDictionary, _dicom_dict.RepeatersDictionary)


if __name__ == "__main__":
    Path(__file__).with_name(TABLE).write_text(generate(), encoding="ascii")
