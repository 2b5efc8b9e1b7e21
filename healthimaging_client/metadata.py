"""The image set metadata document that GetImageSetMetadata returns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ImageSetMetadata"]


class ImageSetMetadata(Mapping[str, Any]):
    """The decoded metadata document, read-only.

    Its values are patient data, so ``repr`` shows only the identifiers.
    """

    __slots__ = ("_document",)

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def __getitem__(self, key: str) -> Any:
        return self._document[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._document)

    def __len__(self) -> int:
        return len(self._document)

    def to_dict(self) -> dict[str, Any]:
        """The document as the service sent it (a new dict; nested values are shared)."""
        return dict(self._document)

    def __repr__(self) -> str:
        return (
            f"ImageSetMetadata(datastore_id={self._document.get('DatastoreID')!r}, "
            f"image_set_id={self._document.get('ImageSetID')!r}, ...)"
        )
