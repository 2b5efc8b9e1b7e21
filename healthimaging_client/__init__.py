"""A typed Python SDK for AWS HealthImaging."""

import typing

from ._async_client import AsyncClient
from ._clock import Clock
from ._operations._paging import Page
from ._pacing import RateLimit
from ._retry import RetryConfig
from ._sync_client import Client
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__
from .builders import CopySubsetBuilder, DICOMUpdatesBuilder
from .errors import (
    AccessDeniedException,
    BadRequestException,
    CauseSummary,
    ChecksumMismatchError,
    ClientClosedError,
    ConflictException,
    ConnectError,
    CredentialsError,
    DICOMExportError,
    ExtraNotInstalledError,
    FrameDecodeError,
    HealthImagingError,
    ImportManifestError,
    InternalServerException,
    InvalidResponseError,
    NotAcceptableException,
    PaginationError,
    ParamValidationError,
    PixelDataError,
    ResourceNotFoundException,
    ResponseTooLargeError,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
    TimeoutError,
    TransportError,
    UnsupportedPixelFormatError,
    ValidationException,
    VolumeGeometryError,
    WaiterError,
    WaiterTimeoutError,
    WrongEventLoopError,
)
from .metadata import ImageFrame, ImageSetMetadata, Instance, Patient, Series, Study
from .models import (
    CopyDestinationImageSetProperties,
    CopyImageSetOutput,
    CopySourceImageSetProperties,
    CreateDatastoreOutput,
    DatastoreProperties,
    DatastoreStatus,
    DatastoreSummary,
    DeleteDatastoreOutput,
    DeleteImageSetOutput,
    DICOMImportJobProperties,
    DICOMImportJobSummary,
    DicomJsonMetadataImportConfiguration,
    DicomMetadataMapping,
    DICOMStudyDateAndTime,
    DICOMTags,
    DICOMUpdates,
    GetDatastoreOutput,
    GetDICOMImportJobOutput,
    GetImageFrameOutput,
    GetImageSetOutput,
    ImageSetProperties,
    ImageSetsMetadataSummary,
    ImageSetState,
    ImageSetWorkflowStatus,
    ImportConfiguration,
    JobStatus,
    ListDatastoresOutput,
    ListDICOMImportJobsOutput,
    ListImageSetVersionsOutput,
    ListTagsForResourceOutput,
    LosslessStorageFormat,
    Operator,
    Overrides,
    SearchByAttributeValue,
    SearchFilter,
    SearchImageSetsOutput,
    Sort,
    SortField,
    SortOrder,
    StartDICOMImportJobOutput,
    StorageTier,
    UpdateImageSetMetadataOutput,
)

# --- imported on first use: what only some methods need stays out of `import healthimaging_client` ---
if typing.TYPE_CHECKING:
    from ._export import ExportProgress, ExportSummary
else:
    _LAZY = {"ExportProgress": "._export", "ExportSummary": "._export"}

    def __getattr__(name: str) -> object:
        """A public name whose module is imported on first use (PEP 562)."""
        if name not in _LAZY:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})


__all__ = [
    "AccessDeniedException",
    "AsyncClient",
    "BadRequestException",
    "CauseSummary",
    "ChecksumMismatchError",
    "Client",
    "ClientClosedError",
    "Clock",
    "ConflictException",
    "ConnectError",
    "CopyDestinationImageSetProperties",
    "CopyImageSetOutput",
    "CopySourceImageSetProperties",
    "CopySubsetBuilder",
    "CreateDatastoreOutput",
    "CredentialsError",
    "DICOMExportError",
    "DICOMImportJobProperties",
    "DICOMImportJobSummary",
    "DICOMStudyDateAndTime",
    "DICOMTags",
    "DICOMUpdates",
    "DICOMUpdatesBuilder",
    "DatastoreProperties",
    "DatastoreStatus",
    "DatastoreSummary",
    "DeleteDatastoreOutput",
    "DeleteImageSetOutput",
    "DicomJsonMetadataImportConfiguration",
    "DicomMetadataMapping",
    "ExportProgress",
    "ExportSummary",
    "ExtraNotInstalledError",
    "FrameDecodeError",
    "GetDICOMImportJobOutput",
    "GetDatastoreOutput",
    "GetImageFrameOutput",
    "GetImageSetOutput",
    "HealthImagingError",
    "ImageFrame",
    "ImageSetMetadata",
    "ImageSetProperties",
    "ImageSetState",
    "ImageSetWorkflowStatus",
    "ImageSetsMetadataSummary",
    "ImportConfiguration",
    "ImportManifestError",
    "Instance",
    "InternalServerException",
    "InvalidResponseError",
    "JobStatus",
    "ListDICOMImportJobsOutput",
    "ListDatastoresOutput",
    "ListImageSetVersionsOutput",
    "ListTagsForResourceOutput",
    "LosslessStorageFormat",
    "NOT_GIVEN",
    "NotAcceptableException",
    "NotGiven",
    "Operator",
    "Overrides",
    "Page",
    "PaginationError",
    "ParamValidationError",
    "Patient",
    "PixelDataError",
    "RateLimit",
    "ResourceNotFoundException",
    "ResponseTooLargeError",
    "RetryConfig",
    "SearchByAttributeValue",
    "SearchFilter",
    "SearchImageSetsOutput",
    "Series",
    "ServiceError",
    "ServiceQuotaExceededException",
    "Sort",
    "SortField",
    "SortOrder",
    "StartDICOMImportJobOutput",
    "StorageTier",
    "Study",
    "ThrottlingException",
    "TimeoutError",
    "TransportError",
    "UnsupportedPixelFormatError",
    "UpdateImageSetMetadataOutput",
    "ValidationException",
    "VolumeGeometryError",
    "WaiterError",
    "WaiterTimeoutError",
    "WrongEventLoopError",
    "__version__",
]
