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

import re
import threading
from collections.abc import Mapping

import attrs

from .._operations import Operation
from . import _search as search
from ._datastore_handlers import HANDLERS as DATASTORE_HANDLERS
from ._datastores import Datastores
from ._faults import ServiceFault
from ._frame_handlers import HANDLERS as FRAME_HANDLERS
from ._image_set_handlers import HANDLERS as IMAGE_SET_HANDLERS
from ._import_job_handlers import HANDLERS as IMPORT_JOB_HANDLERS
from ._imports import ImportJobs
from ._requests import Handler, read_request
from ._responses import Response, error_response
from ._sigv4 import parse_authorization, verify
from ._store import Store
from ._tag_handlers import HANDLERS as TAG_HANDLERS

SERVICE = "medical-imaging"

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


_IMAGE_SET_HANDLERS = IMAGE_SET_HANDLERS | FRAME_HANDLERS
_RESOURCE_HANDLERS = DATASTORE_HANDLERS | IMPORT_JOB_HANDLERS | TAG_HANDLERS


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
                response = handler(self, read_request(operation, match, raw_path, raw_query, body))
            except ServiceFault as fault:
                response = error_response(fault)
            return attrs.evolve(response, delay=delay)

    # --- before the operation ---------------------------------------------------------

    def _route(self, method: str, raw_path: str) -> tuple[str, Handler, re.Match[str]]:
        match = _ROUTE.fullmatch(raw_path)
        if match is None:
            return self._resource_route(method, raw_path)
        operation = Operation.SEARCH_IMAGE_SETS if match["op"] is None else _OPERATIONS.get(match["op"])
        if operation is None:
            raise ServiceFault(404, "UnknownOperationException", "no operation at this path")
        if method != "POST":
            raise ServiceFault(405, "UnknownOperationException", "every image-set operation is a POST")
        return operation, _IMAGE_SET_HANDLERS[operation], match

    def _resource_route(self, method: str, raw_path: str) -> tuple[str, Handler, re.Match[str]]:
        """The datastore, import-job and tag operation at this path for this method."""
        at_path = [(m, match, op) for m, pattern, op in _RESOURCE_ROUTES if (match := pattern.fullmatch(raw_path))]
        if not at_path:
            raise ServiceFault(404, "UnknownOperationException", "no operation at this path")
        for route_method, match, operation in at_path:
            if route_method == method:
                return operation, _RESOURCE_HANDLERS[operation], match
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
