"""The emulator's HTTP protocol core: request bytes in, response bytes out, no I/O.

It checks the SigV4 signature, routes the path, applies fault hooks, parses
and validates the request by the SDK's own rules (the shared converter and
``_validation``), asks the :class:`~._store.Store` to act, and writes the
answer as the service does: JSON bodies, gzip for metadata, and AWS-style
errors with ``x-amzn-ErrorType``, ``x-amzn-RequestId`` and a ``message``.
The httpx transport and the loopback server are thin shells around
:meth:`Protocol.handle`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import unquote

import attrs
import cattrs

from .. import models as m
from .._operations import Operation
from .._wire import validation as v
from .._wire.converter import converter
from ..errors import ExtraNotInstalledError
from . import _search as search
from ._sigv4 import parse_authorization, verify
from ._store import JSON, ServiceFault, Store, validation

T = TypeVar("T")

SERVICE = "medical-imaging"
DEFAULT_PAGE_SIZE = 50

_ROUTE = re.compile(
    r"/datastore/(?P<datastore>[^/]+)/(?:searchImageSets|imageSet/(?P<image_set>[^/]+)/(?P<op>[A-Za-z]+))"
)
_OPERATIONS = {
    "getImageSetMetadata": Operation.GET_IMAGE_SET_METADATA,
    "listImageSetVersions": Operation.LIST_IMAGE_SET_VERSIONS,
    "updateImageSetMetadata": Operation.UPDATE_IMAGE_SET_METADATA,
    "copyImageSet": Operation.COPY_IMAGE_SET,
    "getImageFrame": Operation.GET_IMAGE_FRAME,
    "getImageSet": Operation.GET_IMAGE_SET,
    "deleteImageSet": Operation.DELETE_IMAGE_SET,
}
_IMAGE_FRAME_ID = re.compile(r"[0-9a-z]{32}")


@attrs.frozen
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Seconds the shell waits before answering (a fault hook), 0 for none.
    delay: float = 0.0


@attrs.define
class Fault:
    """Fail the next ``remaining`` calls of ``operation`` (None: any operation)."""

    operation: str | None
    remaining: int
    status: int
    code: str
    message: str


@attrs.define
class Protocol:
    """Serves the image-set operations for one :class:`Store`, checking signatures for one key pair."""

    store: Store
    access_key: str
    secret_key: str
    faults: list[Fault] = attrs.field(factory=list[Fault])
    delays: dict[str | None, float] = attrs.field(factory=dict[str | None, float])
    lock: threading.RLock = attrs.field(factory=threading.RLock)
    tokens: search.TokenBook = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.tokens = search.TokenBook(self.store.rng)

    def handle(self, method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], body: bytes) -> Response:
        with self.lock:
            delay = 0.0
            try:
                operation, handler, match = self._route(method, raw_path)
                delay = self.delays.get(operation, self.delays.get(None, 0.0))
                self._authorize(method, raw_path, raw_query, headers, body)
                self._inject_fault(operation)
                self.store.settle()
                response = handler(_request(operation, match, raw_path, raw_query, body))
            except ServiceFault as fault:
                response = error_response(fault)
            return attrs.evolve(response, delay=delay)

    # --- before the operation ---------------------------------------------------------

    def _route(self, method: str, raw_path: str) -> tuple[str, Callable[[_Request], Response], re.Match[str]]:
        match = _ROUTE.fullmatch(raw_path)
        operation = (
            Operation.SEARCH_IMAGE_SETS
            if match and match["op"] is None
            else _OPERATIONS.get(match["op"] if match else "")
        )
        if match is None or operation is None:
            raise ServiceFault(404, "UnknownOperationException", "no operation at this path")
        if method != "POST":
            raise ServiceFault(405, "UnknownOperationException", "every operation is a POST")
        handlers: dict[str, Callable[[_Request], Response]] = {
            Operation.SEARCH_IMAGE_SETS: self._search,
            Operation.GET_IMAGE_SET_METADATA: self._get_metadata,
            Operation.LIST_IMAGE_SET_VERSIONS: self._list_versions,
            Operation.UPDATE_IMAGE_SET_METADATA: self._update,
            Operation.COPY_IMAGE_SET: self._copy,
            Operation.GET_IMAGE_FRAME: self._get_image_frame,
            Operation.GET_IMAGE_SET: self._get_image_set,
            Operation.DELETE_IMAGE_SET: self._delete_image_set,
        }
        return operation, handlers[operation], match

    def _authorize(self, method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], body: bytes) -> None:
        lower = {k.lower(): val for k, val in headers.items()}
        auth = parse_authorization(lower.get("authorization", ""))
        if auth is None:
            raise ServiceFault(403, "MissingAuthenticationTokenException", "a SigV4 Authorization header is required")
        if auth.service != SERVICE or auth.region != self.store.region:
            raise ServiceFault(
                403,
                "InvalidSignatureException",
                f"the credential scope must name service {SERVICE} and region {self.store.region}",
            )
        if auth.access_key != self.access_key:
            raise ServiceFault(
                403, "UnrecognizedClientException", "the security token included in the request is invalid"
            )
        problem = verify(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            secret_for=lambda key: self.secret_key if key == self.access_key else None,
        )
        if problem is not None:
            raise ServiceFault(403, "InvalidSignatureException", problem)

    def _inject_fault(self, operation: str) -> None:
        for fault in self.faults:
            if fault.operation in (None, operation) and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                raise ServiceFault(fault.status, fault.code, fault.message)

    # --- the operations --------------------------------------------------------------

    def _search(self, request: _Request) -> Response:
        criteria = _structure(_json_object(request.body or b"{}"), m.SearchCriteria)
        page_size = _page_size(request.query)
        p = v.Problems(Operation.SEARCH_IMAGE_SETS)
        v.search_filters(p, "filters", criteria.filters)
        v.sort(p, "sort", criteria.sort)
        v.next_token(p, "nextToken", request.query.get("nextToken"))
        _raise_problems(p)
        fingerprint = search.fingerprint(request.body)
        after = self._redeem(request.query.get("nextToken"), fingerprint)
        items, last, sort = self.store.search(request.datastore_id, criteria, max_results=page_size, after=after)
        output: JSON = {"imageSetsMetadataSummaries": self.store.summaries(items)}
        if criteria.sort is not None:
            output["sort"] = converter.unstructure(sort)
        if last is not None:
            output["nextToken"] = self.tokens.issue(last, fingerprint)
        return json_response(output)

    def _redeem(self, token: str | None, fingerprint: str) -> search.Key | None:
        if token is None:
            return None
        try:
            return self.tokens.redeem(token, fingerprint)
        except search.TokenError as exc:
            raise validation(str(exc)) from None

    def _get_metadata(self, request: _Request) -> Response:
        p = v.Problems(Operation.GET_IMAGE_SET_METADATA)
        version = v.version_id(p, "version", request.query.get("version"), required=False)
        _raise_problems(p)
        document = self.store.document(request.datastore_id, request.image_set_id, version)
        body = gzip.compress(json.dumps(document, separators=(",", ":")).encode(), mtime=0)
        return Response(200, _headers(**{"Content-Encoding": "gzip"}), body)

    def _list_versions(self, request: _Request) -> Response:
        page_size = _page_size(request.query)
        p = v.Problems(Operation.LIST_IMAGE_SET_VERSIONS)
        v.next_token(p, "nextToken", request.query.get("nextToken"))
        _raise_problems(p)
        fingerprint = search.fingerprint(request.raw_path.encode())
        after = self._redeem(request.query.get("nextToken"), fingerprint)
        items, last = self.store.versions(
            request.datastore_id, request.image_set_id, max_results=page_size, after=after
        )
        output: JSON = {"imageSetPropertiesList": items}
        if last is not None:
            output["nextToken"] = self.tokens.issue(last, fingerprint)
        return json_response(output)

    def _update(self, request: _Request) -> Response:
        payload = _json_object(request.body)
        updates_json = payload.get("DICOMUpdates")
        if isinstance(updates_json, dict):
            blobs = cast(dict[str, object], updates_json)
            payload["DICOMUpdates"] = {name: _blob(name, blob) for name, blob in blobs.items()}
        updates = _structure(payload, m.MetadataUpdates)
        p = v.Problems(Operation.UPDATE_IMAGE_SET_METADATA)
        latest = v.version_id(p, "latestVersion", request.query.get("latestVersion"))
        revert = v.version_id(p, "revertToVersionId", updates.revert_to_version_id, required=False)
        if (updates.dicom_updates is None) == (updates.revert_to_version_id is None):
            p.add("updateImageSetMetadataUpdates", "set exactly one of DICOMUpdates and revertToVersionId")
        elif updates.dicom_updates is not None:
            v.dicom_updates(p, "DICOMUpdates", updates.dicom_updates)
        force = _flag(p, request.query, "force")
        include_study = _flag(p, request.query, "includeStudyImageSets")
        _raise_problems(p)
        assert latest is not None
        dicom = updates.dicom_updates
        documents = None
        if dicom is not None:
            documents = (_document(dicom.updatable_attributes), _document(dicom.removable_attributes))
        output = self.store.update(
            request.datastore_id,
            request.image_set_id,
            latest_version=latest,
            updates=documents,
            revert_to=revert,
            force=force,
            include_study=include_study,
        )
        return json_response(output)

    def _copy(self, request: _Request) -> Response:
        information = _structure(_json_object(request.body), m.CopyImageSetInformation)
        p = v.Problems(Operation.COPY_IMAGE_SET)
        v.version_id(p, "sourceImageSet.latestVersionId", information.source_image_set.latest_version_id)
        copies = information.source_image_set.dicom_copies
        if copies is not None:
            v.copiable_attributes(p, "sourceImageSet.DICOMCopies.copiableAttributes", copies.copiable_attributes)
        destination = information.destination_image_set
        if destination is not None:
            v.identifier(p, "destinationImageSet.imageSetId", destination.image_set_id)
            v.version_id(p, "destinationImageSet.latestVersionId", destination.latest_version_id)
        force = _flag(p, request.query, "force")
        promote = _flag(p, request.query, "promoteToPrimary")
        _raise_problems(p)
        selection = None if copies is None else _document(copies.copiable_attributes.encode())
        output = self.store.copy(
            request.datastore_id, request.image_set_id, information, selection, force=force, promote_to_primary=promote
        )
        return json_response(output)

    def _get_image_frame(self, request: _Request) -> Response:
        frame_id = _json_object(request.body).get("imageFrameId")
        if not isinstance(frame_id, str) or not _IMAGE_FRAME_ID.fullmatch(frame_id):
            raise validation("imageFrameId must be 32 lower-case letters and digits")
        self.store.frame_of(request.datastore_id, request.image_set_id, frame_id)
        try:
            codestream, content_type = self.store.frames.codestream(frame_id)
        except ExtraNotInstalledError as exc:
            raise ServiceFault(501, "NotImplemented", str(exc)) from None
        return Response(200, _headers(**{"Content-Type": content_type}), codestream)

    def _get_image_set(self, request: _Request) -> Response:
        p = v.Problems(Operation.GET_IMAGE_SET)
        version = v.version_id(p, "version", request.query.get("version"), required=False)
        _raise_problems(p)
        return json_response(self.store.image_set(request.datastore_id, request.image_set_id, version))

    def _delete_image_set(self, request: _Request) -> Response:
        return json_response(self.store.delete(request.datastore_id, request.image_set_id))


@attrs.frozen
class _Request:
    datastore_id: str
    image_set_id: str
    raw_path: str
    query: dict[str, str]
    body: bytes


# --- reading requests -------------------------------------------------------------------


def _request(operation: str, match: re.Match[str], raw_path: str, raw_query: str, body: bytes) -> _Request:
    """The request's parts, with the ids in its path checked as the SDK checks them."""
    p = v.Problems(operation)
    datastore_id = v.identifier(p, "datastoreId", unquote(match["datastore"]))
    image_set_id = v.identifier(p, "imageSetId", unquote(match["image_set"])) if match["image_set"] else ""
    _raise_problems(p)
    return _Request(datastore_id, image_set_id, raw_path, _query(raw_query), body)


def _query(raw_query: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in raw_query.split("&") if part)
    return {unquote(name): unquote(value) for name, _, value in pairs}


def _raise_problems(p: v.Problems) -> None:
    if p.items:
        raise validation("; ".join(p.items))


def _json_object(body: bytes) -> JSON:
    try:
        document: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise validation("the request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise validation("the request body must be a JSON object")
    return document  # pyright: ignore[reportUnknownVariableType]


def _structure(document: JSON, cls: type[T]) -> T:
    """The request model, by the SDK's own converter; problems name paths, never values."""
    try:
        return converter.structure(document, cls)
    except cattrs.BaseValidationError as exc:
        raise validation("; ".join(cattrs.transform_error(exc, path="$"))) from None
    except (TypeError, ValueError) as exc:
        raise validation(f"the request body does not match the model ({type(exc).__name__})") from None


def _blob(name: str, value: object) -> object:
    """A blob member as bytes: the converter writes base64 but leaves reading it to the service."""
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise validation(f"DICOMUpdates.{name} must be base64") from None


def _document(blob: bytes | None) -> JSON | None:
    return None if blob is None else _json_object(blob)


def _page_size(query: Mapping[str, str]) -> int:
    text = query.get("maxResults")
    if text is None:
        return DEFAULT_PAGE_SIZE
    p = v.Problems("")
    v.max_results(p, "maxResults", int(text) if text.isdigit() else text)
    _raise_problems(p)
    return int(text)


def _flag(p: v.Problems, query: Mapping[str, str], name: str) -> bool:
    text = query.get(name)
    if text is not None and text not in ("true", "false"):
        p.add(name, "must be true or false")
    return text == "true"


# --- writing responses ------------------------------------------------------------------


def _headers(**extra: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4()), **extra}


def json_response(output: Mapping[str, Any]) -> Response:
    return Response(200, _headers(), json.dumps(output, separators=(",", ":")).encode())


def error_response(fault: ServiceFault) -> Response:
    error_type = f"{fault.code}:http://internal.amazon.com/coral/com.amazonaws.medicalimaging/"
    return Response(
        fault.status, _headers(**{"x-amzn-ErrorType": error_type}), json.dumps({"message": fault.message}).encode()
    )
