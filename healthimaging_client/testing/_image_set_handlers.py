"""The emulator's image-set operations: search, metadata, versions, update, copy, get and delete."""

from __future__ import annotations

import gzip
import json
from typing import cast

from .. import models as m
from .._operations import Operation
from .._wire import validation as v
from .._wire.converter import converter
from . import _image_set_writes as writes
from . import _search as search
from ._documents import JSON
from ._listing import image_sets, redeem
from ._requests import (
    Emulator,
    Handler,
    Request,
    blob_bytes,
    blob_document,
    flag,
    json_object,
    page_size_of,
    raise_problems,
    structure,
)
from ._responses import Response, headers, json_response


def search_image_sets(emulator: Emulator, request: Request) -> Response:
    criteria = structure(json_object(request.body or b"{}"), m.SearchCriteria)
    page_size = page_size_of(request.query)
    p = v.Problems(Operation.SEARCH_IMAGE_SETS)
    v.search_filters(p, "filters", criteria.filters)
    v.sort(p, "sort", criteria.sort)
    v.next_token(p, "nextToken", request.query.get("nextToken"))
    raise_problems(p)
    fingerprint = search.fingerprint(request.body)
    after = redeem(emulator.tokens, request.query.get("nextToken"), fingerprint)
    store = image_sets(emulator, request)
    items, last, sort = store.search(request.datastore_id, criteria, max_results=page_size, after=after)
    output: JSON = {"imageSetsMetadataSummaries": store.summaries(items)}
    if criteria.sort is not None:
        output["sort"] = converter.unstructure(sort)
    if last is not None:
        output["nextToken"] = emulator.tokens.issue(last, fingerprint)
    return json_response(output)


def get_metadata(emulator: Emulator, request: Request) -> Response:
    p = v.Problems(Operation.GET_IMAGE_SET_METADATA)
    version = v.version_id(p, "version", request.query.get("version"), required=False)
    raise_problems(p)
    document = image_sets(emulator, request).document(request.datastore_id, request.image_set_id, version)
    body = gzip.compress(json.dumps(document, separators=(",", ":")).encode(), mtime=0)
    return Response(200, headers(**{"Content-Encoding": "gzip"}), body)


def list_versions(emulator: Emulator, request: Request) -> Response:
    page_size = page_size_of(request.query)
    p = v.Problems(Operation.LIST_IMAGE_SET_VERSIONS)
    v.next_token(p, "nextToken", request.query.get("nextToken"))
    raise_problems(p)
    fingerprint = search.fingerprint(request.raw_path.encode())
    after = redeem(emulator.tokens, request.query.get("nextToken"), fingerprint)
    items, last = image_sets(emulator, request).versions(
        request.datastore_id, request.image_set_id, max_results=page_size, after=after
    )
    output: JSON = {"imageSetPropertiesList": items}
    if last is not None:
        output["nextToken"] = emulator.tokens.issue(last, fingerprint)
    return json_response(output)


def update(emulator: Emulator, request: Request) -> Response:
    payload = json_object(request.body)
    updates_json = payload.get("DICOMUpdates")
    if isinstance(updates_json, dict):
        blobs = cast(dict[str, object], updates_json)
        payload["DICOMUpdates"] = {name: blob_bytes(name, blob) for name, blob in blobs.items()}
    updates = structure(payload, m.MetadataUpdates)
    p = v.Problems(Operation.UPDATE_IMAGE_SET_METADATA)
    latest = v.version_id(p, "latestVersion", request.query.get("latestVersion"))
    revert = v.version_id(p, "revertToVersionId", updates.revert_to_version_id, required=False)
    if (updates.dicom_updates is None) == (updates.revert_to_version_id is None):
        p.add("updateImageSetMetadataUpdates", "set exactly one of DICOMUpdates and revertToVersionId")
    elif updates.dicom_updates is not None:
        v.dicom_updates(p, "DICOMUpdates", updates.dicom_updates)
    force = flag(p, request.query, "force")
    include_study = flag(p, request.query, "includeStudyImageSets")
    raise_problems(p)
    assert latest is not None
    dicom = updates.dicom_updates
    documents = None
    if dicom is not None:
        documents = (blob_document(dicom.updatable_attributes), blob_document(dicom.removable_attributes))
    output = writes.update(
        image_sets(emulator, request),
        request.datastore_id,
        request.image_set_id,
        latest_version=latest,
        updates=documents,
        revert_to=revert,
        force=force,
        include_study=include_study,
    )
    return json_response(output)


def copy(emulator: Emulator, request: Request) -> Response:
    information = structure(json_object(request.body), m.CopyImageSetInformation)
    p = v.Problems(Operation.COPY_IMAGE_SET)
    v.version_id(p, "sourceImageSet.latestVersionId", information.source_image_set.latest_version_id)
    copies = information.source_image_set.dicom_copies
    if copies is not None:
        v.copiable_attributes(p, "sourceImageSet.DICOMCopies.copiableAttributes", copies.copiable_attributes)
    destination = information.destination_image_set
    if destination is not None:
        v.identifier(p, "destinationImageSet.imageSetId", destination.image_set_id)
        v.version_id(p, "destinationImageSet.latestVersionId", destination.latest_version_id)
    force = flag(p, request.query, "force")
    promote = flag(p, request.query, "promoteToPrimary")
    raise_problems(p)
    selection = None if copies is None else blob_document(copies.copiable_attributes.encode())
    output = writes.copy(
        image_sets(emulator, request),
        request.datastore_id,
        request.image_set_id,
        information,
        selection,
        force=force,
        promote_to_primary=promote,
    )
    return json_response(output)


def get_image_set(emulator: Emulator, request: Request) -> Response:
    p = v.Problems(Operation.GET_IMAGE_SET)
    version = v.version_id(p, "version", request.query.get("version"), required=False)
    raise_problems(p)
    return json_response(image_sets(emulator, request).image_set(request.datastore_id, request.image_set_id, version))


def delete_image_set(emulator: Emulator, request: Request) -> Response:
    return json_response(image_sets(emulator, request).delete(request.datastore_id, request.image_set_id))


# --- datastores, import jobs and tags ------------------------------------------------


HANDLERS: dict[str, Handler] = {
    Operation.SEARCH_IMAGE_SETS: search_image_sets,
    Operation.GET_IMAGE_SET_METADATA: get_metadata,
    Operation.LIST_IMAGE_SET_VERSIONS: list_versions,
    Operation.UPDATE_IMAGE_SET_METADATA: update,
    Operation.COPY_IMAGE_SET: copy,
    Operation.GET_IMAGE_SET: get_image_set,
    Operation.DELETE_IMAGE_SET: delete_image_set,
}
