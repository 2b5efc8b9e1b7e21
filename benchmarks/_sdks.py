"""The same workload written once per SDK: create a client, the five operations, pagination, async calls.

Imports happen inside the functions, so a cold-start process loads only the SDK it measures.
Every SDK gets the same fake credentials and the same loopback endpoint. For boto3, aioboto3
and capo the benchmark also decompresses and parses the metadata document, because our SDK
returns it parsed (that is the work a user of those SDKs has to add).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Awaitable, Callable
from typing import Any

REGION = "us-east-1"
ACCESS_KEY = "AKIDEXAMPLEFAKE00001"
SECRET_KEY = "fake-secret-key-for-benchmarks-only-00000"
DATASTORE_ID = "0123456789abcdef0123456789abcdef"
IMAGE_SET_ID = "fedcba9876543210fedcba9876543210"
DESTINATION_ID = "00112233445566778899aabbccddeeff"
PATIENT_ID = "SYN0000001"
UPDATES = {"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": "SYNTHETIC^RENAMED"}}}
COPIABLE = {"SchemaVersion": "1.1", "Study": {"Series": {"1.2.826.0.1.3680043.8.498.1.1": {"Instances": {}}}}}
#: The five operations (not imported from the SDK: a cold start of a peer must not load ours).
OPERATIONS = (
    "SearchImageSets",
    "GetImageSetMetadata",
    "ListImageSetVersions",
    "UpdateImageSetMetadata",
    "CopyImageSet",
)
#: Results per SearchImageSets call in the per-call benchmark.
SEARCH_CALL_PAGE = 10

Ops = dict[str, Callable[[], object]]
AsyncOps = dict[str, Callable[[], Awaitable[object]]]


def _parse_metadata(blob: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)  # type: ignore[no-any-return]


def _boto_config(**kwargs: Any) -> Any:
    from botocore.config import Config

    return Config(inject_host_prefix=False, retries={"max_attempts": 3, "mode": "standard"}, **kwargs)


# --- healthimaging-client -------------------------------------------------------


def ours_client(endpoint: str) -> Any:
    import healthimaging_client as hic

    return hic.Client(
        region_name=REGION, endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )


def ours_ops(client: Any) -> Ops:
    import healthimaging_client as hic

    filters = [hic.SearchFilter(values=[hic.SearchByAttributeValue(dicom_patient_id=PATIENT_ID)], operator="EQUAL")]
    updates = hic.DICOMUpdates(updatable_attributes=UPDATES)
    return {
        "SearchImageSets": lambda: client.search_image_sets(
            DATASTORE_ID, filters=filters, max_results=SEARCH_CALL_PAGE
        ),
        "GetImageSetMetadata": lambda: client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID),
        "ListImageSetVersions": lambda: client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID),
        "UpdateImageSetMetadata": lambda: client.update_image_set_metadata(
            DATASTORE_ID, IMAGE_SET_ID, latest_version_id="5", updates=updates
        ),
        "CopyImageSet": lambda: client.copy_image_set(
            DATASTORE_ID,
            IMAGE_SET_ID,
            source_latest_version_id="5",
            copiable_attributes=COPIABLE,
            destination_image_set_id=DESTINATION_ID,
            destination_latest_version_id="1",
        ),
    }


def ours_paginate(client: Any, page_size: int) -> int:
    return sum(1 for _ in client.iter_image_sets(DATASTORE_ID, page_size=page_size))


def ours_async_client(endpoint: str, concurrency: int) -> Any:
    import healthimaging_client as hic

    return hic.AsyncClient(
        region_name=REGION, endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )


def ours_httpx_async_client(endpoint: str, concurrency: int) -> Any:
    """AsyncClient on httpx's own async transport, the alternative to the default (aiohttp-backed) one."""
    import httpx

    import healthimaging_client as hic

    return hic.AsyncClient(
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        http_client=httpx.AsyncClient(timeout=60.0),
    )


def ours_async_ops(client: Any) -> AsyncOps:
    return {
        "GetImageSetMetadata": lambda: client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID),
        "SearchImageSets": lambda: client.search_image_sets(DATASTORE_ID, max_results=SEARCH_CALL_PAGE),
    }


# --- the floor: this stack with nothing on top ------------------------------------


class Floor:
    """What any SDK built on httpx and botocore's signer must spend: sign, send, parse JSON.

    No validation, no models, no retries: a lower bound for ours, not an SDK.
    """

    def __init__(self, endpoint: str) -> None:
        import httpx
        from botocore.credentials import ReadOnlyCredentials

        self._endpoint = endpoint
        self._credentials = ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, None)
        self._http = httpx.Client()

    def call(self, path: str, query: str = "", body: bytes | None = None) -> Any:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = f"{self._endpoint}/datastore/{DATASTORE_ID}{path}" + (f"?{query}" if query else "")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = AWSRequest(method="POST", url=url, headers=headers, data=body or b"")
        SigV4Auth(self._credentials, "medical-imaging", REGION).add_auth(request)
        return json.loads(self._http.post(url, headers=dict(request.headers.items()), content=body or b"").content)


def floor_ops(floor: Floor) -> Ops:
    search = json.dumps({"filters": [{"values": [{"DICOMPatientId": PATIENT_ID}], "operator": "EQUAL"}]}).encode()
    update = json.dumps({"DICOMUpdates": {"updatableAttributes": "eyJTY2hlbWFWZXJzaW9uIjogMS4xfQ=="}}).encode()
    copy = json.dumps({"sourceImageSet": {"latestVersionId": "5"}}).encode()
    image_set = f"/imageSet/{IMAGE_SET_ID}"
    return {
        "SearchImageSets": lambda: floor.call("/searchImageSets", f"maxResults={SEARCH_CALL_PAGE}", search),
        "GetImageSetMetadata": lambda: floor.call(f"{image_set}/getImageSetMetadata"),
        "ListImageSetVersions": lambda: floor.call(f"{image_set}/listImageSetVersions"),
        "UpdateImageSetMetadata": lambda: floor.call(f"{image_set}/updateImageSetMetadata", "latestVersion=5", update),
        "CopyImageSet": lambda: floor.call(f"{image_set}/copyImageSet", "", copy),
    }


def floor_paginate(floor: Floor, page_size: int) -> int:
    from urllib.parse import quote

    count, token = 0, None
    while True:
        query = f"maxResults={page_size}" + (f"&nextToken={quote(token, safe='')}" if token else "")
        page = floor.call("/searchImageSets", query, b"{}")
        count += len(page["imageSetsMetadataSummaries"])
        token = page.get("nextToken")
        if not token:
            return count


# --- boto3 ------------------------------------------------------------------------


def boto3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "medical-imaging",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=_boto_config(),
    )


def _boto_kwargs() -> dict[str, dict[str, Any]]:
    return {
        "search": {
            "datastoreId": DATASTORE_ID,
            "searchCriteria": {"filters": [{"values": [{"DICOMPatientId": PATIENT_ID}], "operator": "EQUAL"}]},
            "maxResults": SEARCH_CALL_PAGE,
        },
        "update": {
            "datastoreId": DATASTORE_ID,
            "imageSetId": IMAGE_SET_ID,
            "latestVersionId": "5",
            "updateImageSetMetadataUpdates": {"DICOMUpdates": {"updatableAttributes": json.dumps(UPDATES).encode()}},
        },
        "copy": {
            "datastoreId": DATASTORE_ID,
            "sourceImageSetId": IMAGE_SET_ID,
            "copyImageSetInformation": {
                "sourceImageSet": {
                    "latestVersionId": "5",
                    "DICOMCopies": {"copiableAttributes": json.dumps(COPIABLE)},
                },
                "destinationImageSet": {"imageSetId": DESTINATION_ID, "latestVersionId": "1"},
            },
        },
    }


def boto3_ops(client: Any) -> Ops:
    kw = _boto_kwargs()

    def get_metadata() -> object:
        response = client.get_image_set_metadata(datastoreId=DATASTORE_ID, imageSetId=IMAGE_SET_ID)
        return _parse_metadata(response["imageSetMetadataBlob"].read())

    return {
        "SearchImageSets": lambda: client.search_image_sets(**kw["search"]),
        "GetImageSetMetadata": get_metadata,
        "ListImageSetVersions": lambda: client.list_image_set_versions(
            datastoreId=DATASTORE_ID, imageSetId=IMAGE_SET_ID
        ),
        "UpdateImageSetMetadata": lambda: client.update_image_set_metadata(**kw["update"]),
        "CopyImageSet": lambda: client.copy_image_set(**kw["copy"]),
    }


def boto3_paginate(client: Any, page_size: int) -> int:
    paginator = client.get_paginator("search_image_sets")
    pages = paginator.paginate(datastoreId=DATASTORE_ID, PaginationConfig={"PageSize": page_size})
    return sum(1 for page in pages for _ in page["imageSetsMetadataSummaries"])


# --- aioboto3 -----------------------------------------------------------------------


class Aioboto3Client:
    """aioboto3's client is an async context manager made from a session."""

    def __init__(self, endpoint: str, concurrency: int) -> None:
        import aioboto3

        self._cm = aioboto3.Session().client(
            "medical-imaging",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=_boto_config(max_pool_connections=concurrency),
        )
        self.client: Any = None

    async def __aenter__(self) -> Any:
        self.client = await self._cm.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._cm.__aexit__(None, None, None)


def aioboto3_async_ops(wrapper: Aioboto3Client) -> AsyncOps:
    client = wrapper.client

    async def get_metadata() -> object:
        response = await client.get_image_set_metadata(datastoreId=DATASTORE_ID, imageSetId=IMAGE_SET_ID)
        async with response["imageSetMetadataBlob"] as stream:
            return _parse_metadata(await stream.read())

    return {
        "GetImageSetMetadata": get_metadata,
        "SearchImageSets": lambda: client.search_image_sets(datastoreId=DATASTORE_ID, maxResults=SEARCH_CALL_PAGE),
    }


# --- capo-medical-imaging --------------------------------------------------------------


def capo_client(endpoint: str) -> Any:
    import capo_medical_imaging as capo

    return capo.MedicalImagingClient(
        region=REGION, endpoint=endpoint, credentials={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
    )


def capo_ops(client: Any) -> Ops:
    criteria = {"filters": [{"values": [{"DICOMPatientId": PATIENT_ID}], "operator": "EQUAL"}]}
    updates = {"DICOMUpdates": {"updatable_attributes": json.dumps(UPDATES).encode()}}
    copy_info = {
        "source_image_set": {
            "latest_version_id": "5",
            "dicom_copies": {"copiable_attributes": json.dumps(COPIABLE)},
        },
        "destination_image_set": {"image_set_id": DESTINATION_ID, "latest_version_id": "1"},
    }

    def get_metadata() -> object:
        with client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID) as output:
            return _parse_metadata(b"".join(output["image_set_metadata_blob"]))

    return {
        "SearchImageSets": lambda: client.search_image_sets(
            DATASTORE_ID, search_criteria=criteria, max_results=SEARCH_CALL_PAGE
        ),
        "GetImageSetMetadata": get_metadata,
        "ListImageSetVersions": lambda: client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID),
        "UpdateImageSetMetadata": lambda: client.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, "5", updates),
        "CopyImageSet": lambda: client.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, copy_info),
    }


def capo_paginate(client: Any, page_size: int) -> int:
    return sum(1 for _ in client.iter_search_image_sets(DATASTORE_ID, max_results=page_size))


def capo_async_client(endpoint: str, concurrency: int) -> Any:
    import capo_medical_imaging as capo

    return capo.AsyncMedicalImagingClient(
        region=REGION, endpoint=endpoint, credentials={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
    )


def capo_async_ops(client: Any) -> AsyncOps:
    async def get_metadata() -> object:
        async with client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID) as output:
            return _parse_metadata(b"".join([chunk async for chunk in output["image_set_metadata_blob"]]))

    return {
        "GetImageSetMetadata": get_metadata,
        "SearchImageSets": lambda: client.search_image_sets(DATASTORE_ID, max_results=SEARCH_CALL_PAGE),
    }


SYNC = {
    "ours": (ours_client, ours_ops, ours_paginate),
    "boto3": (boto3_client, boto3_ops, boto3_paginate),
    "capo": (capo_client, capo_ops, capo_paginate),
    "floor": (Floor, floor_ops, floor_paginate),
}
ASYNC = {
    "ours": (ours_async_client, ours_async_ops),
    "ours-httpx": (ours_httpx_async_client, ours_async_ops),
    "aioboto3": (Aioboto3Client, aioboto3_async_ops),
    "capo": (capo_async_client, capo_async_ops),
}
