"""The five operations as pure logic: input -> :class:`Call`, response -> output or error.

Nothing here does I/O, so ``Client`` and ``AsyncClient`` share every rule of
the wire format; they only send what :class:`Call` describes and hand the
bytes back to :meth:`Call.parse`. Paths and queries are built already
percent-encoded (RFC 3986: only ``A-Z a-z 0-9 - _ . ~`` stay as they are),
because the signature covers exactly those bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast
from urllib.parse import quote

import attrs
import cattrs

from . import _validation as v
from . import errors
from . import models as m
from ._converter import converter
from .builders import CopySubsetBuilder, DICOMUpdatesBuilder
from .metadata import ImageSetMetadata

T = TypeVar("T")

#: What update_image_set_metadata takes as ``updates``: the model, a builder, or
#: ``{"updatableAttributes": ..., "removableAttributes": ...}`` as boto3 spells it.
UpdatesInput = m.DICOMUpdates | DICOMUpdatesBuilder | Mapping[str, Any]
#: What copy_image_set takes as ``copiable_attributes``: a builder, a dict or JSON text.
CopiableInput = CopySubsetBuilder | Mapping[str, Any] | str

JSON_CONTENT_TYPE = "application/json"

#: The service's names of the five operations this SDK covers.
OPERATIONS = (
    "SearchImageSets",
    "GetImageSetMetadata",
    "ListImageSetVersions",
    "UpdateImageSetMetadata",
    "CopyImageSet",
)


@attrs.frozen
class Call(Generic[T]):
    """One operation's HTTP request, and how to read its successful response."""

    operation: str
    path: str
    query: str
    #: Patient data (search criteria, DICOM updates, copy subsets): kept out of ``repr``.
    body: bytes | None = attrs.field(repr=lambda body: "None" if body is None else f"<{len(body)} bytes>")
    read: Callable[[bytes], T] = attrs.field(repr=False)
    #: For writes: the version ids the request is guarded by (named in conflict errors).
    guard_versions: Mapping[str, str] | None = None
    #: Read a successful body as sent, without undoing its Content-Encoding (``read`` does it in one pass).
    raw_body: bool = False

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


def _segment(value: str) -> str:
    return quote(value, safe="")


def _query(pairs: Sequence[tuple[str, object]]) -> str:
    parts: list[str] = []
    for name, value in pairs:
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        parts.append(f"{name}={quote(text, safe='')}")
    return "&".join(parts)


def _json_body(value: object) -> bytes:
    return json.dumps(converter.unstructure(value), separators=(",", ":"), ensure_ascii=False).encode()


def _read_json(content: bytes | str) -> dict[str, Any]:
    document: object = json.loads(content)
    if not isinstance(document, dict):
        raise TypeError("the response body is not a JSON object")
    return cast(dict[str, Any], document)


def _reader(cls: type[T]) -> Callable[[bytes], T]:
    structure: Callable[[Any, type[T]], T] | None = None

    def read(content: bytes) -> T:
        nonlocal structure
        if structure is None:  # generated on first use, not at import
            structure = converter.get_structure_hook(cls)
        return structure(_read_json(content), cls)

    return read


# --- the operations ------------------------------------------------------------


def search_image_sets(
    datastore_id: str,
    *,
    filters: Sequence[m.SearchFilter] | None,
    sort: m.Sort | None,
    max_results: int | None,
    next_token: str | None,
) -> Call[m.SearchImageSetsOutput]:
    p = v.Problems("SearchImageSets")
    v.identifier(p, "datastore_id", datastore_id)
    v.search_filters(p, "filters", filters)
    v.sort(p, "sort", sort)
    v.max_results(p, "max_results", max_results)
    v.next_token(p, "next_token", next_token)
    p.raise_if_any()
    return Call(
        "SearchImageSets",
        f"/datastore/{_segment(datastore_id)}/searchImageSets",
        _query([("maxResults", max_results), ("nextToken", next_token)]),
        _json_body(m.SearchCriteria(filters=filters, sort=sort)),
        _read_search,
    )


_read_search = _reader(m.SearchImageSetsOutput)


def get_image_set_metadata(
    datastore_id: str, image_set_id: str, *, version_id: int | str | None
) -> Call[ImageSetMetadata]:
    p = v.Problems("GetImageSetMetadata")
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    version = v.version_id(p, "version_id", version_id, required=False)
    p.raise_if_any()
    return Call(
        "GetImageSetMetadata",
        f"/datastore/{_segment(datastore_id)}/imageSet/{_segment(image_set_id)}/getImageSetMetadata",
        _query([("version", version)]),
        None,
        read_metadata,
        raw_body=True,
    )


GZIP_MAGIC = b"\x1f\x8b"


def decompress_metadata(content: bytes) -> bytes:
    """The metadata JSON bytes, whether or not the transport already undid the gzip.

    One pass into a buffer sized from the gzip trailer (ISIZE, the length mod
    2**32, capped at deflate's maximum ratio), so the output is not copied
    from growing blocks. A length that disagrees (several gzip members, or a
    body over 4 GiB) falls back to the general path.
    """
    if content[:2] != GZIP_MAGIC:
        return content
    hint = min(int.from_bytes(content[-4:], "little"), 1032 * len(content)) or zlib.DEF_BUF_SIZE
    data = zlib.decompress(content, wbits=31, bufsize=hint)
    if len(data) % 2**32 != int.from_bytes(content[-4:], "little"):
        return gzip.decompress(content)
    return data


def _metadata_text(content: bytes) -> str:
    """The document as text; the decompressed bytes are freed on return, before parsing starts."""
    data = decompress_metadata(content)
    return data.decode(json.detect_encoding(data), "surrogatepass")


def read_metadata(content: bytes) -> ImageSetMetadata:
    """The typed document over the decoded JSON (the views are lazy: this costs what json.loads costs)."""
    return ImageSetMetadata(_read_json(_metadata_text(content)))


def list_image_set_versions(
    datastore_id: str,
    image_set_id: str,
    *,
    max_results: int | None,
    next_token: str | None,
) -> Call[m.ListImageSetVersionsOutput]:
    p = v.Problems("ListImageSetVersions")
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    v.max_results(p, "max_results", max_results)
    v.next_token(p, "next_token", next_token)
    p.raise_if_any()
    return Call(
        "ListImageSetVersions",
        f"/datastore/{_segment(datastore_id)}/imageSet/{_segment(image_set_id)}/listImageSetVersions",
        _query([("maxResults", max_results), ("nextToken", next_token)]),
        None,
        _read_versions,
    )


_read_versions = _reader(m.ListImageSetVersionsOutput)


def update_image_set_metadata(
    datastore_id: str,
    image_set_id: str,
    *,
    latest_version_id: int | str,
    updates: UpdatesInput | None,
    revert_to_version_id: int | str | None,
    force: bool | None,
    include_study_image_sets: bool | None,
) -> Call[m.UpdateImageSetMetadataOutput]:
    p = v.Problems("UpdateImageSetMetadata")
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "image_set_id", image_set_id)
    latest = v.version_id(p, "latest_version_id", latest_version_id)
    revert = v.version_id(p, "revert_to_version_id", revert_to_version_id, required=False)
    if (updates is None) == (revert_to_version_id is None):
        p.add("updates", "pass exactly one of updates and revert_to_version_id")
        updates = None
    elif updates is not None:
        updates = _as_dicom_updates(p, "updates", updates)
        if updates is not None:
            v.dicom_updates(p, "updates", updates)
    v.optional_bool(p, "force", force)
    v.optional_bool(p, "include_study_image_sets", include_study_image_sets)
    p.raise_if_any()
    assert latest is not None
    return Call(
        "UpdateImageSetMetadata",
        f"/datastore/{_segment(datastore_id)}/imageSet/{_segment(image_set_id)}/updateImageSetMetadata",
        _query(
            [
                ("latestVersion", latest),
                ("force", force),
                ("includeStudyImageSets", include_study_image_sets),
            ]
        ),
        _json_body(m.MetadataUpdates(dicom_updates=updates, revert_to_version_id=revert)),
        _read_update,
        guard_versions={"latest_version_id": latest},
    )


_read_update = _reader(m.UpdateImageSetMetadataOutput)

_BOTO3_UPDATES_KEYS = {"updatableAttributes": "updatable_attributes", "removableAttributes": "removable_attributes"}


def _built(p: v.Problems, path: str, build: Callable[[], T]) -> T | None:
    """What a builder builds, its problems recorded under ``path``."""
    try:
        return build()
    except errors.ParamValidationError as exc:
        for problem in exc.problems:
            p.items.append(f"{path}.{problem}")
        return None


def _as_dicom_updates(p: v.Problems, path: str, value: object) -> m.DICOMUpdates | None:
    """``updates`` as the model, whichever accepted form it came in."""
    if isinstance(value, m.DICOMUpdates):
        return value
    if isinstance(value, DICOMUpdatesBuilder):
        return _built(p, path, value.build)
    if isinstance(value, Mapping):
        fields = cast(Mapping[str, Any], value)
        unknown = sorted(set(fields) - set(_BOTO3_UPDATES_KEYS))
        if unknown:
            p.add(path, f"unknown keys {unknown}; expected updatableAttributes and/or removableAttributes")
            return None
        return m.DICOMUpdates(**{_BOTO3_UPDATES_KEYS[k]: fields[k] for k in fields})
    p.add(path, f"expected DICOMUpdates, DICOMUpdatesBuilder or a dict, got {type(value).__name__}")
    return None


def copy_image_set(
    datastore_id: str,
    source_image_set_id: str,
    *,
    source_latest_version_id: int | str,
    copiable_attributes: CopiableInput | None,
    destination_image_set_id: str | None,
    destination_latest_version_id: int | str | None,
    force: bool | None,
    promote_to_primary: bool | None,
) -> Call[m.CopyImageSetOutput]:
    p = v.Problems("CopyImageSet")
    v.identifier(p, "datastore_id", datastore_id)
    v.identifier(p, "source_image_set_id", source_image_set_id)
    source_version = v.version_id(p, "source_latest_version_id", source_latest_version_id)
    copies = None
    if isinstance(copiable_attributes, CopySubsetBuilder):
        copiable_attributes = _built(p, "copiable_attributes", copiable_attributes.build)
    if copiable_attributes is not None:
        if not isinstance(cast(object, copiable_attributes), str | Mapping):
            p.add("copiable_attributes", f"expected a dict or a JSON string, got {type(copiable_attributes).__name__}")
        else:
            copies = m.MetadataCopies(copiable_attributes=copiable_attributes)
            v.copiable_attributes(p, "copiable_attributes", copies.copiable_attributes)
    destination = None
    if destination_image_set_id is None and destination_latest_version_id is None:
        pass
    elif destination_image_set_id is None or destination_latest_version_id is None:
        p.add(
            "destination_image_set_id",
            "destination_image_set_id and destination_latest_version_id go together",
        )
    else:
        v.identifier(p, "destination_image_set_id", destination_image_set_id)
        destination_version = v.version_id(p, "destination_latest_version_id", destination_latest_version_id)
        if destination_version is not None:
            destination = m.CopyDestinationImageSet(
                image_set_id=destination_image_set_id, latest_version_id=destination_version
            )
    v.optional_bool(p, "force", force)
    v.optional_bool(p, "promote_to_primary", promote_to_primary)
    p.raise_if_any()
    assert source_version is not None
    information = m.CopyImageSetInformation(
        source_image_set=m.CopySourceImageSetInformation(latest_version_id=source_version, dicom_copies=copies),
        destination_image_set=destination,
    )
    guard = {"source_latest_version_id": source_version}
    if destination is not None:
        guard["destination_latest_version_id"] = destination.latest_version_id
    return Call(
        "CopyImageSet",
        f"/datastore/{_segment(datastore_id)}/imageSet/{_segment(source_image_set_id)}/copyImageSet",
        _query([("force", force), ("promoteToPrimary", promote_to_primary)]),
        _json_body(information),
        _read_copy,
        guard_versions=guard,
    )


_read_copy = _reader(m.CopyImageSetOutput)


# --- errors ----------------------------------------------------------------------

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
    )
}

_ERROR_BY_STATUS: dict[int, type[errors.ServiceError]] = {
    400: errors.ValidationException,
    402: errors.ServiceQuotaExceededException,
    403: errors.AccessDeniedException,
    404: errors.ResourceNotFoundException,
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


def service_error(operation: str, status: int, headers: Mapping[str, str], content: bytes) -> errors.ServiceError:
    """The typed error for a non-2xx response, whatever its body holds (JSON, HTML or nothing)."""
    body: dict[str, Any] = {}
    # An HTML page from a proxy or load balancer is no JSON: status and headers still tell.
    with contextlib.suppress(ValueError, TypeError):
        body = _read_json(content) if content else {}
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
    )
