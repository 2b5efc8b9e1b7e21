"""The exceptions the SDK raises.

Every exception derives from :class:`HealthImagingError`, so one ``except``
clause catches all of them::

    HealthImagingError
    ├── ParamValidationError (also ValueError)   bad input; nothing was sent
    ├── ServiceError                             the service answered with an error
    │   ├── ValidationException                  400
    │   ├── BadRequestException                  400 (GetImageFrame: a malformed request)
    │   ├── ServiceQuotaExceededException        402
    │   ├── AccessDeniedException                403
    │   ├── ResourceNotFoundException            404
    │   ├── NotAcceptableException               406 (GetImageFrame: no acceptable content type)
    │   ├── ConflictException                    409 (stale version, locked image set)
    │   ├── ThrottlingException                  429
    │   └── InternalServerException              500
    ├── TransportError                           no usable response arrived
    │   ├── ConnectError
    │   └── TimeoutError                         an attempt or the call ran out of time
    ├── InvalidResponseError                     a 2xx response the SDK cannot read
    │   └── ResponseTooLargeError                a body over the cap, or a decompression bomb
    ├── CredentialsError                         no credentials, or they failed to load
    ├── ClientClosedError (also RuntimeError)    the client was closed; nothing was sent
    ├── WrongEventLoopError (also RuntimeError)  an AsyncClient used from another event loop
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
    ├── DICOMExportError (also ValueError)       metadata or frames cannot make a valid DICOM file
    └── CauseSummary                             never raised: another library's failure, chained without values

An error code the SDK does not know yet (a newer service model may add one)
still raises a :class:`ServiceError`: the subclass of its status code when
there is one, else ``ServiceError`` itself.

Messages name the operation, status, code, request id and the service's own
message. They never include request bodies, search criteria or DICOM values,
because those are patient data; pixel errors name frame ids, transfer syntaxes
and DICOM attribute names, never pixel values.

Any error of a write whose outcome is unclear (an attempt may have reached
the service before the call failed) has ``may_have_applied`` set, and its
message says so: docs/errors.md ("Unclear outcomes") tells how to find out.

An error that stands for a failure of another library (the HTTP transport,
botocore's credential chain, a JSON or gzip decoder) chains a
:class:`CauseSummary` as ``__cause__``: the failure's type names and a
description without values. The original exception is not chained, because
it carries the request (its headers hold the security token and signature,
its body patient data) and frames whose locals hold them.

Every error survives ``pickle`` and ``copy`` with its attributes, so it can
cross a process pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from .models import DatastoreProperties, DICOMImportJobProperties, ImageSetProperties

__all__ = [
    "AccessDeniedException",
    "BadRequestException",
    "CauseSummary",
    "ChecksumMismatchError",
    "ClientClosedError",
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
    "NotAcceptableException",
    "PaginationError",
    "ParamValidationError",
    "PixelDataError",
    "ResourceNotFoundException",
    "ResponseTooLargeError",
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
    "WrongEventLoopError",
]


def _rebuild(cls: type[HealthImagingError], args: tuple[Any, ...]) -> HealthImagingError:
    """An error of ``cls`` with ``args``, its ``__init__`` skipped (``pickle`` then restores its attributes)."""
    return cls.__new__(cls, *args)


class HealthImagingError(Exception):
    """Base of every exception raised by healthimaging_client."""

    #: Attempts made before the error was raised (set by the retry loop).
    attempts: int = 1
    #: The operation that failed, such as ``"SearchImageSets"``, when known.
    operation: str | None = None
    #: True when this is a write that may have been applied although the call failed: an attempt
    #: may have reached the service before this error. Find out before writing again.
    may_have_applied: bool = False

    def _unclear_outcome(self) -> str:
        """What the message adds when the write may have been applied anyway."""
        if not self.may_have_applied:
            return ""
        return (
            "; the write may have been applied all the same (an attempt may have reached the service):"
            " look for its effect before trying again"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls cls(*args), which keyword-only constructors refuse:
        # rebuild without __init__ and restore the attributes as they are.
        return (_rebuild, (type(self), self.args), self.__dict__)


class CauseSummary(HealthImagingError):
    """Never raised: what another library's exception was, without its values, chained in its place as ``__cause__``.

    ``type_names`` lists the exception and what it chained in turn (``"httpx.ConnectError"``,
    ``"socket.gaierror"``); ``description`` says what failed in words that hold no value.
    """

    def __init__(self, type_names: tuple[str, ...], description: str) -> None:
        self.type_names = type_names
        self.description = description
        super().__init__(type_names, description)

    def __str__(self) -> str:
        return f"{' <- '.join(self.type_names)}: {self.description}"

    def __repr__(self) -> str:
        return f"CauseSummary({self.type_names!r}, {self.description!r})"

    @classmethod
    def of(cls, exc: BaseException, description: str, *, depth: int = 6) -> Self:
        """A summary of ``exc`` and the exceptions it chains (up to ``depth``), described as ``description``."""
        names: list[str] = []
        current: BaseException | None = exc
        while current is not None and len(names) < depth:
            kind = type(current)
            module = kind.__module__.split("._")[0]  # h11._util.RemoteProtocolError -> h11.RemoteProtocolError
            names.append(kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}")
            current = current.__cause__ or current.__context__
        return cls(tuple(names), description)


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
        server_time: float | None = None,
    ) -> None:
        self.message = message
        self.operation = operation
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        #: The service's clock when it answered (its ``Date`` header, seconds since the epoch), if sent.
        self.server_time = server_time
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.operation} failed: {self.code} (HTTP {self.status_code})"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return text + self._unclear_outcome()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(operation={self.operation!r}, status_code={self.status_code}, "
            f"code={self.code!r}, request_id={self.request_id!r}, message={self.message!r})"
        )


class ValidationException(ServiceError):
    """400: the service rejected the request's parameters."""


class BadRequestException(ServiceError):
    """400: the request is malformed (GetImageFrame)."""


class ServiceQuotaExceededException(ServiceError):
    """402: a service quota was exceeded (Update, Copy, CreateDatastore, StartDICOMImportJob)."""


class AccessDeniedException(ServiceError):
    """403: the credentials may not call this operation on this resource."""


class ResourceNotFoundException(ServiceError):
    """404: the datastore, image set, version, image frame, import job or tagged resource does not exist.

    After a DeleteImageSet that was retried, it may mean an earlier attempt deleted
    the image set: ``may_have_applied`` says so.
    """


class NotAcceptableException(ServiceError):
    """406: the service cannot answer in a content type the request accepts (GetImageFrame)."""


class ConflictException(ServiceError):
    """409: the image set is locked, or ``latest_version_id`` is no longer the latest; or a datastore
    still holds image sets (DeleteDatastore) or is not ACTIVE (StartDICOMImportJob).

    When a write was retried, an earlier attempt may already have been applied:
    ``may_have_applied`` is then true and ``version_ids`` holds the version ids
    the request named, so the caller can list the versions and decide (a retried
    DeleteImageSet names none: its earlier attempt may be deleting the image set).
    """

    version_ids: Mapping[str, str] = {}

    def _unclear_outcome(self) -> str:
        if not self.may_have_applied or not self.version_ids:
            return super()._unclear_outcome()  # a retried DeleteImageSet names no version ids
        ids = ", ".join(f"{k}={v}" for k, v in self.version_ids.items())
        return (
            "; an earlier attempt of this write may already have been applied"
            f" ({ids}): list the image set's versions before trying again"
        )


class ThrottlingException(ServiceError):
    """429: the request rate exceeded the operation's quota."""


class InternalServerException(ServiceError):
    """500: the service failed internally."""


class TransportError(HealthImagingError):
    """The request could not be sent, or its response could not be read in full.

    The message names the host and the kind of failure (DNS, refused, reset,
    timeout, ...); ``__cause__`` is a :class:`CauseSummary` of the transport's
    exception. ``request_sent`` is False when the request provably never left the
    client (no connection could be made, or none came free in time): then even a
    write that nothing guards is retried.
    """

    #: False when the request provably never left the client.
    request_sent: bool = True

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        request_sent: bool | None = None,
        host: str | None = None,
    ) -> None:
        self.operation = operation
        if request_sent is not None:
            self.request_sent = request_sent
        #: The host (and port) the request was for.
        self.host = host
        super().__init__(message)

    def __str__(self) -> str:
        text = super().__str__()
        if self.operation:
            text = f"{self.operation}: {text}"
        if self.attempts > 1:
            text += f" (after {self.attempts} attempts)"
        return text + self._unclear_outcome()


class ConnectError(TransportError):
    """No connection to the endpoint could be made."""

    request_sent = False


class TimeoutError(TransportError):
    """An attempt, or the whole call, took longer than its timeout (``timeout``, ``total_timeout``).

    The SDK enforces each attempt's deadline itself, reading the body included,
    whatever the transport does; waiting for a free connection counts too.
    """


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
        return text + self._unclear_outcome()


class ResponseTooLargeError(InvalidResponseError):
    """A response body decodes to more than the client accepts (``max_response_bytes``), or inflates
    far more than real documents do (a decompression bomb). ``limit`` is the cap that was crossed, in bytes.

    The SDK stops reading as soon as the cap is crossed; the message names the cap, never content.
    """

    def __init__(self, message: str, *, limit: int, operation: str | None = None) -> None:
        self.limit = limit
        super().__init__(message, operation=operation)


class CredentialsError(HealthImagingError):
    """No AWS credentials were found, loading them failed, or they cannot be sent.

    The message says what is wrong and, when known, which provider of the
    credential chain (``provider``: ``"env"``, ``"custom-process"``, ``"sso"``...)
    or which profile; it never holds a key, a secret or a token.
    """

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        #: The botocore credential provider involved, when known.
        self.provider = provider
        super().__init__(message)


class ClientClosedError(HealthImagingError, RuntimeError):
    """The client (or the ``httpx`` client it sends with) was closed: nothing was sent, and nothing is retried."""


class WrongEventLoopError(HealthImagingError, RuntimeError):
    """An ``AsyncClient`` was used from another event loop than the one it first ran on.

    Its connections belong to that loop. Make one ``AsyncClient`` per event loop
    (per ``asyncio.run``), and close it before its loop ends (``async with``).
    """


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
