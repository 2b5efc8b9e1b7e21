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

from ._errors.base import HealthImagingError, _rebuild  # pyright: ignore[reportPrivateUsage]
from ._errors.cause import CauseSummary
from ._errors.outcomes import ImportManifestError, PaginationError, WaiterError, WaiterTimeoutError
from ._errors.pixels import (
    ChecksumMismatchError,
    DICOMExportError,
    FrameDecodeError,
    PixelDataError,
    UnsupportedPixelFormatError,
    VolumeGeometryError,
)
from ._errors.service import (
    AccessDeniedException,
    BadRequestException,
    ConflictException,
    InternalServerException,
    NotAcceptableException,
    ResourceNotFoundException,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
    ValidationException,
)
from ._errors.transport import ConnectError, InvalidResponseError, ResponseTooLargeError, TimeoutError, TransportError
from ._errors.usage import (
    ClientClosedError,
    CredentialsError,
    ExtraNotInstalledError,
    ParamValidationError,
    WrongEventLoopError,
)
from ._homes import adopt

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


# Each error keeps this module as its home (see _homes), as _rebuild does for its pickles.
adopt(__name__, *(globals()[name] for name in __all__), _rebuild)
