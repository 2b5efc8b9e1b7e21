"""Requests and responses of the datastore operations (create, get, list, delete)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs


class DatastoreStatus(enum.StrEnum):
    """Where a datastore is in its life: CREATING, then ACTIVE (or CREATE_FAILED); DELETING, then DELETED."""

    CREATING = "CREATING"
    CREATE_FAILED = "CREATE_FAILED"
    ACTIVE = "ACTIVE"
    DELETING = "DELETING"
    DELETED = "DELETED"


class LosslessStorageFormat(enum.StrEnum):
    """How a datastore stores lossless image frames (HTJ2K unless chosen at creation)."""

    HTJ2K = "HTJ2K"
    JPEG_2000_LOSSLESS = "JPEG_2000_LOSSLESS"


@attrs.frozen(kw_only=True)
class CreateDatastoreOutput:
    """The new datastore's id; it is CREATING until the service has set it up."""

    datastore_id: str
    datastore_status: DatastoreStatus | str


@attrs.frozen(kw_only=True)
class DatastoreProperties:
    """A datastore, as GetDatastore returns it."""

    datastore_id: str
    datastore_name: str
    datastore_status: DatastoreStatus | str
    kms_key_arn: str | None = None
    lambda_authorizer_arn: str | None = None
    lossless_storage_format: LosslessStorageFormat | str | None = None
    datastore_arn: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class GetDatastoreOutput:
    """GetDatastore's answer: the datastore's properties."""

    datastore_properties: DatastoreProperties


@attrs.frozen(kw_only=True)
class DatastoreSummary:
    """One datastore, as ListDatastores returns it."""

    datastore_id: str
    datastore_name: str
    datastore_status: DatastoreStatus | str
    datastore_arn: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ListDatastoresOutput:
    """One page of datastores; ``next_token`` asks for the next page."""

    datastore_summaries: list[DatastoreSummary] = attrs.field(factory=list[DatastoreSummary])
    next_token: str | None = None


@attrs.frozen(kw_only=True)
class DeleteDatastoreOutput:
    """The datastore being deleted: DELETING until the service is done, then DELETED."""

    datastore_id: str
    datastore_status: DatastoreStatus | str
