"""What the emulator keeps of an image set: its versions, each with its document, and the lock of a running
workflow."""

from __future__ import annotations

import attrs

from ._documents import JSON


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
