"""JSON bodies: requests written from models, responses read into models."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .converter import converter

T = TypeVar("T")

JSON_CONTENT_TYPE = "application/json"


def json_body(value: object) -> bytes:
    """A model as the compact UTF-8 JSON the service takes (``None`` members left out)."""
    return json.dumps(converter.unstructure(value), separators=(",", ":"), ensure_ascii=False).encode()


def read_json(content: bytes | str) -> dict[str, Any]:
    """A response body that must be a JSON object."""
    document: object = json.loads(content)
    if not isinstance(document, dict):
        raise TypeError("the response body is not a JSON object")
    return cast(dict[str, Any], document)


def reader(cls: type[T]) -> Callable[[bytes], T]:
    """A function that reads a JSON body into ``cls`` (its cattrs hook generated on first use, not at import)."""
    structure: Callable[[Any, type[T]], T] | None = None

    def read(content: bytes) -> T:
        nonlocal structure
        if structure is None:
            structure = converter.get_structure_hook(cls)
        return structure(read_json(content), cls)

    return read
