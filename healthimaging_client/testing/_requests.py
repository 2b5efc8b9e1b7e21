"""The emulator reads a request: its path labels and ids (checked as the SDK checks them), query and JSON body.

Every problem becomes the service's ``ValidationException``, naming paths, never values.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import unquote

import attrs
import cattrs

from .._wire import validation as v
from .._wire.converter import converter
from ._documents import JSON
from ._faults import validation

if TYPE_CHECKING:
    from . import _search as search
    from ._datastores import Datastores
    from ._imports import ImportJobs
    from ._responses import Response

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50


class Emulator(typing.Protocol):
    """What a handler uses of the emulator: its next tokens, its datastores (with their image sets and tags)
    and its import jobs."""

    tokens: search.TokenBook
    datastores: Datastores
    imports: ImportJobs


#: What serves one operation: the emulator's state and the request in, the answer out.
Handler = Callable[[Emulator, "Request"], "Response"]


@attrs.frozen
class Request:
    datastore_id: str
    image_set_id: str
    raw_path: str
    query: dict[str, str]
    body: bytes
    #: The other labels of the path (a job id, a resource ARN), decoded.
    labels: dict[str, str] = attrs.field(factory=dict[str, str])
    #: Every name=value pair of the query, decoded (a name can repeat).
    pairs: list[tuple[str, str]] = attrs.field(factory=list[tuple[str, str]])


def read_request(operation: str, match: re.Match[str], raw_path: str, raw_query: str, body: bytes) -> Request:
    """The request's parts, with the ids in its path checked as the SDK checks them."""
    p = v.Problems(operation)
    labels = {name: unquote(value) for name, value in match.groupdict().items() if value is not None}
    datastore_id = v.identifier(p, "datastoreId", labels.pop("datastore")) if "datastore" in labels else ""
    image_set_id = v.identifier(p, "imageSetId", labels.pop("image_set")) if "image_set" in labels else ""
    raise_problems(p)
    query_pairs = pairs(raw_query)
    return Request(datastore_id, image_set_id, raw_path, dict(query_pairs), body, labels, query_pairs)


def pairs(raw_query: str) -> list[tuple[str, str]]:
    return [(unquote(name), unquote(value)) for name, _, value in (p.partition("=") for p in raw_query.split("&") if p)]


def raise_problems(p: v.Problems) -> None:
    if p.items:
        raise validation("; ".join(p.items))


def json_object(body: bytes) -> JSON:
    try:
        document: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise validation("the request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise validation("the request body must be a JSON object")
    return document  # pyright: ignore[reportUnknownVariableType]


def structure(document: JSON, cls: type[T]) -> T:
    """The request model, by the SDK's own converter; problems name paths, never values."""
    try:
        return converter.structure(document, cls)
    except cattrs.BaseValidationError as exc:
        raise validation("; ".join(cattrs.transform_error(exc, path="$"))) from None
    except (TypeError, ValueError) as exc:
        raise validation(f"the request body does not match the model ({type(exc).__name__})") from None


def blob_bytes(name: str, value: object) -> object:
    """A blob member as bytes: the converter writes base64 but leaves reading it to the service."""
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise validation(f"DICOMUpdates.{name} must be base64") from None


def blob_document(blob: bytes | None) -> JSON | None:
    return None if blob is None else json_object(blob)


def page_size_of(query: Mapping[str, str]) -> int:
    text = query.get("maxResults")
    if text is None:
        return DEFAULT_PAGE_SIZE
    p = v.Problems("")
    v.max_results(p, "maxResults", int(text) if text.isdigit() else text)
    raise_problems(p)
    return int(text)


def flag(p: v.Problems, query: Mapping[str, str], name: str) -> bool:
    text = query.get(name)
    if text is not None and text not in ("true", "false"):
        p.add(name, "must be true or false")
    return text == "true"
