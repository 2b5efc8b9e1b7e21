"""The emulator as a loopback server in a subprocess, driven by Client and by boto3."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

import healthimaging_client as hic

KEYS = {"endpoint_url", "datastore_id", "region_name", "aws_access_key_id", "aws_secret_access_key"}


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "healthimaging_client.testing", "serve", "--port", "0", "--image-sets", "5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        settings: dict[str, str] = {}
        while not settings.keys() >= KEYS:
            line = process.stdout.readline()
            assert line, "the server exited before printing its settings"
            key, _, value = line.strip().partition("=")
            settings[key] = value
        yield settings
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_client_searches_and_reads_over_loopback(server: dict[str, str]) -> None:
    assert server["endpoint_url"].startswith("http://127.0.0.1:")
    config = {k: v for k, v in server.items() if k != "datastore_id"}
    with hic.Client(**config) as client:
        found = list(client.iter_image_sets(server["datastore_id"], page_size=2))
        assert len(found) == 5
        document = client.get_image_set_metadata(server["datastore_id"], found[0].image_set_id)
        assert document["ImageSetID"] == found[0].image_set_id
    with (
        hic.Client(**(config | {"aws_secret_access_key": "wrong"})) as client,
        pytest.raises(hic.AccessDeniedException),
    ):
        client.search_image_sets(server["datastore_id"])


def test_boto3_works_against_the_server(server: dict[str, str]) -> None:
    boto = boto3.client(
        "medical-imaging",
        endpoint_url=server["endpoint_url"],
        region_name=server["region_name"],
        aws_access_key_id=server["aws_access_key_id"],
        aws_secret_access_key=server["aws_secret_access_key"],
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )
    ds = server["datastore_id"]
    first = boto.search_image_sets(datastoreId=ds, maxResults=2)
    assert len(first["imageSetsMetadataSummaries"]) == 2 and "+" in first["nextToken"]
    rest = boto.search_image_sets(datastoreId=ds, maxResults=2, nextToken=first["nextToken"])
    assert not {s["imageSetId"] for s in rest["imageSetsMetadataSummaries"]} & {
        s["imageSetId"] for s in first["imageSetsMetadataSummaries"]
    }

    image_set = first["imageSetsMetadataSummaries"][0]
    metadata = boto.get_image_set_metadata(datastoreId=ds, imageSetId=image_set["imageSetId"])
    assert metadata["contentEncoding"] == "gzip"
    document = json.loads(gzip.decompress(metadata["imageSetMetadataBlob"].read()))
    assert document["ImageSetID"] == image_set["imageSetId"]

    change = {"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": "BOTO"}}}
    updated = boto.update_image_set_metadata(
        datastoreId=ds,
        imageSetId=image_set["imageSetId"],
        latestVersionId=str(image_set["version"]),
        updateImageSetMetadataUpdates={"DICOMUpdates": {"updatableAttributes": json.dumps(change).encode()}},
    )
    assert updated["imageSetState"] == "LOCKED"
    versions = boto.list_image_set_versions(datastoreId=ds, imageSetId=image_set["imageSetId"])
    assert versions["imageSetPropertiesList"][0]["versionId"] == updated["latestVersionId"]
    with pytest.raises(boto.exceptions.ConflictException):
        boto.update_image_set_metadata(
            datastoreId=ds,
            imageSetId=image_set["imageSetId"],
            latestVersionId=str(image_set["version"]),
            updateImageSetMetadataUpdates={"DICOMUpdates": {"updatableAttributes": json.dumps(change).encode()}},
        )
