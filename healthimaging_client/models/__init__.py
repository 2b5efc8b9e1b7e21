"""Typed requests and responses, one module per area of the service.

Class names are the service model's shape names and field names are its
member names in snake_case, so the AWS API reference maps one to one.
Models are frozen and keyword-only. Fields the service model marks
``sensitive`` (patient data) print as ``'***'`` in ``repr``; the value stays
available through the attribute.

Enum fields of responses hold the enum member when the value is known and the
plain string otherwise, so a value added to the service later does not break
an installed SDK.
"""

from .datastores import (
    CreateDatastoreOutput,
    DatastoreProperties,
    DatastoreStatus,
    DatastoreSummary,
    DeleteDatastoreOutput,
    GetDatastoreOutput,
    ListDatastoresOutput,
    LosslessStorageFormat,
)
from .frames import GetImageFrameOutput, ImageFrameInformation
from .image_sets import (
    CopyDestinationImageSet,
    CopyDestinationImageSetProperties,
    CopyImageSetInformation,
    CopyImageSetOutput,
    CopySourceImageSetInformation,
    CopySourceImageSetProperties,
    DeleteImageSetOutput,
    DICOMStudyDateAndTime,
    DICOMTags,
    DICOMUpdates,
    GetImageSetOutput,
    ImageSetProperties,
    ImageSetsMetadataSummary,
    ImageSetState,
    ImageSetWorkflowStatus,
    ListImageSetVersionsOutput,
    MetadataCopies,
    MetadataUpdates,
    Operator,
    Overrides,
    SearchByAttributeValue,
    SearchCriteria,
    SearchFilter,
    SearchImageSetsOutput,
    Sort,
    SortField,
    SortOrder,
    StorageTier,
    UpdateImageSetMetadataOutput,
)
from .imports import (
    DICOMImportJobProperties,
    DICOMImportJobSummary,
    DicomJsonMetadataImportConfiguration,
    DicomMetadataMapping,
    GetDICOMImportJobOutput,
    ImportConfiguration,
    JobStatus,
    ListDICOMImportJobsOutput,
    StartDICOMImportJobOutput,
)
from .tags import ListTagsForResourceOutput

__all__ = [
    "CopyDestinationImageSet",
    "CopyDestinationImageSetProperties",
    "CopyImageSetInformation",
    "CopyImageSetOutput",
    "CopySourceImageSetInformation",
    "CopySourceImageSetProperties",
    "CreateDatastoreOutput",
    "DICOMImportJobProperties",
    "DICOMImportJobSummary",
    "DICOMStudyDateAndTime",
    "DICOMTags",
    "DICOMUpdates",
    "DatastoreProperties",
    "DatastoreStatus",
    "DatastoreSummary",
    "DeleteDatastoreOutput",
    "DeleteImageSetOutput",
    "DicomJsonMetadataImportConfiguration",
    "DicomMetadataMapping",
    "GetDICOMImportJobOutput",
    "GetDatastoreOutput",
    "GetImageFrameOutput",
    "GetImageSetOutput",
    "ImageFrameInformation",
    "ImageSetProperties",
    "ImageSetState",
    "ImageSetWorkflowStatus",
    "ImageSetsMetadataSummary",
    "ImportConfiguration",
    "JobStatus",
    "ListDICOMImportJobsOutput",
    "ListDatastoresOutput",
    "ListImageSetVersionsOutput",
    "ListTagsForResourceOutput",
    "LosslessStorageFormat",
    "MetadataCopies",
    "MetadataUpdates",
    "Operator",
    "Overrides",
    "SearchByAttributeValue",
    "SearchCriteria",
    "SearchFilter",
    "SearchImageSetsOutput",
    "Sort",
    "SortField",
    "SortOrder",
    "StartDICOMImportJobOutput",
    "StorageTier",
    "UpdateImageSetMetadataOutput",
]
