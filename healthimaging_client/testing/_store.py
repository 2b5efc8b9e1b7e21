"""The emulator's state: one datastore's image sets, their versions and frames, and the reads and the deletion.

Requests arrive here already parsed and validated (see ``_protocol``). The
service's rules for image sets live here (version checks, locking, search
order and paging) and in ``_image_set_writes`` (the update and copy
workflows). Time comes from an injectable clock, so a test can let a lock
expire without sleeping.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import attrs

from .. import models as m
from . import _documents as docs
from . import _search
from ._documents import JSON
from ._faults import conflict, not_found
from ._frames import FrameStore
from ._image_set_records import ImageSet, Version


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

    def lock(self, image_set: ImageSet, busy: str, final: str | None) -> None:
        image_set.locked_until = self.clock() + self.state_delay
        image_set.busy_status = busy
        image_set.pending_status = final
        if final is not None:
            image_set.latest.workflow_status = busy

    def get(self, datastore_id: str, image_set_id: str) -> ImageSet:
        """An image set that exists (a deleted one does not)."""
        image_set = self.find(datastore_id, image_set_id)
        if image_set.deleted_at is not None:
            raise not_found("the image set does not exist")
        return image_set

    def find(self, datastore_id: str, image_set_id: str) -> ImageSet:
        if datastore_id != self.datastore_id:
            raise not_found("the datastore does not exist")
        image_set = self.image_sets.get(image_set_id)
        if image_set is None:
            raise not_found("the image set does not exist")
        return image_set

    def writable(self, image_set: ImageSet, latest_version: str, what: str) -> None:
        if image_set.locked_until is not None:
            raise conflict(f"the {what} image set is locked by a running workflow")
        if latest_version != str(image_set.latest.number):
            raise conflict(f"latestVersionId is not the {what} image set's latest version")

    def new_version(self, image_set: ImageSet, document: JSON, status: str, forced: bool | None) -> Version:
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
        image_set = self.find(datastore_id, image_set_id)
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
        image_set = self.find(datastore_id, image_set_id)
        if image_set.delete_requested_at is None:
            if image_set.locked_until is not None:
                raise conflict("the image set is locked by a running workflow")
            image_set.delete_requested_at = self.now()
            self.lock(image_set, "DELETING", "DELETED")
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
