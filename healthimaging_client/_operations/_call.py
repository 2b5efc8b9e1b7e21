"""What every operation definition produces: a :class:`Call`, and the names of the operations.

A ``Call`` is one HTTP request, already encoded (the signature covers exactly
its bytes), plus how to read a successful response and what a retry of it may
do (:class:`RetrySafety`). Paths and queries are percent-encoded by RFC 3986:
only ``A-Z a-z 0-9 - _ . ~`` stay as they are.
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
from .._masking import Masked
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


class RetrySafety(enum.Enum):
    """What a retry may do after an attempt whose outcome is unclear; each operation's definition says which.

    An outcome is unclear when the request may have reached the service and no
    answer says what happened: a response cut short, a read timeout, a 500,
    502 or 504. ``_retry`` decides from this what is retried; docs/errors.md
    has the table for every write.
    """

    #: Changes nothing: retried after any retryable failure.
    READ = "read"
    #: The service applies a repeat once: it carries a ``clientToken`` made once per call in its
    #: definition (``_tokens.client_token_for``, named in ``Call.idempotency_token``), or the model
    #: marks it idempotent. Retried as a read.
    IDEMPOTENT = "idempotent"
    #: Names the version ids it expects to be the latest: retried, because a repeat of an applied
    #: write meets a 409 at worst, which then says ``may_have_applied``.
    VERSION_GUARDED = "version-guarded"
    #: Nothing stops a repeat from applying again (a copy into a new image set): retried only when
    #: the request provably never reached the service (no connection; 429; 503); otherwise the
    #: call ends in an error with ``may_have_applied`` set.
    UNGUARDED = "unguarded"


#: The most any answer bounded by the model holds (search and version pages hold at most 50
#: entries of bounded fields, well under 1 MiB): a bigger body is refused whatever the client allows.
MODEL_BOUNDED_ANSWER = 16 * 2**20


@attrs.frozen
class WithHeaders(Generic[T]):
    """A reader for an output the model places partly in response headers (GetImageFrame's ``Content-Type``).

    ``read`` takes the response headers (case-insensitive) and the body.
    """

    read: Callable[[Mapping[str, str], bytes], T]


@attrs.frozen
class Call(Generic[T]):
    """One operation's HTTP request, and how to read its successful response."""

    operation: Operation
    path: str
    query: str
    #: Patient data (search criteria, DICOM updates, copy subsets): kept out of ``repr``.
    body: bytes | None = attrs.field(repr=lambda body: "None" if body is None else f"<{len(body)} bytes>")
    read: Callable[[bytes], T] | WithHeaders[T] = attrs.field(repr=False)
    #: For writes: the version ids the request is guarded by (named in conflict errors).
    guard_versions: Mapping[str, str] | None = None
    #: Read a successful body as sent, without undoing its Content-Encoding: ``read`` inflates it itself, in
    #: one pass and within the cap (``_wire.limits.inflate_document``), freeing the bytes before parsing.
    raw_body: bool = False
    #: The HTTP method, as the service model says.
    method: str = "POST"
    #: The model's host prefix for the operation: ``runtime-`` for image sets, none for the rest.
    host_prefix: str = RUNTIME_PREFIX
    #: For a write that is idempotent by token: the ``clientToken`` it carries. Every attempt of this call
    #: sends the same token, so however often it is retried the service applies the write once.
    idempotency_token: str | None = None

    # --- integrity: what a retry may do, and how big an answer can be (issue 13) ---
    #: What a retry after an unclear outcome may do; every write sets its own (one with an
    #: ``idempotency_token`` is IDEMPOTENT unless it says otherwise).
    retry_safety: RetrySafety = attrs.field(default=attrs.Factory(lambda call: _safety_of(call), takes_self=True))
    #: The most a response body can hold by the model (``MODEL_BOUNDED_ANSWER``), or None when only
    #: the client's ``max_response_bytes`` bounds it (a metadata document).
    max_body_bytes: int | None = None

    def parse(self, status: int, headers: Mapping[str, str], body: Masked[bytes]) -> T:
        """The typed output for a 2xx response; raises the typed error otherwise.

        ``body`` stays masked in this frame's locals (it is patient data); an
        unreadable one raises :class:`~healthimaging_client.InvalidResponseError`
        with a value-free :class:`~healthimaging_client.CauseSummary` of what
        failed, raised outside the ``except`` block so the parser's exception,
        whose frames hold the body, is not its ``__context__``.
        """
        if not 200 <= status < 300:
            raise service_error(self.operation, status, headers, body.value)
        read = self.read
        try:
            if isinstance(read, WithHeaders):
                return read.read(headers, body.value)  # pyright: ignore[reportUnknownVariableType]
            return read(body.value)
        except errors.HealthImagingError as exc:  # the reader's own (a body over the cap)
            exc.operation = self.operation
            raise exc.with_traceback(None) from exc.__cause__  # without the reader's frames (their locals: the body)
        except Exception as exc:  # the body is not what the model says
            description = _describe(exc)
            cause = errors.CauseSummary.of(exc, description)
        failure = errors.InvalidResponseError(
            f"the response body could not be read ({description})",
            operation=self.operation,
            status_code=status,
            request_id=headers.get("x-amzn-requestid"),
        )
        raise failure from cause


def _safety_of(call: Call[object]) -> RetrySafety:
    """A call's own retry safety when its definition names none: a token makes it idempotent."""
    return RetrySafety.READ if call.idempotency_token is None else RetrySafety.IDEMPOTENT


def _describe(exc: Exception) -> str:
    """A value-free description of a parsing failure (cattrs paths, not values)."""
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path="$"))
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at position {exc.pos}"
    if isinstance(exc, zlib.error | gzip.BadGzipFile | EOFError):
        return "corrupt gzip data"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
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
