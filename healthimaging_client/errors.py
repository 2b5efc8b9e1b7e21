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
    ├── WaiterError                              an image set did not reach a final state
    │   └── WaiterTimeoutError
    └── CauseSummary                             never raised: another library's failure, chained without values

An error code the SDK does not know yet (a newer service model may add one)
still raises a :class:`ServiceError`: the subclass of its status code when
there is one, else ``ServiceError`` itself.

Messages name the operation, status, code, request id and the service's own
message. They never include request bodies, search criteria or DICOM values,
because those are patient data.

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
    from .models import ImageSetProperties

__all__ = [
    "AccessDeniedException",
    "CauseSummary",
    "ConflictException",
    "ConnectError",
    "CredentialsError",
    "HealthImagingError",
    "InternalServerException",
    "InvalidResponseError",
    "PaginationError",
    "ParamValidationError",
    "ResourceNotFoundException",
    "ServiceError",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "TimeoutError",
    "TransportError",
    "ValidationException",
    "WaiterError",
    "WaiterTimeoutError",
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
    """402: a service quota was exceeded (UpdateImageSetMetadata, CopyImageSet)."""


class AccessDeniedException(ServiceError):
    """403: the credentials may not call this operation on this resource."""


class ResourceNotFoundException(ServiceError):
    """404: the datastore, image set or version does not exist."""


class ConflictException(ServiceError):
    """409: the image set is locked, or ``latest_version_id`` is no longer the latest.

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

    The message names the host and the kind of failure (DNS, refused, reset,
    timeout, ...); ``__cause__`` is a :class:`CauseSummary` of the transport's exception.
    """

    def __init__(self, message: str, *, operation: str | None = None, host: str | None = None) -> None:
        self.operation = operation
        #: The host (and port) the request was for.
        self.host = host
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
    """No AWS credentials were found, loading them failed, or they cannot be sent.

    The message says what is wrong and, when known, which provider of the
    credential chain (``provider``: ``"env"``, ``"custom-process"``, ``"sso"``...)
    or which profile; it never holds a key, a secret or a token.
    """

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        #: The botocore credential provider involved, when known.
        self.provider = provider
        super().__init__(message)


class PaginationError(HealthImagingError):
    """The service returned a next token it had returned before; iterating on would never end."""


class WaiterError(HealthImagingError):
    """An image set ended in a failed state (UPDATE_FAILED, COPY_FAILED) while being waited for.

    The message carries the service's own message for the failure.
    """

    #: The last state seen of the version waited for, if it was seen.
    properties: ImageSetProperties | None = None


class WaiterTimeoutError(WaiterError):
    """An image set was still locked when the wait's timeout passed."""
