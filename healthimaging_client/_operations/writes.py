"""The image-set writes: UpdateImageSetMetadata, CopyImageSet and DeleteImageSet, and what a retry of each may do.

An update, and a copy into an existing image set, are guarded by the version
ids they name (``latestVersion``): a repeat of an applied write meets a 409,
so they are retried (``RetrySafety.VERSION_GUARDED``). A copy into a new image
set is guarded by nothing: a repeat makes a second copy, so it is retried only
when the request provably never reached the service
(``RetrySafety.UNGUARDED``). A delete names no version, but the model marks it
idempotent: a repeat cannot delete twice (``RetrySafety.IDEMPOTENT``).
``_retry`` applies this; docs/errors.md has the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar, cast

from .. import errors
from .. import models as m
from .._wire import validation as v
from .._wire.bodies import json_body, reader
from ..builders import CopySubsetBuilder, DICOMUpdatesBuilder
from ._call import MODEL_BOUNDED_ANSWER, Call, Operation, RetrySafety, query, segment

T = TypeVar("T")

#: What update_image_set_metadata takes as ``updates``: the model, a builder, or
#: ``{"updatableAttributes": ..., "removableAttributes": ...}`` as boto3 spells it.
UpdatesInput = m.DICOMUpdates | DICOMUpdatesBuilder | Mapping[str, object]
#: What copy_image_set takes as ``copiable_attributes``: a builder, a dict or JSON text.
CopiableInput = CopySubsetBuilder | Mapping[str, object] | str


def update_image_set_metadata(
    datastore_id: str,
    image_set_id: str,
    *,
    latest_version_id: int | str,
    updates: UpdatesInput | None = None,
    revert_to_version_id: int | str | None = None,
    force: bool | None = None,
    include_study_image_sets: bool | None = None,
) -> Call[m.UpdateImageSetMetadataOutput]:
    """Apply DICOM updates, or revert to an earlier version; pass exactly one of the two."""
    p = v.Problems(Operation.UPDATE_IMAGE_SET_METADATA)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    latest = v.version_id(p, "latest_version_id", latest_version_id)
    revert = v.version_id(p, "revert_to_version_id", revert_to_version_id, required=False)
    if (updates is None) == (revert_to_version_id is None):
        p.add("updates", "pass exactly one of updates and revert_to_version_id")
        updates = None
    elif updates is not None:
        updates = _as_dicom_updates(p, "updates", updates)
        if updates is not None:
            v.dicom_updates(p, "updates", updates)
    v.optional_bool(p, "force", force)
    v.optional_bool(p, "include_study_image_sets", include_study_image_sets)
    p.raise_if_any()
    assert latest is not None
    return Call(
        Operation.UPDATE_IMAGE_SET_METADATA,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(image_set_id)}/updateImageSetMetadata",
        query(
            [
                ("latestVersion", latest),
                ("force", force),
                ("includeStudyImageSets", include_study_image_sets),
            ]
        ),
        json_body(m.MetadataUpdates(dicom_updates=updates, revert_to_version_id=revert)),
        _read_update,
        guard_versions={"latest_version_id": latest},
        retry_safety=RetrySafety.VERSION_GUARDED,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_update = reader(m.UpdateImageSetMetadataOutput)

_BOTO3_UPDATES_KEYS = {"updatableAttributes": "updatable_attributes", "removableAttributes": "removable_attributes"}


def _built(p: v.Problems, path: str, build: Callable[[], T]) -> T | None:
    """What a builder builds, its problems recorded under ``path``."""
    try:
        return build()
    except errors.ParamValidationError as exc:
        for problem in exc.problems:
            p.items.append(f"{path}.{problem}")
        return None


def _as_dicom_updates(p: v.Problems, path: str, value: object) -> m.DICOMUpdates | None:
    """``updates`` as the model, whichever accepted form it came in."""
    if isinstance(value, m.DICOMUpdates):
        return value
    if isinstance(value, DICOMUpdatesBuilder):
        return _built(p, path, value.build)
    if isinstance(value, Mapping):
        fields = cast(Mapping[object, object], value)
        # By count and position, never by name: a misplaced key can be patient data.
        unknown = [str(i + 1) for i, key in enumerate(fields) if key not in _BOTO3_UPDATES_KEYS]
        if unknown:
            p.add(
                path,
                f"{len(unknown)} unknown key{'s' if len(unknown) > 1 else ''} (key {', '.join(unknown)} of "
                f"{len(fields)}); expected updatableAttributes and/or removableAttributes",
            )
            return None
        given = {_BOTO3_UPDATES_KEYS[cast(str, key)]: value for key, value in fields.items()}
        return m.DICOMUpdates(**cast(dict[str, "Mapping[str, object] | str | bytes | None"], given))
    p.add(path, f"expected DICOMUpdates, DICOMUpdatesBuilder or a dict, got {type(value).__name__}")
    return None


def copy_image_set(
    datastore_id: str,
    source_image_set_id: str,
    *,
    source_latest_version_id: int | str,
    copiable_attributes: CopiableInput | None = None,
    destination_image_set_id: str | None = None,
    destination_latest_version_id: int | str | None = None,
    force: bool | None = None,
    promote_to_primary: bool | None = None,
) -> Call[m.CopyImageSetOutput]:
    """Copy an image set (or the subset ``copiable_attributes`` names) into a new or existing one."""
    p = v.Problems(Operation.COPY_IMAGE_SET)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "source_image_set_id", source_image_set_id)
    source_version = v.version_id(p, "source_latest_version_id", source_latest_version_id)
    copies = None
    if isinstance(copiable_attributes, CopySubsetBuilder):
        copiable_attributes = _built(p, "copiable_attributes", copiable_attributes.build)
    if copiable_attributes is not None:
        copies = m.MetadataCopies(copiable_attributes=copiable_attributes)
        v.copiable_attributes(p, "copiable_attributes", copies.copiable_attributes)
    destination = None
    if destination_image_set_id is None and destination_latest_version_id is None:
        pass
    elif destination_image_set_id is None or destination_latest_version_id is None:
        p.add(
            "destination_image_set_id",
            "destination_image_set_id and destination_latest_version_id go together",
        )
    else:
        v.identifier(p, "destination_image_set_id", destination_image_set_id)
        destination_version = v.version_id(p, "destination_latest_version_id", destination_latest_version_id)
        if destination_version is not None:
            destination = m.CopyDestinationImageSet(
                image_set_id=destination_image_set_id, latest_version_id=destination_version
            )
    v.optional_bool(p, "force", force)
    v.optional_bool(p, "promote_to_primary", promote_to_primary)
    p.raise_if_any()
    assert source_version is not None
    information = m.CopyImageSetInformation(
        source_image_set=m.CopySourceImageSetInformation(latest_version_id=source_version, dicom_copies=copies),
        destination_image_set=destination,
    )
    guard = {"source_latest_version_id": source_version}
    if destination is not None:
        guard["destination_latest_version_id"] = destination.latest_version_id
    return Call(
        Operation.COPY_IMAGE_SET,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(source_image_set_id)}/copyImageSet",
        query([("force", force), ("promoteToPrimary", promote_to_primary)]),
        json_body(information),
        _read_copy,
        guard_versions=guard,
        # Into a new image set, nothing stops a repeat from making a second copy.
        retry_safety=RetrySafety.UNGUARDED if destination is None else RetrySafety.VERSION_GUARDED,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_copy = reader(m.CopyImageSetOutput)


def delete_image_set(datastore_id: str, image_set_id: str) -> Call[m.DeleteImageSetOutput]:
    """Delete an image set (every version of it); it is LOCKED (DELETING) until the service is done.

    The model marks the operation idempotent and it names no version, so a
    retry cannot delete twice. After an attempt whose outcome was unclear (a
    timeout, a 500), a retry may find the image set locked by that attempt's
    deletion (409) or already gone (404): the error then says
    ``may_have_applied``. ``wait_for_image_set_deletion`` waits for the end.
    """
    p = v.Problems(Operation.DELETE_IMAGE_SET)
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    p.raise_if_any()
    return Call(
        Operation.DELETE_IMAGE_SET,
        f"/datastore/{segment(datastore_id)}/imageSet/{segment(image_set_id)}/deleteImageSet",
        "",
        None,
        _read_delete,
        retry_safety=RetrySafety.IDEMPOTENT,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_delete = reader(m.DeleteImageSetOutput)
