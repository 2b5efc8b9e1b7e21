"""Hot-path structuring for search results: one straight-line function per model, generated once.

Paginating a search builds tens of thousands of ``ImageSetsMetadataSummary`` objects, and
cattrs' generic hooks (a per-field ``try``, a hook call per value) cost several times the
JSON parsing. The functions made here read the common, well-formed case directly: each
member's type checked exactly (``type(v) is str``), timestamps and lenient enums converted
inline, the model's own ``__init__`` called once. Anything else (a value of an unusual type,
a missing required member, a body that is not an object) is handed whole to the generic hook,
so results and errors are the generic converter's by construction.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from .. import models as m

#: The classes structured here (search results, and what they contain); the rest use the generic hooks.
FAST_CLASSES: frozenset[type] = frozenset({m.ImageSetsMetadataSummary, m.DICOMTags})

WireNames = Callable[[type], dict[str, str]]


#: What a fast function returns for a value outside its cases: the generic hook reads the document instead.
UNUSUAL: Any = object()


def _union_args(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


def _field_code(
    index: int, field: attrs.Attribute[Any], wire: str, names: WireNames, env: dict[str, Any]
) -> list[str] | None:
    """Lines that leave field ``index``'s value in ``v{index}``, or None when the field is not a fast case."""
    args = _union_args(field.type)
    optional = type(None) in args
    kinds = [a for a in args if a is not type(None)]
    if field.default is attrs.NOTHING:
        if optional:
            return None
        lines = [f"v{index} = get({wire!r}, _MISSING)", f"if v{index} is _MISSING: return _UNUSUAL"]
    elif field.default is None and optional:
        lines = [f"v{index} = get({wire!r})"]
    else:
        return None
    guard = f"if v{index} is not None:" if optional else "if True:"
    enums = [a for a in kinds if isinstance(a, type) and issubclass(a, enum.Enum)]
    if kinds in ([str], [int], [bool]):
        check = f"type(v{index}) is not {kinds[0].__name__}"
        lines.append(
            f"if v{index} is not None and {check}: return _UNUSUAL" if optional else f"if {check}: return _UNUSUAL"
        )
        return lines
    if kinds == [datetime]:
        body = [
            f"    if type(v{index}) is float or type(v{index}) is int: v{index} = _fromtimestamp(v{index}, _UTC)",
            "    else: return _UNUSUAL",
        ]
    elif len(enums) == 1 and len(kinds) == 2 and str in kinds:
        env[f"_members{index}"] = {member.value: member for member in enums[0]}
        body = [
            f"    if type(v{index}) is str: v{index} = _members{index}.get(v{index}, v{index})",
            "    else: return _UNUSUAL",
        ]
    elif len(kinds) == 1 and kinds[0] in FAST_CLASSES and (inner := fast_function(kinds[0], names)) is not None:
        env[f"_nested{index}"] = inner
        body = [
            f"    if type(v{index}) is not dict: return _UNUSUAL",
            f"    v{index} = _nested{index}(v{index})",
            f"    if v{index} is _UNUSUAL: return _UNUSUAL",
        ]
    else:
        return None
    return [*lines, guard, *body]


def fast_function(cls: type[Any], names: WireNames) -> Callable[[Any], Any] | None:
    """A function from a JSON object to ``cls`` that returns ``UNUSUAL`` outside its cases; None if a field has none.

    ``names`` gives a class's wire names (the converter's rule), so nested models are made here too.
    Made once per class.
    """
    if cls not in _MADE:
        _MADE[cls] = _make(cls, names)
    return _MADE[cls]


_MADE: dict[type, Callable[[Any], Any] | None] = {}


def _make(cls: type[Any], names: WireNames) -> Callable[[Any], Any] | None:
    attrs.resolve_types(cls)
    wire_names = names(cls)
    env: dict[str, Any] = {
        "_cls": cls,
        "_MISSING": object(),
        "_UNUSUAL": UNUSUAL,
        "_fromtimestamp": datetime.fromtimestamp,
        "_UTC": UTC,
    }
    lines = [
        f"def structure_{cls.__name__}(value):",
        "    if type(value) is not dict: return _UNUSUAL",
        "    get = value.get",
    ]
    keywords: list[str] = []
    for index, field in enumerate(attrs.fields(cls)):
        code = _field_code(index, field, wire_names[field.name], names, env)
        if code is None or not field.init:
            return None
        lines += [f"    {line}" for line in code]
        keywords.append(f"{field.alias}=v{index}")
    lines.append(f"    return _cls({', '.join(keywords)})")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<fast structure {cls.__qualname__}>", "exec"), env, namespace)
    function: Callable[[Any], Any] = namespace[f"structure_{cls.__name__}"]
    return function


def with_fallback(fast: Callable[[Any], Any], generic: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A cattrs hook: the fast function, or the generic hook for whatever it does not read."""

    def structure(value: Any, tp: Any) -> Any:
        result = fast(value)
        return generic(value, tp) if result is UNUSUAL else result

    return structure
