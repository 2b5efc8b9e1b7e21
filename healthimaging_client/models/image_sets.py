"""Requests and responses of the image-set operations (search, metadata, versions, update, copy, get, delete)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

import attrs

from .._wire.documents import encoded, encoded_text
from ._fields import masked, sensitive

# --- enums -------------------------------------------------------------------


class Operator(enum.StrEnum):
    """How a search filter compares: one value, or an inclusive range of two."""

    EQUAL = "EQUAL"
    BETWEEN = "BETWEEN"


class SortOrder(enum.StrEnum):
    """The direction of a sort."""

    ASC = "ASC"
    DESC = "DESC"


class SortField(enum.StrEnum):
    """What a search can be sorted by."""

    UPDATED_AT = "updatedAt"
    CREATED_AT = "createdAt"
    DICOM_STUDY_DATE_AND_TIME = "DICOMStudyDateAndTime"


class ImageSetState(enum.StrEnum):
    """An image set version's state; LOCKED while an update or copy runs."""

    ACTIVE = "ACTIVE"
    LOCKED = "LOCKED"
    DELETED = "DELETED"


class ImageSetWorkflowStatus(enum.StrEnum):
    """What the service last did, or is doing, to an image set version."""

    CREATED = "CREATED"
    COPIED = "COPIED"
    COPYING = "COPYING"
    COPYING_WITH_READ_ONLY_ACCESS = "COPYING_WITH_READ_ONLY_ACCESS"
    COPY_FAILED = "COPY_FAILED"
    UPDATING = "UPDATING"
    UPDATING_FOR_STUDY_CONSISTENCY = "UPDATING_FOR_STUDY_CONSISTENCY"
    UPDATED = "UPDATED"
    UPDATE_FAILED = "UPDATE_FAILED"
    DELETING = "DELETING"
    DELETED = "DELETED"
    IMPORTING = "IMPORTING"
    IMPORTED = "IMPORTED"
    IMPORT_FAILED = "IMPORT_FAILED"


class StorageTier(enum.StrEnum):
    """Where the service keeps an image set's data."""

    FREQUENT_ACCESS = "FREQUENT_ACCESS"
    ARCHIVE_INSTANT_ACCESS = "ARCHIVE_INSTANT_ACCESS"


# --- search input ------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DICOMStudyDateAndTime:
    """A study date and an optional time to search by, in DICOM's formats.

    The date is a DA, ``YYYYMMDD`` (``"20240105"``); the time a TM, ``HH``,
    ``HHMM``, ``HHMMSS`` or ``HHMMSS.FFFFFF`` (``"093000"``). Other spellings
    (``"2024-01-05"``, ``"09:30"``) are refused before sending: the service
    would take them and match nothing.
    """

    dicom_study_date: str = attrs.field(repr=masked)
    dicom_study_time: str | None = sensitive()


@attrs.frozen(kw_only=True)
class SearchByAttributeValue:
    """One value to search by: set exactly one field.

    Timestamps should be timezone-aware; a naive ``datetime`` is taken as UTC.
    """

    dicom_patient_id: str | None = sensitive()
    dicom_accession_number: str | None = sensitive()
    dicom_study_id: str | None = sensitive()
    dicom_study_instance_uid: str | None = sensitive()
    dicom_series_instance_uid: str | None = sensitive()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    dicom_study_date_and_time: DICOMStudyDateAndTime | None = None
    is_primary: bool | None = None


def _frozen(values: object) -> object:
    """A tuple of what ``values`` iterates; anything else as given, for validation to report by field path."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return values
    return tuple(cast(Iterable[object], values))


def _freeze_values(values: Sequence[SearchByAttributeValue]) -> Sequence[SearchByAttributeValue]:
    return cast(Sequence[SearchByAttributeValue], _frozen(values))


@attrs.frozen(kw_only=True)
class SearchFilter:
    """A filter: ``EQUAL`` takes one value, ``BETWEEN`` two (an inclusive range)."""

    values: Sequence[SearchByAttributeValue] = attrs.field(converter=_freeze_values, repr=masked)
    operator: Operator | str


@attrs.frozen(kw_only=True)
class Sort:
    """The order of search results; without one the service sorts by ``updatedAt``, newest first."""

    sort_order: SortOrder | str
    sort_field: SortField | str


def _freeze_filters(filters: Sequence[SearchFilter] | None) -> Sequence[SearchFilter] | None:
    return cast(Sequence[SearchFilter] | None, _frozen(filters))


@attrs.frozen(kw_only=True)
class SearchCriteria:
    """The body of a search: up to two filters (ANDed) and a sort order.

    The service model marks the whole structure sensitive, so ``repr`` masks the sort too.
    """

    filters: Sequence[SearchFilter] | None = attrs.field(default=None, converter=_freeze_filters, repr=masked)
    sort: Sort | None = attrs.field(default=None, repr=masked)


# --- update and copy input ---------------------------------------------------


def _json_bytes(value: Mapping[str, object] | str | bytes | None) -> bytes | None:
    """Accept the attributes as a dict, a JSON string or JSON bytes.

    The constructor never fails: what cannot be sent as one valid JSON document (a lone
    surrogate, NaN, a set, nesting past 100 levels) is reported by validation, when the
    updates are used, by field path.
    """
    return None if value is None else encoded(value)


@attrs.frozen(kw_only=True)
class DICOMUpdates:
    """Attributes to set and to remove, each a JSON document (dict, str or bytes).

    A removal must repeat the attribute's current value. On the wire each is
    base64 of the JSON bytes, at most 30,000 bytes before encoding.
    """

    removable_attributes: bytes | None = attrs.field(default=None, converter=_json_bytes, repr=masked)
    updatable_attributes: bytes | None = attrs.field(default=None, converter=_json_bytes, repr=masked)


@attrs.frozen(kw_only=True)
class MetadataUpdates:
    """The Update payload: DICOM updates or a revert, exactly one of them."""

    dicom_updates: DICOMUpdates | None = None
    revert_to_version_id: str | None = None


def _json_text(value: Mapping[str, object] | str) -> str:
    return encoded_text(value)


@attrs.frozen(kw_only=True)
class MetadataCopies:
    """The subset of the source to copy: a JSON document sent as a string."""

    copiable_attributes: str = attrs.field(converter=_json_text, repr=masked)


@attrs.frozen(kw_only=True)
class CopySourceImageSetInformation:
    latest_version_id: str
    dicom_copies: MetadataCopies | None = None


@attrs.frozen(kw_only=True)
class CopyDestinationImageSet:
    image_set_id: str
    latest_version_id: str


@attrs.frozen(kw_only=True)
class CopyImageSetInformation:
    source_image_set: CopySourceImageSetInformation
    destination_image_set: CopyDestinationImageSet | None = None


# --- outputs -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DICOMTags:
    """The DICOM attributes a search returns for each image set."""

    dicom_patient_id: str | None = sensitive()
    dicom_patient_name: str | None = sensitive()
    dicom_patient_birth_date: str | None = sensitive()
    dicom_patient_sex: str | None = sensitive()
    dicom_study_instance_uid: str | None = sensitive()
    dicom_study_id: str | None = sensitive()
    dicom_study_description: str | None = sensitive()
    dicom_number_of_study_related_series: int | None = None
    dicom_number_of_study_related_instances: int | None = None
    dicom_accession_number: str | None = sensitive()
    dicom_series_instance_uid: str | None = sensitive()
    dicom_series_modality: str | None = sensitive()
    dicom_series_body_part: str | None = sensitive()
    dicom_series_number: int | None = sensitive()
    dicom_study_date: str | None = sensitive()
    dicom_study_time: str | None = sensitive()


@attrs.frozen(kw_only=True)
class ImageSetsMetadataSummary:
    """One image set found by a search. ``version`` is an int, as the service sends it."""

    image_set_id: str
    version: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_accessed_at: datetime | None = None
    storage_tier: StorageTier | str | None = None
    dicom_tags: DICOMTags | None = None
    is_primary: bool | None = None


@attrs.frozen(kw_only=True)
class SearchImageSetsOutput:
    """One page of search results; ``next_token`` asks for the next page."""

    image_sets_metadata_summaries: list[ImageSetsMetadataSummary]
    sort: Sort | None = None
    next_token: str | None = None


@attrs.frozen(kw_only=True)
class Overrides:
    """Flags a version was created with: ``forced`` when the update or copy used ``force``."""

    forced: bool | None = None


@attrs.frozen(kw_only=True)
class ImageSetProperties:
    """One version of an image set, as ListImageSetVersions returns it."""

    image_set_id: str
    version_id: str
    image_set_state: ImageSetState | str
    image_set_workflow_status: ImageSetWorkflowStatus | str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    message: str | None = None
    overrides: Overrides | None = None
    is_primary: bool | None = None


@attrs.frozen(kw_only=True)
class ListImageSetVersionsOutput:
    """One page of an image set's versions, newest first."""

    image_set_properties_list: list[ImageSetProperties]
    next_token: str | None = None


@attrs.frozen(kw_only=True)
class UpdateImageSetMetadataOutput:
    """The new version an update or revert created; the image set is LOCKED until it is applied."""

    datastore_id: str
    image_set_id: str
    latest_version_id: str
    image_set_state: ImageSetState | str
    image_set_workflow_status: ImageSetWorkflowStatus | str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class _CopiedImageSetProperties:
    image_set_id: str
    latest_version_id: str
    image_set_state: ImageSetState | str | None = None
    image_set_workflow_status: ImageSetWorkflowStatus | str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    image_set_arn: str | None = None


@attrs.frozen(kw_only=True)
class CopySourceImageSetProperties(_CopiedImageSetProperties):
    """The source of a copy, as CopyImageSet returns it."""


@attrs.frozen(kw_only=True)
class CopyDestinationImageSetProperties(_CopiedImageSetProperties):
    """The destination of a copy, as CopyImageSet returns it."""


@attrs.frozen(kw_only=True)
class CopyImageSetOutput:
    """The source and destination of a copy; the destination is LOCKED until the copy is done."""

    datastore_id: str
    source_image_set_properties: CopySourceImageSetProperties
    destination_image_set_properties: CopyDestinationImageSetProperties


# --- GetImageSet and DeleteImageSet ------------------------------------------


@attrs.frozen(kw_only=True)
class GetImageSetOutput(ImageSetProperties):
    """One version's properties (the latest unless asked for another), with where the image set lives.

    A superset of :class:`ImageSetProperties`; unlike it, the model spells
    ``imageSetWorkflowStatus`` in lower camel case here. A deleted image set
    says ``DELETED``, with ``deleted_at``.
    """

    datastore_id: str
    image_set_arn: str | None = None
    last_accessed_at: datetime | None = None
    storage_tier: StorageTier | str | None = None


@attrs.frozen(kw_only=True)
class DeleteImageSetOutput:
    """A deletion under way: the image set is LOCKED (DELETING) until the service has removed it."""

    datastore_id: str
    image_set_id: str
    image_set_state: ImageSetState | str
    image_set_workflow_status: ImageSetWorkflowStatus | str
