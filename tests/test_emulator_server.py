"""The emulator as a loopback server in a subprocess, driven by Client and by boto3."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest

import healthimaging_client as hic

from .emulator_process import boto3_client, emulator_server


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    with emulator_server("--image-sets", "5") as settings:
        yield settings


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
    boto = boto3_client(server)
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
