"""The one cattrs converter between models and the service's JSON.

Wire rules, all in this module (the models stay plain):
- member names follow one rule (:func:`wire_name`), and the service model's
  exceptions to it are listed by class and field;
- timestamps are epoch seconds (fractions and ISO strings accepted when read;
  microseconds kept when sent, as botocore does; a naive ``datetime`` is UTC);
- ``bytes`` fields are blobs, sent as standard padded base64;
- enum fields read leniently: an unknown value stays a plain string;
- ``None`` fields are left out of request bodies.
"""

from __future__ import annotations

import base64
import calendar
import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .. import models as m
from .fast_structure import FAST_CLASSES, fast_function, with_fallback

#: Words the service model writes in capitals inside member names.
_UPPER_WORDS = {"dicom": "DICOM", "uid": "UID"}

#: Members the service model spells against the rule, by model class and field.
WIRE_NAME_EXCEPTIONS: dict[type, dict[str, str]] = {
    # The service model capitalises this one member, unlike its neighbours.
    m.ImageSetProperties: {"image_set_workflow_status": "ImageSetWorkflowStatus"},
    # The codestream is the HTTP body (the payload member imageFrameBlob); ``data`` says what it is.
    m.GetImageFrameOutput: {"data": "imageFrameBlob"},
    # The import configuration spells "dicom" in lower case, unlike the image-set shapes.
    m.ImportConfiguration: {"dicom_json_metadata_import_configuration": "dicomJsonMetadataImportConfiguration"},
    m.DicomJsonMetadataImportConfiguration: {"dicom_metadata_mappings": "dicomMetadataMappings"},
}


def wire_name(field: str) -> str:
    """A member's wire name from its field name: lower camel case, with ``DICOM`` and ``UID`` in capitals.

    ``dicom_patient_id`` -> ``DICOMPatientId``; ``image_set_id`` -> ``imageSetId``.
    """
    first, *rest = field.split("_")
    return _UPPER_WORDS.get(first, first) + "".join(_UPPER_WORDS.get(word, word.capitalize()) for word in rest)


def wire_names(cls: type) -> dict[str, str]:
    """Field name -> wire member name, for every field of a model class."""
    exceptions = WIRE_NAME_EXCEPTIONS.get(cls, {})
    return {a.name: exceptions.get(a.name) or wire_name(a.name) for a in attrs.fields(cls)}


def _datetime_from_wire(value: object, _: object = None) -> datetime:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except ValueError:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise TypeError(f"a {type(value).__name__} is not a timestamp")


def epoch_seconds(value: datetime) -> int | float:
    """Epoch seconds, to the microsecond, as botocore sends them; a naive datetime is UTC.

    Whole seconds stay an int; fractions are added as integers before one division, so
    the float is rounded once.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    seconds = calendar.timegm(value.timetuple())
    if value.microsecond:
        return (seconds * 10**6 + value.microsecond) / 10**6
    return seconds


def _lenient_enum_of(tp: Any) -> type[enum.Enum] | None:
    """The enum class in ``Enum | str`` or ``Enum | str | None``, else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if len(enums) == 1 and str in args and len(args) == 2:
        return enums[0]
    return None


def _lenient_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum_cls = _lenient_enum_of(tp)
    assert enum_cls is not None
    members: Mapping[str, enum.Enum] = {member.value: member for member in enum_cls}

    def structure(value: Any, _: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"expected a string for {enum_cls.__name__}")
        return members.get(value, value)

    return structure


def _optional_of(tp: Any) -> Any:
    """``X`` in ``X | None`` (exactly one other member), else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    others = [a for a in args if a is not type(None)]
    return others[0] if len(args) == 2 and len(others) == 1 else None


def _optional_hook(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    """``X | None`` with X's hook looked up once, not dispatched again for every value (cattrs' default)."""

    def factory(tp: Any) -> Callable[[Any, Any], Any]:
        inner = _optional_of(tp)
        if inner is str:  # most optional members: checked inline

            def structure_str(value: Any, _: Any) -> Any:
                return value if value is None or isinstance(value, str) else _strict_str(value, str)

            return structure_str
        inner_hook = conv.get_structure_hook(inner)

        def structure(value: Any, _: Any) -> Any:
            return None if value is None else inner_hook(value, inner)

        return structure

    return factory


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _strict_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _strict_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return int(value)


def _strict_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def is_model(tp: Any) -> bool:
    """Whether ``tp`` is one of the SDK's wire models (an attrs class of the models package)."""
    return isinstance(tp, type) and attrs.has(tp) and tp.__module__.startswith(m.__name__ + ".")


def _renames(cls: type) -> dict[str, Any]:
    return {field: override(rename=wire) for field, wire in wire_names(cls).items()}


def _make_converter(*, fast_search_results: bool = True) -> cattrs.Converter:
    """The converter; ``fast_search_results=False`` leaves out the generated search-result hooks (tests compare)."""
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(datetime, _datetime_from_wire)
    conv.register_unstructure_hook(datetime, epoch_seconds)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)
    conv.register_structure_hook_factory(lambda t: _optional_of(t) is not None, _optional_hook(conv))
    conv.register_structure_hook_factory(lambda t: _lenient_enum_of(t) is not None, _lenient_enum_hook)
    conv.register_unstructure_hook_func(lambda t: _lenient_enum_of(t) is not None, _enum_value)

    # Hooks are generated on first use of each class, not at import: a call pays only for the models it touches.
    def structure_fn(cls: type[Any]) -> Callable[[Any, Any], Any]:
        return make_dict_structure_fn(cls, conv, **_renames(cls))

    def unstructure_fn(cls: type[Any]) -> Callable[[Any], Any]:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_renames(cls))

    conv.register_structure_hook_factory(is_model, structure_fn)
    conv.register_unstructure_hook_factory(is_model, unstructure_fn)

    # Search results, read by the thousand when paginating: a generated straight-line function
    # (fast_structure), with the generic hook for any document it does not read.
    def fast_structure_fn(cls: type[Any]) -> Callable[[Any, Any], Any]:
        generic = structure_fn(cls)
        fast = fast_function(cls, wire_names)
        return generic if fast is None else with_fallback(fast, generic)

    if fast_search_results:
        conv.register_structure_hook_factory(FAST_CLASSES.__contains__, fast_structure_fn)
    return conv


converter = _make_converter()
