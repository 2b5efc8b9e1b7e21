"""What every operation definition produces: a :class:`Call`, and the names of the operations.

A ``Call`` is one HTTP request, already encoded (the signature covers exactly
its bytes), plus how to read a successful response. Paths and queries are
percent-encoded by RFC 3986: only ``A-Z a-z 0-9 - _ . ~`` stay as they are.
"""

from __future__ import annotations

import enum
import gzip
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar
from urllib.parse import quote

import attrs
import cattrs

from .. import errors
from .._endpoints import RUNTIME_PREFIX
from .._wire.service_errors import service_error

T = TypeVar("T")


class Operation(enum.StrEnum):
    """The service's names of the operations this SDK covers (each written here once)."""

    SEARCH_IMAGE_SETS = "SearchImageSets"
    GET_IMAGE_SET_METADATA = "GetImageSetMetadata"
    LIST_IMAGE_SET_VERSIONS = "ListImageSetVersions"
    UPDATE_IMAGE_SET_METADATA = "UpdateImageSetMetadata"
    COPY_IMAGE_SET = "CopyImageSet"
    GET_IMAGE_FRAME = "GetImageFrame"
    GET_IMAGE_SET = "GetImageSet"
    DELETE_IMAGE_SET = "DeleteImageSet"

    # Datastores, import jobs and tags: no host prefix.
    CREATE_DATASTORE = "CreateDatastore"
    GET_DATASTORE = "GetDatastore"
    LIST_DATASTORES = "ListDatastores"
    DELETE_DATASTORE = "DeleteDatastore"
    START_DICOM_IMPORT_JOB = "StartDICOMImportJob"
    GET_DICOM_IMPORT_JOB = "GetDICOMImportJob"
    LIST_DICOM_IMPORT_JOBS = "ListDICOMImportJobs"
    TAG_RESOURCE = "TagResource"
    UNTAG_RESOURCE = "UntagResource"
    LIST_TAGS_FOR_RESOURCE = "ListTagsForResource"


@attrs.frozen
class Call(Generic[T]):
    """One operation's HTTP request, and how to read its successful response."""

    operation: Operation
    path: str
    query: str
    #: Patient data (search criteria, DICOM updates, copy subsets): kept out of ``repr``.
    body: bytes | None = attrs.field(repr=lambda body: "None" if body is None else f"<{len(body)} bytes>")
    read: Callable[[bytes], T] = attrs.field(repr=False)
    #: For writes: the version ids the request is guarded by (named in conflict errors).
    guard_versions: Mapping[str, str] | None = None
    #: Read a successful body as sent, without undoing its Content-Encoding (``read`` does it in one pass).
    raw_body: bool = False
    #: The HTTP method, as the service model says.
    method: str = "POST"
    #: The model's host prefix for the operation: ``runtime-`` for image sets, none for the rest.
    host_prefix: str = RUNTIME_PREFIX
    #: For a write that is idempotent by token: the ``clientToken`` it carries. Every attempt of this call
    #: sends the same token, so however often it is retried the service applies the write once.
    idempotency_token: str | None = None

    def parse(self, status: int, headers: Mapping[str, str], content: bytes) -> T:
        """The typed output for a 2xx response; raises the typed error otherwise."""
        if not 200 <= status < 300:
            raise service_error(self.operation, status, headers, content)
        try:
            return self.read(content)
        except errors.HealthImagingError as exc:
            exc.operation = self.operation
            raise
        except Exception as exc:  # the body is not what the model says
            raise errors.InvalidResponseError(
                f"the response body could not be read ({_describe(exc)})",
                operation=self.operation,
                status_code=status,
                request_id=headers.get("x-amzn-requestid"),
            ) from None


def _describe(exc: Exception) -> str:
    """A value-free description of a parsing failure (cattrs paths, not values)."""
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path="$"))
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at position {exc.pos}"
    if isinstance(exc, zlib.error | gzip.BadGzipFile | EOFError):
        return "corrupt gzip data"
    return type(exc).__name__


def segment(value: str) -> str:
    """One path segment, percent-encoded (``/`` included)."""
    return quote(value, safe="")


def query(pairs: Sequence[tuple[str, object]]) -> str:
    """A query string of the pairs whose value is not None; booleans as ``true``/``false``."""
    parts: list[str] = []
    for name, value in pairs:
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        parts.append(f"{name}={quote(text, safe='')}")
    return "&".join(parts)
