"""The emulator's state: one datastore's image sets, their versions and frames, and the operations on them.

Requests arrive here already parsed and validated (see ``_protocol``). Every
rule of the service's semantics lives in this module: version checks,
locking, update and copy workflows, search order and paging. Time comes from
an injectable clock, so a test can let a lock expire without sleeping.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .. import models as m
from . import _document_copies as copies
from . import _document_updates as updates_
from . import _documents as docs
from . import _search
from ._frames import FrameStore

JSON = dict[str, Any]


class ServiceFault(Exception):
    """An error response: HTTP status, error code and a value-free message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def validation(message: str) -> ServiceFault:
    return ServiceFault(400, "ValidationException", message)


def conflict(message: str) -> ServiceFault:
    return ServiceFault(409, "ConflictException", message)


def not_found(message: str) -> ServiceFault:
    return ServiceFault(404, "ResourceNotFoundException", message)


@attrs.define
class Version:
    number: int
    document: JSON
    created_at: float
    updated_at: float
    workflow_status: str
    forced: bool | None = None


@attrs.define
class ImageSet:
    image_set_id: str
    created_at: float
    is_primary: bool
    versions: list[Version]
    #: While locked: when the workflow ends, and the status each affected version then takes.
    locked_until: float | None = None
    pending_status: str | None = None
    busy_status: str | None = None
    #: When DeleteImageSet was accepted, and when the deletion finished.
    delete_requested_at: float | None = None
    deleted_at: float | None = None

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def document(self) -> JSON:
        return self.latest.document

    @property
    def updated_at(self) -> float:
        return self.latest.updated_at


@attrs.define
class Store:
    """One datastore's image sets."""

    datastore_id: str
    region: str
    account: str
    clock: Callable[[], float]
    rng: random.Random
    #: Seconds an image set stays LOCKED after an update or copy (0: it clears on the next request).
    state_delay: float = 0.0
    image_sets: dict[str, ImageSet] = attrs.field(factory=dict[str, ImageSet])
    frames: FrameStore = attrs.field(factory=FrameStore)

    # --- building --------------------------------------------------------------------

    def new_id(self) -> str:
        while (candidate := f"{self.rng.getrandbits(128):032x}") in self.image_sets:
            pass
        return candidate

    def add(self, document: JSON, *, created_at: float, is_primary: bool, status: str = "IMPORTED") -> ImageSet:
        image_set = ImageSet(
            document["ImageSetID"], created_at, is_primary, [Version(1, document, created_at, created_at, status)]
        )
        self.image_sets[image_set.image_set_id] = image_set
        return image_set

    def arn(self, image_set_id: str) -> str:
        datastore = f"datastore/{self.datastore_id}/imageset/{image_set_id}"
        return f"arn:aws:medical-imaging:{self.region}:{self.account}:{datastore}"

    # --- state -------------------------------------------------------------------------

    def now(self) -> float:
        """The clock, to the millisecond, as the service's timestamps are."""
        return round(self.clock(), 3)

    def settle(self) -> None:
        """End every workflow whose time has come."""
        now = self.clock()
        for image_set in self.image_sets.values():
            if image_set.locked_until is not None and now >= image_set.locked_until:
                if image_set.pending_status is not None:
                    image_set.latest.workflow_status = image_set.pending_status
                if image_set.delete_requested_at is not None:
                    image_set.deleted_at = self.now()
                image_set.locked_until = image_set.pending_status = image_set.busy_status = None

    def _lock(self, image_set: ImageSet, busy: str, final: str | None) -> None:
        image_set.locked_until = self.clock() + self.state_delay
        image_set.busy_status = busy
        image_set.pending_status = final
        if final is not None:
            image_set.latest.workflow_status = busy

    def get(self, datastore_id: str, image_set_id: str) -> ImageSet:
        """An image set that exists (a deleted one does not)."""
        image_set = self._find(datastore_id, image_set_id)
        if image_set.deleted_at is not None:
            raise not_found("the image set does not exist")
        return image_set

    def _find(self, datastore_id: str, image_set_id: str) -> ImageSet:
        if datastore_id != self.datastore_id:
            raise not_found("the datastore does not exist")
        image_set = self.image_sets.get(image_set_id)
        if image_set is None:
            raise not_found("the image set does not exist")
        return image_set

    def _writable(self, image_set: ImageSet, latest_version: str, what: str) -> None:
        if image_set.locked_until is not None:
            raise conflict(f"the {what} image set is locked by a running workflow")
        if latest_version != str(image_set.latest.number):
            raise conflict(f"latestVersionId is not the {what} image set's latest version")

    def _new_version(self, image_set: ImageSet, document: JSON, status: str, forced: bool | None) -> Version:
        now = self.now()
        version = Version(image_set.latest.number + 1, document, image_set.created_at, now, status, forced)
        image_set.versions.append(version)
        return version

    # --- the operations ----------------------------------------------------------------

    def search(
        self,
        datastore_id: str,
        criteria: m.SearchCriteria,
        *,
        max_results: int,
        after: _search.Key | None,
    ) -> tuple[list[ImageSet], _search.Key | None, m.Sort]:
        if datastore_id != self.datastore_id:
            raise not_found("the datastore does not exist")
        predicates = [_search.matcher(f) for f in criteria.filters or ()]
        found = [s for s in self.image_sets.values() if s.delete_requested_at is None and all(p(s) for p in predicates)]
        sort = criteria.sort or m.Sort(sort_order=m.SortOrder.DESC, sort_field=m.SortField.UPDATED_AT)
        items, last = _search.page(
            found, _search.sort_key(sort), descending=str(sort.sort_order) == "DESC", after=after, size=max_results
        )
        return items, last, sort

    def versions(
        self, datastore_id: str, image_set_id: str, *, max_results: int, after: _search.Key | None
    ) -> tuple[list[JSON], _search.Key | None]:
        image_set = self.get(datastore_id, image_set_id)
        items, last = _search.page(
            image_set.versions, lambda v: (v.number,), descending=True, after=after, size=max_results
        )
        return [self._properties(image_set, v) for v in items], last

    def _properties(self, image_set: ImageSet, version: Version) -> JSON:
        locked = image_set.locked_until is not None and version is image_set.latest
        state = "DELETED" if image_set.deleted_at is not None else "LOCKED" if locked else "ACTIVE"
        properties: JSON = {
            "imageSetId": image_set.image_set_id,
            "versionId": str(version.number),
            "imageSetState": state,
            "ImageSetWorkflowStatus": version.workflow_status,
            "createdAt": version.created_at,
            "updatedAt": version.updated_at,
            "isPrimary": image_set.is_primary,
        }
        if version.forced is not None:
            properties["overrides"] = {"forced": version.forced}
        return properties

    def image_set(self, datastore_id: str, image_set_id: str, version: str | None) -> JSON:
        """GetImageSet: a version's properties (the latest by default); a deleted image set reports DELETED."""
        image_set = self._find(datastore_id, image_set_id)
        chosen: Version | None = image_set.latest
        if version is not None:
            chosen = next((v for v in image_set.versions if str(v.number) == version), None)
        if chosen is None:
            raise not_found("the image set has no such version")
        properties = self._properties(image_set, chosen)
        # GetImageSetResponse spells it in camel case; ImageSetProperties (ListImageSetVersions) does not.
        properties["imageSetWorkflowStatus"] = properties.pop("ImageSetWorkflowStatus")
        properties.update(
            datastoreId=self.datastore_id,
            imageSetArn=self.arn(image_set.image_set_id),
            storageTier="FREQUENT_ACCESS",
        )
        if image_set.deleted_at is not None:
            properties["deletedAt"] = image_set.deleted_at
        return properties

    def delete(self, datastore_id: str, image_set_id: str) -> JSON:
        """DeleteImageSet: locks the image set, which is DELETED once the workflow ends.

        The model marks the operation idempotent, so asking again while the
        deletion runs, or after it finished, answers with the current state.
        """
        image_set = self._find(datastore_id, image_set_id)
        if image_set.delete_requested_at is None:
            if image_set.locked_until is not None:
                raise conflict("the image set is locked by a running workflow")
            image_set.delete_requested_at = self.now()
            self._lock(image_set, "DELETING", "DELETED")
        deleted = image_set.deleted_at is not None
        return {
            "datastoreId": self.datastore_id,
            "imageSetId": image_set.image_set_id,
            "imageSetState": "DELETED" if deleted else "LOCKED",
            "imageSetWorkflowStatus": image_set.latest.workflow_status,
        }

    def frame_of(self, datastore_id: str, image_set_id: str, frame_id: str) -> None:
        """Check that the image set's latest version lists this frame and the emulator holds its pixels."""
        document = self.get(datastore_id, image_set_id).document
        listed = any(
            frame.get("ID") == frame_id
            for series in docs.series_of(document).values()
            for instance in series.get("Instances", {}).values()
            for frame in instance.get("ImageFrames", [])
        )
        if not listed or frame_id not in self.frames:
            raise not_found("the image set has no such image frame")

    def document(self, datastore_id: str, image_set_id: str, version: str | None) -> JSON:
        image_set = self.get(datastore_id, image_set_id)
        if version is None:
            return image_set.document
        for candidate in image_set.versions:
            if str(candidate.number) == version:
                return candidate.document
        raise not_found("the image set has no such version")

    def update(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        latest_version: str,
        updates: tuple[JSON | None, JSON | None] | None,
        revert_to: str | None,
        force: bool,
        include_study: bool,
    ) -> JSON:
        image_set = self.get(datastore_id, image_set_id)
        self._writable(image_set, latest_version, "target")
        if revert_to is not None:
            if revert_to not in {str(v.number) for v in image_set.versions[:-1]}:
                raise validation("revertToVersionId must name an earlier version of the image set")
            document = next(v.document for v in image_set.versions if str(v.number) == revert_to)
            others: list[tuple[ImageSet, JSON]] = []
        else:
            assert updates is not None
            document = _apply(image_set.document, updates, force=force, study_only=False)
            others = self._study_siblings(image_set, updates, force) if include_study else []
        self._new_version(image_set, document, "UPDATING", force or None)
        self._lock(image_set, "UPDATING", "UPDATED")
        for sibling, sibling_document in others:
            self._new_version(sibling, sibling_document, "UPDATING_FOR_STUDY_CONSISTENCY", force or None)
            self._lock(sibling, "UPDATING_FOR_STUDY_CONSISTENCY", "UPDATED")
        latest = image_set.latest
        return {
            "datastoreId": self.datastore_id,
            "imageSetId": image_set.image_set_id,
            "latestVersionId": str(latest.number),
            "imageSetState": "LOCKED",
            "imageSetWorkflowStatus": "UPDATING",
            "createdAt": image_set.created_at,
            "updatedAt": latest.updated_at,
        }

    def _study_siblings(
        self, image_set: ImageSet, updates: tuple[JSON | None, JSON | None], force: bool
    ) -> list[tuple[ImageSet, JSON]]:
        """The other image sets of the same study, with the update's study-level part applied."""
        study_uid = image_set.document["Study"]["DICOM"].get("StudyInstanceUID")
        siblings = [
            s
            for s in self.image_sets.values()
            if s is not image_set and s.document["Study"]["DICOM"].get("StudyInstanceUID") == study_uid
        ]
        for sibling in siblings:
            if sibling.locked_until is not None:
                raise conflict("another image set of the study is locked by a running workflow")
        return [(s, _apply(s.document, updates, force=force, study_only=True)) for s in siblings]

    def copy(
        self,
        datastore_id: str,
        source_id: str,
        information: m.CopyImageSetInformation,
        selection: JSON | None,
        *,
        force: bool,
        promote_to_primary: bool,
    ) -> JSON:
        source = self.get(datastore_id, source_id)
        self._writable(source, information.source_image_set.latest_version_id, "source")
        subset = _documents(lambda: copies.select_subset(source.document, selection))
        destination_info = information.destination_image_set
        if destination_info is None:
            new_id = self.new_id()
            subset["ImageSetID"] = new_id
            destination = self.add(subset, created_at=self.now(), is_primary=promote_to_primary, status="COPYING")
            self._lock(destination, "COPYING", "COPIED")
        else:
            destination = self.get(datastore_id, destination_info.image_set_id)
            if destination is source:
                raise validation("the source and destination image sets must differ")
            self._writable(destination, destination_info.latest_version_id, "destination")
            mismatched = copies.mismatched_levels(subset, destination.document)
            if mismatched and not force:
                raise validation(
                    f"{', '.join(mismatched)} level metadata differ between source and destination; pass force=true"
                )
            self._new_version(destination, copies.merge_into(destination.document, subset), "COPYING", force or None)
            if promote_to_primary:
                destination.is_primary = True
            self._lock(destination, "COPYING", "COPIED")
        self._lock(source, "COPYING_WITH_READ_ONLY_ACCESS", None)
        return {
            "datastoreId": self.datastore_id,
            "sourceImageSetProperties": self._copy_properties(source, "COPYING_WITH_READ_ONLY_ACCESS"),
            "destinationImageSetProperties": self._copy_properties(destination, "COPYING"),
        }

    def _copy_properties(self, image_set: ImageSet, status: str) -> JSON:
        return {
            "imageSetId": image_set.image_set_id,
            "latestVersionId": str(image_set.latest.number),
            "imageSetState": "LOCKED",
            "imageSetWorkflowStatus": status,
            "createdAt": image_set.created_at,
            "updatedAt": image_set.updated_at,
            "imageSetArn": self.arn(image_set.image_set_id),
        }

    def summaries(self, image_sets: Sequence[ImageSet]) -> list[JSON]:
        return [
            {
                "imageSetId": s.image_set_id,
                "version": s.latest.number,
                "createdAt": s.created_at,
                "updatedAt": s.updated_at,
                "storageTier": "FREQUENT_ACCESS",
                "DICOMTags": docs.dicom_tags(s.document),
                "isPrimary": s.is_primary,
            }
            for s in image_sets
        ]


def _documents(build: Callable[[], JSON]) -> JSON:
    """Runs a document rule, turning its refusal into a ValidationException."""
    try:
        return build()
    except docs.DocumentError as exc:
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
