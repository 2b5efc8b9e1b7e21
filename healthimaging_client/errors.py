"""The exceptions the SDK raises.

Every exception derives from :class:`HealthImagingError`, so one ``except``
clause catches all of them::

    HealthImagingError
    ├── ParamValidationError (also ValueError)   bad input; nothing was sent
    ├── ServiceError                             the service answered with an error
    │   ├── ValidationException                  400
    │   ├── ServiceQuotaExceededException        402
    │   ├── AccessDeniedException                403
    │   ├── ResourceNotFoundException            404
    │   ├── ConflictException                    409 (stale version, locked image set)
    │   ├── ThrottlingException                  429
    │   └── InternalServerException              500
    ├── TransportError                           no usable response arrived
    │   ├── ConnectError
    │   └── TimeoutError
    ├── InvalidResponseError                     a 2xx response the SDK cannot read
    ├── CredentialsError                         no credentials, or they failed to load
    ├── PaginationError                          the service repeated a next token
    ├── ImportManifestError (also ValueError)    an import job's output document cannot be read
    ├── WaiterError                              an image set, datastore or import job failed
    │   └── WaiterTimeoutError                   ... or was not done before the timeout
    ├── ExtraNotInstalledError (also ImportError)  an optional extra is missing
    ├── PixelDataError                           a frame could not be decoded, verified or stacked
    │   ├── UnsupportedPixelFormatError          no decoder here for the content type, syntax or layout
    │   ├── FrameDecodeError                     the codestream is not what the metadata describes
    │   ├── ChecksumMismatchError                decoded pixels differ from the metadata's CRC32
    │   └── VolumeGeometryError                  a series' frames do not stack into one volume
    └── DICOMExportError (also ValueError)       metadata or frames cannot make a valid DICOM file

An error code the SDK does not know yet (a newer service model may add one)
still raises a :class:`ServiceError`: the subclass of its status code when
there is one, else ``ServiceError`` itself.

Messages name the operation, status, code, request id and the service's own
message. They never include request bodies, search criteria or DICOM values,
because those are patient data; pixel errors name frame ids, transfer syntaxes
and DICOM attribute names, never pixel values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DatastoreProperties, DICOMImportJobProperties, ImageSetProperties

__all__ = [
    "AccessDeniedException",
    "ChecksumMismatchError",
    "ConflictException",
    "ConnectError",
    "CredentialsError",
    "DICOMExportError",
    "ExtraNotInstalledError",
    "FrameDecodeError",
    "HealthImagingError",
    "ImportManifestError",
    "InternalServerException",
    "InvalidResponseError",
    "PaginationError",
    "ParamValidationError",
    "PixelDataError",
    "ResourceNotFoundException",
    "ServiceError",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "TimeoutError",
    "TransportError",
    "UnsupportedPixelFormatError",
    "ValidationException",
    "VolumeGeometryError",
    "WaiterError",
    "WaiterTimeoutError",
]


class HealthImagingError(Exception):
    """Base of every exception raised by healthimaging_client."""

    #: Attempts made before the error was raised (set by the retry loop).
    attempts: int = 1
    #: The operation that failed, such as ``"SearchImageSets"``, when known.
    operation: str | None = None


class ParamValidationError(HealthImagingError, ValueError):
    """The input broke one or more rules of the service model; no request was sent.

    ``problems`` lists each broken rule as ``"field.path: what is wrong"``.
    """

    def __init__(self, problems: list[str], *, operation: str | None = None) -> None:
        self.problems = list(problems)
        self.operation = operation
        where = f" for {operation}" if operation else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Invalid parameters{where}:\n{lines}")


class ServiceError(HealthImagingError):
    """The service returned an error response."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        status_code: int,
        code: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.operation = operation
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.operation} failed: {self.code} (HTTP {self.status_code})"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(operation={self.operation!r}, status_code={self.status_code}, "
            f"code={self.code!r}, request_id={self.request_id!r}, message={self.message!r})"
        )


class ValidationException(ServiceError):
    """400: the service rejected the request's parameters."""


class ServiceQuotaExceededException(ServiceError):
    """402: a service quota was exceeded (Update, Copy, CreateDatastore, StartDICOMImportJob)."""


class AccessDeniedException(ServiceError):
    """403: the credentials may not call this operation on this resource."""


class ResourceNotFoundException(ServiceError):
    """404: the datastore, image set, version, import job or tagged resource does not exist."""


class ConflictException(ServiceError):
    """409: the image set is locked, or ``latest_version_id`` is no longer the latest; or a datastore
    still holds image sets (DeleteDatastore) or is not ACTIVE (StartDICOMImportJob).

    When a write was retried, an earlier attempt may already have been applied:
    ``may_have_applied`` is then true and ``version_ids`` holds the version ids
    the request named, so the caller can list the versions and decide.
    """

    may_have_applied: bool = False
    version_ids: Mapping[str, str] = {}

    def __str__(self) -> str:
        text = super().__str__()
        if self.may_have_applied:
            ids = ", ".join(f"{k}={v}" for k, v in self.version_ids.items())
            text += (
                "; an earlier attempt of this write may already have been applied"
                f" ({ids}): list the image set's versions before trying again"
            )
        return text


class ThrottlingException(ServiceError):
    """429: the request rate exceeded the operation's quota."""


class InternalServerException(ServiceError):
    """500: the service failed internally."""


class TransportError(HealthImagingError):
    """The request could not be sent, or its response could not be read in full.

    The underlying ``httpx`` exception is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        super().__init__(message)

    def __str__(self) -> str:
        text = super().__str__()
        if self.operation:
            text = f"{self.operation}: {text}"
        if self.attempts > 1:
            text += f" (after {self.attempts} attempts)"
        return text


class ConnectError(TransportError):
    """No connection to the endpoint could be made."""


class TimeoutError(TransportError):
    """Connecting, sending or reading took longer than the configured timeout."""


class InvalidResponseError(HealthImagingError):
    """A successful status came with a body the SDK cannot read (bad JSON, bad gzip, missing fields)."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.operation = operation
        self.status_code = status_code
        self.request_id = request_id
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.operation}: {super().__str__()}" if self.operation else super().__str__()
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text


class CredentialsError(HealthImagingError):
    """No AWS credentials were found, or loading them failed."""


class PaginationError(HealthImagingError):
    """The service returned a next token it had returned before; iterating on would never end."""


class ImportManifestError(HealthImagingError, ValueError):
    """An import job's output document (summary or manifest) is not what the service writes.

    The message names the file, the line and the member; never a value, since
    manifests name patients' files.
    """


class WaiterError(HealthImagingError):
    """What was waited for ended in a failed state: an image set (UPDATE_FAILED, COPY_FAILED),
    a datastore (CREATE_FAILED) or an import job (FAILED).

    The message carries the service's own message for the failure.
    """

    #: The last state seen of the version waited for, if it was seen.
    properties: ImageSetProperties | None = None
    #: The last state seen of the datastore waited for (``wait_for_datastore``), if it was seen.
    datastore_properties: DatastoreProperties | None = None
    #: The last state seen of the import job waited for (``wait_for_dicom_import_job``), if it was seen.
    job_properties: DICOMImportJobProperties | None = None


class WaiterTimeoutError(WaiterError):
    """An image set was still locked, or a datastore or import job still busy, when the wait's timeout passed."""


class ExtraNotInstalledError(HealthImagingError, ImportError):
    """A feature needs an optional extra that is not installed; the message says what to install."""

    def __init__(self, extra: str, missing: str, feature: str) -> None:
        self.extra = extra
        self.missing = missing
        super().__init__(
            f"{feature} needs the {extra!r} extra ({missing} is not installed): "
            f"pip install 'healthimaging-client[{extra}]'",
            name=missing,
        )


class PixelDataError(HealthImagingError):
    """A frame's pixel data could not be decoded, verified or assembled.

    ``image_frame_id`` names the frame when it is known.
    """

    def __init__(self, message: str, *, image_frame_id: str | None = None) -> None:
        self.image_frame_id = image_frame_id
        where = f"image frame {image_frame_id}: " if image_frame_id else ""
        super().__init__(where + message)


class UnsupportedPixelFormatError(PixelDataError):
    """The content type, transfer syntax or pixel layout is one the SDK cannot decode."""


class FrameDecodeError(PixelDataError):
    """The codestream failed to decode, or decoded to a size or type the metadata does not describe.

    The codec's own exception, if any, is chained as ``__cause__``.
    """


class ChecksumMismatchError(PixelDataError):
    """The decoded pixels' CRC32 differs from ``PixelDataChecksumFromBaseToFullResolution``.

    The frame may be corrupt, or decoded by a codec that disagrees with the service's.
    ``expected`` and ``actual`` hold the two checksums, ``width`` and ``height`` the
    resolution checked; the message names neither checksum.
    """

    def __init__(self, *, image_frame_id: str | None, width: int, height: int, expected: int, actual: int) -> None:
        self.width = width
        self.height = height
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"the CRC32 of the decoded pixels ({width}x{height}) does not match the checksum in the metadata",
            image_frame_id=image_frame_id,
        )


class VolumeGeometryError(PixelDataError):
    """A series' frames differ in size, type or orientation, or share positions, so they do not form one volume."""


class DICOMExportError(HealthImagingError, ValueError):
    """An instance's metadata or frames cannot be written as a valid DICOM file.

    The message names the attribute (keyword and tag) or the count that is wrong, and the
    instance by its place in the image set, never by a value: DICOM values are patient data.
    """
