"""The errors the service answers with: ``ServiceError`` and one subclass per error code of the model."""

from __future__ import annotations

from collections.abc import Mapping

from .base import HealthImagingError

__all__ = [
    "AccessDeniedException",
    "BadRequestException",
    "ConflictException",
    "InternalServerException",
    "NotAcceptableException",
    "ResourceNotFoundException",
    "ServiceError",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "ValidationException",
]


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
