"""The typed error for a non-2xx response, read as the service's JSON protocol writes it."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from .. import errors
from .bodies import read_json

_ERROR_BY_CODE: dict[str, type[errors.ServiceError]] = {
    cls.__name__: cls
    for cls in (
        errors.ValidationException,
        errors.ServiceQuotaExceededException,
        errors.AccessDeniedException,
        errors.ResourceNotFoundException,
        errors.ConflictException,
        errors.ThrottlingException,
        errors.InternalServerException,
        errors.BadRequestException,
        errors.NotAcceptableException,
    )
}

_ERROR_BY_STATUS: dict[int, type[errors.ServiceError]] = {
    400: errors.ValidationException,
    402: errors.ServiceQuotaExceededException,
    403: errors.AccessDeniedException,
    404: errors.ResourceNotFoundException,
    406: errors.NotAcceptableException,
    409: errors.ConflictException,
    429: errors.ThrottlingException,
    500: errors.InternalServerException,
}


def _error_code(raw: str) -> str:
    """``aws.protocoljson#ThrottlingException:http://...`` -> ``ThrottlingException``."""
    return raw.split(":", 1)[0].rsplit("#", 1)[-1].strip()


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait as the server asks: ``x-amz-retry-after`` (ms) or ``Retry-After`` (s)."""
    for name, scale in (("x-amz-retry-after", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value) / scale
            except ValueError:
                continue  # an HTTP date: rare here, and the backoff still applies
            if seconds >= 0:
                return seconds
    return None


def _server_time(headers: Mapping[str, str]) -> float | None:
    """The service's clock from the ``Date`` header (seconds since the epoch), if it sent a readable one."""
    value = headers.get("date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()  # HTTP dates are GMT


def service_error(operation: str, status: int, headers: Mapping[str, str], content: bytes) -> errors.ServiceError:
    """The typed error for a non-2xx response, whatever its body holds (JSON, HTML or nothing)."""
    body: dict[str, Any] = {}
    # An HTML page from a proxy or load balancer is no JSON, and a body nested past the parser's depth
    # no readable one: the status and headers still tell.
    with contextlib.suppress(ValueError, TypeError, RecursionError):
        body = read_json(content) if content else {}
    code = _error_code(headers.get("x-amzn-errortype", ""))
    if not code:
        for key in ("code", "Code", "__type"):
            if isinstance(body.get(key), str):
                code = _error_code(body[key])
                break
    message = next((body[k] for k in ("message", "Message") if isinstance(body.get(k), str)), "")
    cls = _ERROR_BY_CODE.get(code) or _ERROR_BY_STATUS.get(status, errors.ServiceError)
    if not code:
        code = cls.__name__ if cls is not errors.ServiceError else f"HTTP{status}"
    return cls(
        message,
        operation=operation,
        status_code=status,
        code=code,
        request_id=headers.get("x-amzn-requestid"),
        retry_after=_retry_after(headers),
        server_time=_server_time(headers),
    )
