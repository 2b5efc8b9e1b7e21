"""UpdateImageSetMetadata and CopyImageSet on the emulator's image sets: version checks, the study-wide
update, the copy into a new or an existing image set, and the locks their workflows hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .. import models as m
from . import _document_copies as copies
from . import _document_updates as updates_
from ._documents import JSON, DocumentError
from ._faults import conflict, validation
from ._image_set_records import ImageSet
from ._store import Store


def update(
    store: Store,
    datastore_id: str,
    image_set_id: str,
    *,
    latest_version: str,
    updates: tuple[JSON | None, JSON | None] | None,
    revert_to: str | None,
    force: bool,
    include_study: bool,
) -> JSON:
    image_set = store.get(datastore_id, image_set_id)
    store.writable(image_set, latest_version, "target")
    if revert_to is not None:
        if revert_to not in {str(v.number) for v in image_set.versions[:-1]}:
            raise validation("revertToVersionId must name an earlier version of the image set")
        document = next(v.document for v in image_set.versions if str(v.number) == revert_to)
        others: list[tuple[ImageSet, JSON]] = []
    else:
        assert updates is not None
        document = _apply(image_set.document, updates, force=force, study_only=False)
        others = _study_siblings(store, image_set, updates, force) if include_study else []
    store.new_version(image_set, document, "UPDATING", force or None)
    store.lock(image_set, "UPDATING", "UPDATED")
    for sibling, sibling_document in others:
        store.new_version(sibling, sibling_document, "UPDATING_FOR_STUDY_CONSISTENCY", force or None)
        store.lock(sibling, "UPDATING_FOR_STUDY_CONSISTENCY", "UPDATED")
    latest = image_set.latest
    return {
        "datastoreId": store.datastore_id,
        "imageSetId": image_set.image_set_id,
        "latestVersionId": str(latest.number),
        "imageSetState": "LOCKED",
        "imageSetWorkflowStatus": "UPDATING",
        "createdAt": image_set.created_at,
        "updatedAt": latest.updated_at,
    }


def _study_siblings(
    store: Store, image_set: ImageSet, updates: tuple[JSON | None, JSON | None], force: bool
) -> list[tuple[ImageSet, JSON]]:
    """The other image sets of the same study, with the update's study-level part applied."""
    study_uid = image_set.document["Study"]["DICOM"].get("StudyInstanceUID")
    siblings = [
        s
        for s in store.image_sets.values()
        if s is not image_set and s.document["Study"]["DICOM"].get("StudyInstanceUID") == study_uid
    ]
    for sibling in siblings:
        if sibling.locked_until is not None:
            raise conflict("another image set of the study is locked by a running workflow")
    return [(s, _apply(s.document, updates, force=force, study_only=True)) for s in siblings]


def copy(
    store: Store,
    datastore_id: str,
    source_id: str,
    information: m.CopyImageSetInformation,
    selection: JSON | None,
    *,
    force: bool,
    promote_to_primary: bool,
) -> JSON:
    source = store.get(datastore_id, source_id)
    store.writable(source, information.source_image_set.latest_version_id, "source")
    subset = _documents(lambda: copies.select_subset(source.document, selection))
    destination_info = information.destination_image_set
    if destination_info is None:
        new_id = store.new_id()
        subset["ImageSetID"] = new_id
        destination = store.add(subset, created_at=store.now(), is_primary=promote_to_primary, status="COPYING")
        store.lock(destination, "COPYING", "COPIED")
    else:
        destination = store.get(datastore_id, destination_info.image_set_id)
        if destination is source:
            raise validation("the source and destination image sets must differ")
        store.writable(destination, destination_info.latest_version_id, "destination")
        mismatched = copies.mismatched_levels(subset, destination.document)
        if mismatched and not force:
            raise validation(
                f"{', '.join(mismatched)} level metadata differ between source and destination; pass force=true"
            )
        store.new_version(destination, copies.merge_into(destination.document, subset), "COPYING", force or None)
        if promote_to_primary:
            destination.is_primary = True
        store.lock(destination, "COPYING", "COPIED")
    store.lock(source, "COPYING_WITH_READ_ONLY_ACCESS", None)
    return {
        "datastoreId": store.datastore_id,
        "sourceImageSetProperties": _copy_properties(store, source, "COPYING_WITH_READ_ONLY_ACCESS"),
        "destinationImageSetProperties": _copy_properties(store, destination, "COPYING"),
    }


def _copy_properties(store: Store, image_set: ImageSet, status: str) -> JSON:
    return {
        "imageSetId": image_set.image_set_id,
        "latestVersionId": str(image_set.latest.number),
        "imageSetState": "LOCKED",
        "imageSetWorkflowStatus": status,
        "createdAt": image_set.created_at,
        "updatedAt": image_set.updated_at,
        "imageSetArn": store.arn(image_set.image_set_id),
    }


def _documents(build: Callable[[], JSON]) -> JSON:
    """Runs a document rule, turning its refusal into a ValidationException."""
    try:
        return build()
    except DocumentError as exc:
        raise validation(str(exc)) from None


def _apply(
    document: JSON, updates: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None], *, force: bool, study_only: bool
) -> JSON:
    """Applies removals, then values to set, as one update."""
    updatable, removable = updates

    def build() -> JSON:
        result = document
        if removable is not None:
            result = (
                updates_.apply_study_level(result, removable, removable=True, force=force)
                if study_only
                else updates_.apply_removable(result, removable, force=force)
            )
        if updatable is not None:
            result = (
                updates_.apply_study_level(result, updatable, removable=False, force=force)
                if study_only
                else updates_.apply_updatable(result, updatable, force=force)
            )
        return result

    return _documents(build)
