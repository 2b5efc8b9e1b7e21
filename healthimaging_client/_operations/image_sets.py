"""The image-set reads: SearchImageSets, GetImageSetMetadata, ListImageSetVersions, GetImageSet."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .. import models as m
from .._wire import validation as v
from .._wire.bodies import json_body, read_json, reader
from .._wire.limits import inflate_document
from ..metadata import ImageSetMetadata
from ._call import MODEL_BOUNDED_ANSWER, Call, Operation, query, segment


def search_image_sets(
    datastore_id: str,
    *,
    filters: Sequence[m.SearchFilter] | None = None,
    sort: m.Sort | None = None,
    max_results: int | None = None,
    next_token: str | None = None,
) -> Call[m.SearchImageSetsOutput]:
    """Search a datastore's image sets by up to two filters (ANDed), in the given order."""
    p = v.Problems(Operation.SEARCH_IMAGE_SETS)
    v.identifier(p, "datastore_id", datastore_id)
    v.search_filters(p, "filters", filters)
    v.sort(p, "sort", sort)
    v.max_results(p, "max_results", max_results)
    v.next_token(p, "next_token", next_token)
    p.raise_if_any()
    return Call(
        Operation.SEARCH_IMAGE_SETS,
        f"/datastore/{segment(datastore_id)}/searchImageSets",
        query([("maxResults", max_results), ("nextToken", next_token)]),
        json_body(m.SearchCriteria(filters=filters, sort=sort)),
        _read_search,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_search = reader(m.SearchImageSetsOutput)


def get_image_set_metadata(
    datastore_id: str, image_set_id: str, *, version_id: int | str | None = None
) -> Call[ImageSetMetadata]:
    """The image set's metadata document (the latest version unless ``version_id`` is given)."""
    p = v.Problems(Operation.GET_IMAGE_SET_METADATA)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    version = v.version_id(p, "version_id", version_id, required=False)
    p.raise_if_any()
    return Call(
        Operation.GET_IMAGE_SET_METADATA,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(image_set_id)}/getImageSetMetadata",
        query([("version", version)]),
        None,
        read_metadata,
        raw_body=True,
    )


def _metadata_text(content: bytes) -> str:
    """The document as text, inflated within the cap; the decompressed bytes are freed on return, before parsing."""
    data = inflate_document(content)
    return data.decode(json.detect_encoding(data), "surrogatepass")


def read_metadata(content: bytes) -> ImageSetMetadata:
    """The typed document over the decoded JSON (the views are lazy: this costs what json.loads costs)."""
    return ImageSetMetadata(read_json(_metadata_text(content)))


def list_image_set_versions(
    datastore_id: str,
    image_set_id: str,
    *,
    max_results: int | None = None,
    next_token: str | None = None,
) -> Call[m.ListImageSetVersionsOutput]:
    """One page of an image set's versions, newest first."""
    p = v.Problems(Operation.LIST_IMAGE_SET_VERSIONS)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    v.max_results(p, "max_results", max_results)
    v.next_token(p, "next_token", next_token)
    p.raise_if_any()
    return Call(
        Operation.LIST_IMAGE_SET_VERSIONS,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(image_set_id)}/listImageSetVersions",
        query([("maxResults", max_results), ("nextToken", next_token)]),
        None,
        _read_versions,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_versions = reader(m.ListImageSetVersionsOutput)


def get_image_set(
    datastore_id: str, image_set_id: str, *, version_id: int | str | None = None
) -> Call[m.GetImageSetOutput]:
    """An image set version's properties (the latest unless ``version_id`` is given); DELETED once deleted."""
    p = v.Problems(Operation.GET_IMAGE_SET)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    version = v.version_id(p, "version_id", version_id, required=False)
    p.raise_if_any()
    return Call(
        Operation.GET_IMAGE_SET,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(image_set_id)}/getImageSet",
        query([("version", version)]),
        None,
        _read_image_set,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_image_set = reader(m.GetImageSetOutput)
