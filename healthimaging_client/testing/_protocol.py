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
from .._wire import resource_rules as r
from .._wire import validation as v
from .._wire.converter import converter
from ..errors import ExtraNotInstalledError
from . import _search as search
from ._datastores import Datastores
from ._imports import ImportJobs
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

# Datastores, import jobs and tags: (method, path, operation); a path can serve several methods.
_LABEL = "[^/]+"
_RESOURCE_ROUTES: list[tuple[str, re.Pattern[str], Operation]] = [
    (method, re.compile(path.format(label=_LABEL)), operation)
    for method, path, operation in (
        ("POST", "/datastore", Operation.CREATE_DATASTORE),
        ("GET", "/datastore", Operation.LIST_DATASTORES),
        ("GET", "/datastore/(?P<datastore>{label})", Operation.GET_DATASTORE),
        ("DELETE", "/datastore/(?P<datastore>{label})", Operation.DELETE_DATASTORE),
        ("POST", "/startDICOMImportJob/datastore/(?P<datastore>{label})", Operation.START_DICOM_IMPORT_JOB),
        (
            "GET",
            "/getDICOMImportJob/datastore/(?P<datastore>{label})/job/(?P<job>{label})",
            Operation.GET_DICOM_IMPORT_JOB,
        ),
        ("GET", "/listDICOMImportJobs/datastore/(?P<datastore>{label})", Operation.LIST_DICOM_IMPORT_JOBS),
        ("POST", "/tags/(?P<arn>{label})", Operation.TAG_RESOURCE),
        ("DELETE", "/tags/(?P<arn>{label})", Operation.UNTAG_RESOURCE),
        ("GET", "/tags/(?P<arn>{label})", Operation.LIST_TAGS_FOR_RESOURCE),
    )
]


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
    """Serves the operations, checking signatures for one key pair.

    ``store`` holds the emulator's own datastore's image sets; ``datastores``
    every datastore (that one included) and ``imports`` the import jobs.
    """

    store: Store
    access_key: str
    secret_key: str
    faults: list[Fault] = attrs.field(factory=list[Fault])
    delays: dict[str | None, float] = attrs.field(factory=dict[str | None, float])
    lock: threading.RLock = attrs.field(factory=threading.RLock)
    tokens: search.TokenBook = attrs.field(init=False)
    datastores: Datastores = attrs.field(kw_only=True)
    imports: ImportJobs = attrs.field(kw_only=True)

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
                self.datastores.settle()
                self.imports.settle()
                response = handler(_request(operation, match, raw_path, raw_query, body))
            except ServiceFault as fault:
                response = error_response(fault)
            return attrs.evolve(response, delay=delay)

    # --- before the operation ---------------------------------------------------------

    def _route(self, method: str, raw_path: str) -> tuple[str, Callable[[_Request], Response], re.Match[str]]:
        match = _ROUTE.fullmatch(raw_path)
        if match is None:
            return self._resource_route(method, raw_path)
        operation = Operation.SEARCH_IMAGE_SETS if match["op"] is None else _OPERATIONS.get(match["op"])
        if operation is None:
            raise ServiceFault(404, "UnknownOperationException", "no operation at this path")
        if method != "POST":
            raise ServiceFault(405, "UnknownOperationException", "every image-set operation is a POST")
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

    def _resource_route(self, method: str, raw_path: str) -> tuple[str, Callable[[_Request], Response], re.Match[str]]:
        """The datastore, import-job and tag operation at this path for this method."""
        at_path = [(m, match, op) for m, pattern, op in _RESOURCE_ROUTES if (match := pattern.fullmatch(raw_path))]
        if not at_path:
            raise ServiceFault(404, "UnknownOperationException", "no operation at this path")
        handlers: dict[str, Callable[[_Request], Response]] = {
            Operation.CREATE_DATASTORE: self._create_datastore,
            Operation.GET_DATASTORE: self._get_datastore,
            Operation.LIST_DATASTORES: self._list_datastores,
            Operation.DELETE_DATASTORE: self._delete_datastore,
            Operation.START_DICOM_IMPORT_JOB: self._start_import_job,
            Operation.GET_DICOM_IMPORT_JOB: self._get_import_job,
            Operation.LIST_DICOM_IMPORT_JOBS: self._list_import_jobs,
            Operation.TAG_RESOURCE: self._tag_resource,
            Operation.UNTAG_RESOURCE: self._untag_resource,
            Operation.LIST_TAGS_FOR_RESOURCE: self._list_tags,
        }
        for route_method, match, operation in at_path:
            if route_method == method:
                return operation, handlers[operation], match
        allowed = ", ".join(m for m, _, _ in at_path)
        raise ServiceFault(405, "UnknownOperationException", f"this path takes {allowed}")

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

    def _store(self, request: _Request) -> Store:
        """The image sets of the request's datastore, which must be ACTIVE."""
        return self.datastores.image_sets(request.datastore_id)

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
        store = self._store(request)
        items, last, sort = store.search(request.datastore_id, criteria, max_results=page_size, after=after)
        output: JSON = {"imageSetsMetadataSummaries": store.summaries(items)}
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
        document = self._store(request).document(request.datastore_id, request.image_set_id, version)
        body = gzip.compress(json.dumps(document, separators=(",", ":")).encode(), mtime=0)
        return Response(200, _headers(**{"Content-Encoding": "gzip"}), body)

    def _list_versions(self, request: _Request) -> Response:
        page_size = _page_size(request.query)
        p = v.Problems(Operation.LIST_IMAGE_SET_VERSIONS)
        v.next_token(p, "nextToken", request.query.get("nextToken"))
        _raise_problems(p)
        fingerprint = search.fingerprint(request.raw_path.encode())
        after = self._redeem(request.query.get("nextToken"), fingerprint)
        items, last = self._store(request).versions(
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
        output = self._store(request).update(
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
        output = self._store(request).copy(
            request.datastore_id, request.image_set_id, information, selection, force=force, promote_to_primary=promote
        )
        return json_response(output)

    def _get_image_frame(self, request: _Request) -> Response:
        frame_id = _json_object(request.body).get("imageFrameId")
        if not isinstance(frame_id, str) or not _IMAGE_FRAME_ID.fullmatch(frame_id):
            raise validation("imageFrameId must be 32 lower-case letters and digits")
        self._store(request).frame_of(request.datastore_id, request.image_set_id, frame_id)
        try:
            codestream, content_type = self._store(request).frames.codestream(frame_id)
        except ExtraNotInstalledError as exc:
            raise ServiceFault(501, "NotImplemented", str(exc)) from None
        return Response(200, _headers(**{"Content-Type": content_type}), codestream)

    def _get_image_set(self, request: _Request) -> Response:
        p = v.Problems(Operation.GET_IMAGE_SET)
        version = v.version_id(p, "version", request.query.get("version"), required=False)
        _raise_problems(p)
        return json_response(self._store(request).image_set(request.datastore_id, request.image_set_id, version))

    def _delete_image_set(self, request: _Request) -> Response:
        return json_response(self._store(request).delete(request.datastore_id, request.image_set_id))

    # --- datastores, import jobs and tags ------------------------------------------------

    def _create_datastore(self, request: _Request) -> Response:
        body = _json_object(request.body or b"{}")
        p = v.Problems(Operation.CREATE_DATASTORE)
        name = r.DATASTORE_NAME.check(p, "datastoreName", body.get("datastoreName"), required=False)
        token = r.CLIENT_TOKEN.check(p, "clientToken", body.get("clientToken"))
        r.tags(p, "tags", body.get("tags"), required=False)
        kms = r.KMS_KEY_ARN.check(p, "kmsKeyArn", body.get("kmsKeyArn"), required=False)
        authorizer = r.LAMBDA_ARN.check(p, "lambdaAuthorizerArn", body.get("lambdaAuthorizerArn"), required=False)
        storage_format = body.get("losslessStorageFormat")
        if storage_format is not None:
            v.enum_value(p, "losslessStorageFormat", storage_format, m.LosslessStorageFormat)
        _raise_problems(p)
        assert token is not None
        created = self.datastores.create(
            name=name,
            client_token=token,
            tags=body.get("tags"),
            kms_key_arn=kms,
            lambda_authorizer_arn=authorizer,
            lossless_storage_format=storage_format,
        )
        return json_response(created)

    def _get_datastore(self, request: _Request) -> Response:
        return json_response({"datastoreProperties": self.datastores.properties(request.datastore_id)})

    def _list_datastores(self, request: _Request) -> Response:
        status = request.query.get("datastoreStatus")
        p = v.Problems(Operation.LIST_DATASTORES)
        r.optional_enum(p, "datastoreStatus", status, m.DatastoreStatus)
        return self._list(
            request,
            p,
            f"datastores?{status}",
            "datastoreSummaries",
            lambda size, after: self.datastores.list(status, max_results=size, after=after),
        )

    def _delete_datastore(self, request: _Request) -> Response:
        return json_response(self.datastores.delete(request.datastore_id))

    def _start_import_job(self, request: _Request) -> Response:
        body = _json_object(request.body)
        p = v.Problems(Operation.START_DICOM_IMPORT_JOB)
        r.ROLE_ARN.check(p, "dataAccessRoleArn", body.get("dataAccessRoleArn"))
        r.CLIENT_TOKEN.check(p, "clientToken", body.get("clientToken"))
        r.S3_URI.check(p, "inputS3Uri", body.get("inputS3Uri"))
        r.S3_URI.check(p, "outputS3Uri", body.get("outputS3Uri"))
        r.JOB_NAME.check(p, "jobName", body.get("jobName"), required=False)
        r.ACCOUNT_ID.check(p, "inputOwnerAccountId", body.get("inputOwnerAccountId"), required=False)
        configuration = body.get("importConfiguration")
        if configuration is not None:
            if not isinstance(configuration, dict):
                raise validation("importConfiguration must be a JSON object")
            structured = _structure(cast(JSON, configuration), m.ImportConfiguration)
            r.import_configuration(p, "importConfiguration", structured)
        _raise_problems(p)
        return json_response(self.imports.start(request.datastore_id, body))

    def _get_import_job(self, request: _Request) -> Response:
        p = v.Problems(Operation.GET_DICOM_IMPORT_JOB)
        job_id = r.JOB_ID.check(p, "jobId", request.labels["job"])
        _raise_problems(p)
        assert job_id is not None
        job = self.imports.get(request.datastore_id, job_id)
        return json_response({"jobProperties": self.imports.properties(job)})

    def _list_import_jobs(self, request: _Request) -> Response:
        status = request.query.get("jobStatus")
        p = v.Problems(Operation.LIST_DICOM_IMPORT_JOBS)
        r.optional_enum(p, "jobStatus", status, m.JobStatus)
        return self._list(
            request,
            p,
            f"jobs/{request.datastore_id}?{status}",
            "jobSummaries",
            lambda size, after: self.imports.list(request.datastore_id, status, max_results=size, after=after),
        )

    def _list(
        self,
        request: _Request,
        p: v.Problems,
        listing: str,
        member: str,
        page: Callable[[int, search.Key | None], tuple[list[JSON], search.Key | None]],
    ) -> Response:
        """One page of a listing, its next token bound to the listing and its filter."""
        page_size = _page_size(request.query)
        v.next_token(p, "nextToken", request.query.get("nextToken"))
        _raise_problems(p)
        fingerprint = search.fingerprint(listing.encode())
        items, last = page(page_size, self._redeem(request.query.get("nextToken"), fingerprint))
        output: JSON = {member: items}
        if last is not None:
            output["nextToken"] = self.tokens.issue(last, fingerprint)
        return json_response(output)

    def _resource_arn(self, request: _Request, operation: str) -> str:
        p = v.Problems(operation)
        arn = r.RESOURCE_ARN.check(p, "resourceArn", request.labels["arn"])
        _raise_problems(p)
        assert arn is not None
        return arn

    def _tag_resource(self, request: _Request) -> Response:
        arn = self._resource_arn(request, Operation.TAG_RESOURCE)
        body = _json_object(request.body)
        p = v.Problems(Operation.TAG_RESOURCE)
        r.tags(p, "tags", body.get("tags"), required=True)
        _raise_problems(p)
        self.datastores.tag(arn, body["tags"])
        return json_response({})

    def _untag_resource(self, request: _Request) -> Response:
        arn = self._resource_arn(request, Operation.UNTAG_RESOURCE)
        p = v.Problems(Operation.UNTAG_RESOURCE)
        keys = r.tag_keys(p, "tagKeys", [value for name, value in request.pairs if name == "tagKeys"])
        _raise_problems(p)
        self.datastores.untag(arn, keys)
        return json_response({})

    def _list_tags(self, request: _Request) -> Response:
        arn = self._resource_arn(request, Operation.LIST_TAGS_FOR_RESOURCE)
        return json_response({"tags": self.datastores.tags_of(arn)})


@attrs.frozen
class _Request:
    datastore_id: str
    image_set_id: str
    raw_path: str
    query: dict[str, str]
    body: bytes
    #: The other labels of the path (a job id, a resource ARN), decoded.
    labels: dict[str, str] = attrs.field(factory=dict[str, str])
    #: Every name=value pair of the query, decoded (a name can repeat).
    pairs: list[tuple[str, str]] = attrs.field(factory=list[tuple[str, str]])


# --- reading requests -------------------------------------------------------------------


def _request(operation: str, match: re.Match[str], raw_path: str, raw_query: str, body: bytes) -> _Request:
    """The request's parts, with the ids in its path checked as the SDK checks them."""
    p = v.Problems(operation)
    labels = {name: unquote(value) for name, value in match.groupdict().items() if value is not None}
    datastore_id = v.identifier(p, "datastoreId", labels.pop("datastore")) if "datastore" in labels else ""
    image_set_id = v.identifier(p, "imageSetId", labels.pop("image_set")) if "image_set" in labels else ""
    _raise_problems(p)
    pairs = _pairs(raw_query)
    return _Request(datastore_id, image_set_id, raw_path, dict(pairs), body, labels, pairs)


def _pairs(raw_query: str) -> list[tuple[str, str]]:
    return [(unquote(name), unquote(value)) for name, _, value in (p.partition("=") for p in raw_query.split("&") if p)]


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
