"""JSON documents the user writes (update blobs, copy subsets): can each be sent as one valid document?

Python's ``json`` writes what the service cannot read (``NaN``, lone
surrogates, integer keys turned into strings that may collide), refuses
values outright (a ``set``, a ``date``, ``bytes``) and overflows the stack on
deep nesting. These checks run before that, without recursion, and say what
is wrong and how deep, never the value or the key: both can be patient data.
"""

from __future__ import annotations

import json
import math
from typing import cast

#: Deeper than any DICOM update or copy subset needs (a few levels, sequences included); far below the stack's limit.
MAX_DEPTH = 100
#: JSON readers of other languages keep integers in 64 bits.
_MAX_INT_BITS = 64


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds text with a lone surrogate, which is not valid Unicode"
    return None


def value_problem(value: object) -> str | None:
    """What keeps ``value`` (a dict, list, str, number, bool or None, nested) from being valid JSON; None if nothing."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"is nested more than {MAX_DEPTH} levels deep"
        where = f" (at depth {depth})"
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            problem = _text_problem(item)
        elif isinstance(item, int):
            problem = None if item.bit_length() <= _MAX_INT_BITS else "holds an integer too large for JSON readers"
        elif isinstance(item, float):
            problem = None if math.isfinite(item) else "holds NaN or an infinity, which JSON cannot represent"
        elif isinstance(item, dict):
            problem = None
            for key, member in cast(dict[object, object], item).items():
                if not isinstance(key, str):
                    problem = f"has a key that is a {type(key).__name__}, not a string"
                    break
                problem = _text_problem(key)
                if problem is not None:
                    problem = "has a key that " + problem.removeprefix("holds ")
                    break
                stack.append((member, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((member, depth + 1) for member in cast(list[object], item))
            problem = None
        else:
            problem = f"holds a {type(item).__name__}, which JSON cannot represent"
        if problem is not None:
            return problem + where
    return None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def text_problem(text: str | bytes) -> str | None:
    """What keeps JSON text from being one valid JSON object the service reads; None if nothing."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return "must be UTF-8 (it holds bytes that are not)"
    try:
        document: object = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        return f"is nested more than {MAX_DEPTH} levels deep"
    except ValueError:
        return "must be a JSON document"
    if not isinstance(document, dict):
        return "must be a JSON object"
    return value_problem(cast(dict[str, object], document))


class Unencodable(bytes):
    """What a document that cannot be JSON converts to: no bytes, and the reason, which validation reports.

    Model constructors take any value and never raise (an error there would
    pass through frames that hold the document); the call that sends the
    model rejects this one, by its field path.
    """

    problem: str

    def __new__(cls, problem: str) -> Unencodable:
        blob = super().__new__(cls, b"")
        blob.problem = problem
        return blob


class UnencodableText(str):
    """:class:`Unencodable`, for a document sent as text (copy subsets)."""

    problem: str

    def __new__(cls, problem: str) -> UnencodableText:
        text = super().__new__(cls, "")
        text.problem = problem
        return text


def encoded(value: object) -> bytes:
    """A document (a dict, or JSON text as str or bytes) as the bytes to send, or :class:`Unencodable`."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        # Text that is no valid Unicode still converts: validation reports it (the bytes are not UTF-8).
        return value.encode("utf-8", "surrogatepass")
    if not isinstance(value, dict):
        return Unencodable(f"expected a dict, or JSON as str or bytes, got {type(value).__name__}")
    problem = value_problem(cast(dict[object, object], value))
    return Unencodable(problem) if problem else json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def encoded_text(value: object) -> str:
    """A document (a dict, or JSON text) as the text to send, or :class:`UnencodableText`."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return UnencodableText(f"expected a dict or a JSON string, got {type(value).__name__}")
    problem = value_problem(cast(dict[object, object], value))
    return UnencodableText(problem) if problem else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def compact(document: dict[str, object]) -> str:
    """A builder's document, already checked (:func:`value_problem`), as compact JSON text."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
