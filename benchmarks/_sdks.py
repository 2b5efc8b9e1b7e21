"""The same workload written once per SDK and floor: a client, the calls, pagination, async calls.

Imports happen inside the functions, so a cold-start process loads only the SDK it measures.
Every variant gets the same fake credentials, the same loopback endpoint and the same inputs
(``_inputs``). For boto3, aioboto3, capo and the floors the workload also decompresses and
parses the metadata document, because our SDK returns it parsed (that is the work a user of
those SDKs has to add). ``summary`` reduces each variant's result to what ``_responses`` sent,
so a variant that parses nothing, or the wrong thing, is caught.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ._inputs import (
    ACCESS_KEY,
    COPIABLE,
    DATASTORE_ID,
    DESTINATION_ID,
    IMAGE_SET_ID,
    LARGE_IMAGE_SET_ID,
    LATEST_VERSION,
    PAGINATION_PAGE,
    PATIENT_ID,
    REGION,
    SEARCH_BODY,
    SEARCH_CALL_PAGE,
    SECRET_KEY,
    SERVICE,
    UPDATES,
)

Ops = dict[str, Callable[[], object]]
AsyncOps = dict[str, Callable[[], Awaitable[object]]]
#: Image set read by each metadata row.
METADATA_ROWS = {"GetImageSetMetadata 3 KB": IMAGE_SET_ID, "GetImageSetMetadata 18 KB": LARGE_IMAGE_SET_ID}


def _parse_metadata(blob: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)  # type: ignore[no-any-return]


def _boto_config(**kwargs: Any) -> Any:
    from botocore.config import Config

    return Config(inject_host_prefix=False, retries={"max_attempts": 3, "mode": "standard"}, **kwargs)


def _get(mapping: Any, *names: str) -> Any:
    """A field by the first of ``names`` it has, from a dict or an object (the SDKs' outputs differ)."""
    for name in names:
        if isinstance(mapping, dict) and name in mapping:
            return mapping[name]
        if not isinstance(mapping, dict) and hasattr(mapping, name):
            return getattr(mapping, name)
    raise KeyError(names)


def summary(call: str, result: Any) -> tuple[object, ...]:
    """What a call's result says, in a form all variants share (see ``_responses.expected_summary``)."""
    if call.startswith("GetImageSetMetadata"):
        if hasattr(result, "to_dict"):  # our typed tree
            document = result.to_dict()
        elif isinstance(result, bytes):  # floor C: the body as sent
            return ("bytes", len(result))
        else:
            document = result
        series = next(iter(document["Study"]["Series"].values()))
        return (document["ImageSetID"], len(series["Instances"]))
    if isinstance(result, bytes):
        return ("bytes", len(result))
    if call == "SearchImageSets":
        items = _get(result, "image_sets_metadata_summaries", "imageSetsMetadataSummaries")
        return tuple(_get(item, "image_set_id", "imageSetId") for item in items)
    if call == "ListImageSetVersions":
        items = _get(result, "image_set_properties_list", "imageSetPropertiesList")
        return tuple(str(_get(item, "version_id", "versionId")) for item in items)
    if call == "UpdateImageSetMetadata":
        return (str(_get(result, "latest_version_id", "latestVersionId")),)
    destination = _get(result, "destination_image_set_properties", "destinationImageSetProperties")
    return (_get(destination, "image_set_id", "imageSetId"),)


# --- healthimaging-client -------------------------------------------------------


def ours_client(endpoint: str) -> Any:
    import healthimaging_client as hic

    return hic.Client(
        region_name=REGION, endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )


def _ours_filters() -> Any:
    import healthimaging_client as hic

    return [hic.SearchFilter(values=[hic.SearchByAttributeValue(dicom_patient_id=PATIENT_ID)], operator="EQUAL")]


def ours_ops(client: Any) -> Ops:
    import healthimaging_client as hic

    filters = _ours_filters()
    updates = hic.DICOMUpdates(updatable_attributes=UPDATES)
    ops: Ops = {
        "SearchImageSets": lambda: client.search_image_sets(
            DATASTORE_ID, filters=filters, max_results=SEARCH_CALL_PAGE
        ),
        "ListImageSetVersions": lambda: client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID),
        "UpdateImageSetMetadata": lambda: client.update_image_set_metadata(
            DATASTORE_ID, IMAGE_SET_ID, latest_version_id=LATEST_VERSION, updates=updates
        ),
        "CopyImageSet": lambda: client.copy_image_set(
            DATASTORE_ID,
            IMAGE_SET_ID,
            source_latest_version_id=LATEST_VERSION,
            copiable_attributes=COPIABLE,
            destination_image_set_id=DESTINATION_ID,
            destination_latest_version_id="1",
        ),
    }
    for row, image_set in METADATA_ROWS.items():
        ops[row] = lambda image_set=image_set: client.get_image_set_metadata(DATASTORE_ID, image_set)
    return ops


def ours_paginate(client: Any) -> int:
    items = client.iter_image_sets(DATASTORE_ID, filters=_ours_filters(), page_size=PAGINATION_PAGE)
    return sum(1 for _ in items)


def ours_async_client(endpoint: str, pool: int) -> Any:
    import httpx

    import healthimaging_client as hic

    return hic.AsyncClient(
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
    )


def ours_async_ops(client: Any) -> AsyncOps:
    filters = _ours_filters()
    ops: AsyncOps = {
        "SearchImageSets": lambda: client.search_image_sets(
            DATASTORE_ID, filters=filters, max_results=SEARCH_CALL_PAGE
        ),
    }
    for row, image_set in METADATA_ROWS.items():
        ops[row] = lambda image_set=image_set: client.get_image_set_metadata(DATASTORE_ID, image_set)
    return ops


# --- boto3 ------------------------------------------------------------------------


def boto3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        SERVICE,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=_boto_config(),
    )


def boto3_ops(client: Any) -> Ops:
    def get_metadata(image_set: str) -> object:
        response = client.get_image_set_metadata(datastoreId=DATASTORE_ID, imageSetId=image_set)
        return _parse_metadata(response["imageSetMetadataBlob"].read())

    ops: Ops = {
        "SearchImageSets": lambda: client.search_image_sets(
            datastoreId=DATASTORE_ID, searchCriteria=SEARCH_BODY, maxResults=SEARCH_CALL_PAGE
        ),
        "ListImageSetVersions": lambda: client.list_image_set_versions(
            datastoreId=DATASTORE_ID, imageSetId=IMAGE_SET_ID
        ),
        "UpdateImageSetMetadata": lambda: client.update_image_set_metadata(
            datastoreId=DATASTORE_ID,
            imageSetId=IMAGE_SET_ID,
            latestVersionId=LATEST_VERSION,
            updateImageSetMetadataUpdates={"DICOMUpdates": {"updatableAttributes": json.dumps(UPDATES).encode()}},
        ),
        "CopyImageSet": lambda: client.copy_image_set(
            datastoreId=DATASTORE_ID,
            sourceImageSetId=IMAGE_SET_ID,
            copyImageSetInformation={
                "sourceImageSet": {
                    "latestVersionId": LATEST_VERSION,
                    "DICOMCopies": {"copiableAttributes": json.dumps(COPIABLE)},
                },
                "destinationImageSet": {"imageSetId": DESTINATION_ID, "latestVersionId": "1"},
            },
        ),
    }
    for row, image_set in METADATA_ROWS.items():
        ops[row] = lambda image_set=image_set: get_metadata(image_set)
    return ops


def boto3_paginate(client: Any) -> int:
    paginator = client.get_paginator("search_image_sets")
    pages = paginator.paginate(
        datastoreId=DATASTORE_ID, searchCriteria=SEARCH_BODY, PaginationConfig={"PageSize": PAGINATION_PAGE}
    )
    return sum(1 for page in pages for _ in page["imageSetsMetadataSummaries"])


# --- aioboto3 -----------------------------------------------------------------------


class Aioboto3Client:
    """aioboto3's client is an async context manager made from a session."""

    def __init__(self, endpoint: str, pool: int) -> None:
        import aioboto3

        self._cm = aioboto3.Session().client(
            SERVICE,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=_boto_config(max_pool_connections=pool),
        )
        self.client: Any = None

    async def __aenter__(self) -> Any:
        self.client = await self._cm.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._cm.__aexit__(None, None, None)


def aioboto3_async_ops(wrapper: Aioboto3Client) -> AsyncOps:
    client = wrapper.client

    async def get_metadata(image_set: str) -> object:
        response = await client.get_image_set_metadata(datastoreId=DATASTORE_ID, imageSetId=image_set)
        async with response["imageSetMetadataBlob"] as stream:
            return _parse_metadata(await stream.read())

    ops: AsyncOps = {
        "SearchImageSets": lambda: client.search_image_sets(
            datastoreId=DATASTORE_ID, searchCriteria=SEARCH_BODY, maxResults=SEARCH_CALL_PAGE
        ),
    }
    for row, image_set in METADATA_ROWS.items():
        ops[row] = lambda image_set=image_set: get_metadata(image_set)
    return ops


# --- capo-medical-imaging --------------------------------------------------------------


def capo_client(endpoint: str) -> Any:
    import capo_medical_imaging as capo

    return capo.MedicalImagingClient(
        region=REGION, endpoint=endpoint, credentials={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
    )


def capo_ops(client: Any) -> Ops:
    updates = {"DICOMUpdates": {"updatable_attributes": json.dumps(UPDATES).encode()}}
    copy_info = {
        "source_image_set": {
            "latest_version_id": LATEST_VERSION,
            "dicom_copies": {"copiable_attributes": json.dumps(COPIABLE)},
        },
        "destination_image_set": {"image_set_id": DESTINATION_ID, "latest_version_id": "1"},
    }

    def get_metadata(image_set: str) -> object:
        with client.get_image_set_metadata(DATASTORE_ID, image_set) as output:
            return _parse_metadata(b"".join(output["image_set_metadata_blob"]))

    ops: Ops = {
        "SearchImageSets": lambda: client.search_image_sets(
            DATASTORE_ID, search_criteria=SEARCH_BODY, max_results=SEARCH_CALL_PAGE
        ),
        "ListImageSetVersions": lambda: client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID),
        "UpdateImageSetMetadata": lambda: client.update_image_set_metadata(
            DATASTORE_ID, IMAGE_SET_ID, LATEST_VERSION, updates
        ),
        "CopyImageSet": lambda: client.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, copy_info),
    }
    for row, image_set in METADATA_ROWS.items():
        ops[row] = lambda image_set=image_set: get_metadata(image_set)
    return ops


def capo_paginate(client: Any) -> int:
    items = client.iter_search_image_sets(DATASTORE_ID, search_criteria=SEARCH_BODY, max_results=PAGINATION_PAGE)
    return sum(1 for _ in items)


def capo_async_client(endpoint: str, pool: int) -> Any:
    import capo_medical_imaging as capo
    import zapros

    handler = zapros.AsyncStdNetworkHandler(
        http1={"max_connections_per_host": pool, "max_idle_connections_per_host": pool}
    )
    return capo.AsyncMedicalImagingClient(
        http_handler=handler,
        region=REGION,
        endpoint=endpoint,
        credentials={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY},
    )


def capo_async_ops(client: Any) -> AsyncOps:
    async def get_metadata(image_set: str) -> object:
        async with client.get_image_set_metadata(DATASTORE_ID, image_set) as output:
            return _parse_metadata(b"".join([chunk async for chunk in output["image_set_metadata_blob"]]))

    ops: AsyncOps = {
        "SearchImageSets": lambda: client.search_image_sets(
            DATASTORE_ID, search_criteria=SEARCH_BODY, max_results=SEARCH_CALL_PAGE
        ),
    }
    for row, image_set in METADATA_ROWS.items():
        ops[row] = lambda image_set=image_set: get_metadata(image_set)
    return ops


# --- the floors: this stack with nothing on top -------------------------------------


def _requests() -> dict[str, tuple[str, str, bytes]]:
    """Each row's (path, query, body) as the wire has them: what the floors send."""
    import base64

    image_set = f"/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}"
    update = {"DICOMUpdates": {"updatableAttributes": base64.b64encode(json.dumps(UPDATES).encode()).decode()}}
    copy = {
        "sourceImageSet": {
            "latestVersionId": LATEST_VERSION,
            "DICOMCopies": {"copiableAttributes": json.dumps(COPIABLE)},
        },
        "destinationImageSet": {"imageSetId": DESTINATION_ID, "latestVersionId": "1"},
    }
    requests = {
        "SearchImageSets": (
            f"/datastore/{DATASTORE_ID}/searchImageSets",
            f"maxResults={SEARCH_CALL_PAGE}",
            json.dumps(SEARCH_BODY).encode(),
        ),
        "ListImageSetVersions": (f"{image_set}/listImageSetVersions", "", b""),
        "UpdateImageSetMetadata": (
            f"{image_set}/updateImageSetMetadata",
            f"latestVersion={LATEST_VERSION}",
            json.dumps(update).encode(),
        ),
        "CopyImageSet": (f"{image_set}/copyImageSet", "", json.dumps(copy).encode()),
    }
    for row, image_set_id in METADATA_ROWS.items():
        requests[row] = (f"/datastore/{DATASTORE_ID}/imageSet/{image_set_id}/getImageSetMetadata", "", b"")
    return requests


class _Signed:
    """botocore's SigV4, used as plainly as it allows: one signer, a fresh AWSRequest per call."""

    def __init__(self, endpoint: str) -> None:
        from botocore.auth import SigV4Auth
        from botocore.credentials import ReadOnlyCredentials

        self.endpoint = endpoint
        self._signer = SigV4Auth(ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, None), SERVICE, REGION)

    def headers(self, url: str, body: bytes) -> dict[str, str]:
        from botocore.awsrequest import AWSRequest

        headers = {"Content-Type": "application/json"} if body else {}
        request = AWSRequest(method="POST", url=url, headers=headers, data=body)
        self._signer.add_auth(request)
        headers["X-Amz-Date"] = request.headers["X-Amz-Date"]
        headers["Authorization"] = request.headers["Authorization"]
        return headers


def _paginate_floor(call: Callable[[str, str, bytes], Any]) -> int:
    from urllib.parse import quote

    body = json.dumps(SEARCH_BODY).encode()
    path = f"/datastore/{DATASTORE_ID}/searchImageSets"
    count, token = 0, None
    while True:
        query = f"maxResults={PAGINATION_PAGE}" + (f"&nextToken={quote(token, safe='')}" if token else "")
        page = call(path, query, body)
        count += len(page["imageSetsMetadataSummaries"])
        token = page.get("nextToken")
        if not token:
            return count


class FloorHttpx(_Signed):
    """Floor A: httpx.Client + botocore SigV4 + json.loads; no validation, models or retries."""

    def __init__(self, endpoint: str) -> None:
        import httpx

        super().__init__(endpoint)
        self._httpx = httpx
        self._http = httpx.Client()

    def call(self, path: str, query: str, body: bytes) -> Any:
        url = f"{self.endpoint}{path}" + (f"?{query}" if query else "")
        request = self._httpx.Request("POST", url, headers=self.headers(url, body), content=body)
        return json.loads(self._http.send(request).content)  # httpx undoes the gzip


class FloorHttpClient(_Signed):
    """Floor B: the standard library's http.client + botocore SigV4 + json.loads."""

    def __init__(self, endpoint: str) -> None:
        import http.client
        from urllib.parse import urlsplit

        super().__init__(endpoint)
        parts = urlsplit(endpoint)
        self._connection = http.client.HTTPConnection(parts.hostname or "", parts.port)

    def call(self, path: str, query: str, body: bytes) -> Any:
        target = path + (f"?{query}" if query else "")
        self._connection.request("POST", target, body=body, headers=self.headers(self.endpoint + target, body))
        response = self._connection.getresponse()
        return _parse_metadata(response.read())


class FloorSocket:
    """Floor C: a bare socket round trip of prebuilt request bytes (signed again each minute), no parsing."""

    def __init__(self, endpoint: str) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(endpoint)
        self._signed = _Signed(endpoint)
        self._socket = socket.create_connection((parts.hostname, parts.port))
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._host = parts.netloc
        self._built: dict[tuple[str, str], bytes] = {}
        self._built_at = 0.0

    def _bytes(self, path: str, query: str, body: bytes) -> bytes:
        if time.monotonic() - self._built_at > 60:
            self._built.clear()
            self._built_at = time.monotonic()
        built = self._built.get((path, query))
        if built is None:
            target = path + (f"?{query}" if query else "")
            headers = {"Host": self._host, **self._signed.headers(self._signed.endpoint + target, body)}
            headers["Content-Length"] = str(len(body))
            head = f"POST {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            built = self._built[(path, query)] = head.encode() + body
        return built

    def call(self, path: str, query: str, body: bytes) -> bytes:
        sock = self._socket
        sock.sendall(self._bytes(path, query, body))
        data = sock.recv(65536)
        while (end := data.find(b"\r\n\r\n")) < 0:
            data += sock.recv(65536)
        at = data.lower().find(b"\r\ncontent-length:", 0, end)
        length = int(data[at + 17 : data.find(b"\r\n", at + 2)])
        while len(data) < end + 4 + length:
            data += sock.recv(65536)
        return data[end + 4 :]


def floor_ops(floor: FloorHttpx | FloorHttpClient | FloorSocket) -> Ops:
    return {row: (lambda request=request: floor.call(*request)) for row, request in _requests().items()}


def floor_paginate(floor: FloorHttpx | FloorHttpClient) -> int:
    return _paginate_floor(floor.call)


def close(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()


#: Sync variants: (make a client, its calls by row, paginate all results or None).
SYNC: dict[str, tuple[Callable[[str], Any], Callable[[Any], Ops], Callable[[Any], int] | None]] = {
    "ours": (ours_client, ours_ops, ours_paginate),
    "boto3": (boto3_client, boto3_ops, boto3_paginate),
    "capo": (capo_client, capo_ops, capo_paginate),
    "floor A": (FloorHttpx, floor_ops, floor_paginate),
    "floor B": (FloorHttpClient, floor_ops, floor_paginate),
    "floor C": (FloorSocket, floor_ops, None),
}
#: Async variants: (make a client with a pool of N connections, its calls by row).
ASYNC: dict[str, tuple[Callable[[str, int], Any], Callable[[Any], AsyncOps]]] = {
    "ours": (ours_async_client, ours_async_ops),
    "aioboto3": (Aioboto3Client, aioboto3_async_ops),
    "capo": (capo_async_client, capo_async_ops),
}
#: The module each variant needs (a missing peer is reported, not fatal).
MODULES = {
    "ours": "healthimaging_client",
    "boto3": "boto3",
    "aioboto3": "aioboto3",
    "capo": "capo_medical_imaging",
    "floor A": "httpx",
    "floor B": "botocore",
    "floor C": "botocore",
}
