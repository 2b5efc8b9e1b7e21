"""The emulator's pixel data and its GetImageFrame, GetImageSet and DeleteImageSet, checked with boto3 over loopback."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import healthimaging_client as hic
from healthimaging_client.metadata import ImageSetMetadata
from healthimaging_client.pixels import decode_frame, iter_frames
from healthimaging_client.testing import FrameFormat, LocalHealthImaging, _frames, _pixels

from .emulator_process import SETTINGS, boto3_client, emulator_server

SEED, IMAGE_SETS = 11, 2
KEYS = {
    "endpoint_url",
    "datastore_id",
    "region_name",
    "aws_access_key_id",
    "aws_secret_access_key",
    "pixel_image_set_id",
}
CONTENT_TYPES = {
    "HTJ2K CT VOLUME": "image/jph",
    "J2K LOSSLESS SIGNED": "application/octet-stream",
    "HTJ2K SIGNED 12 BIT": "application/octet-stream",
    "RGB UNCOMPRESSED": "application/octet-stream",
    "MULTI-FRAME HTJ2K": "image/jph",
    "J2K RGB": "image/j2c",
    "HTJ2K 4.203": "image/jphc",
}


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    arguments = ("--seed", str(SEED), "--image-sets", str(IMAGE_SETS), "--pixel-showcase")
    with emulator_server(*arguments, settings=SETTINGS | {"pixel_image_set_id"}) as settings:
        yield settings


@pytest.fixture(scope="module")
def twin() -> LocalHealthImaging:
    """An in-process emulator with the server's seed: the same documents and frames."""
    local = LocalHealthImaging(seed=SEED, image_sets=IMAGE_SETS)
    local.add_pixel_showcase()
    return local


def _metadata(boto: Any, datastore_id: str, image_set_id: str) -> ImageSetMetadata:
    blob = boto.get_image_set_metadata(datastoreId=datastore_id, imageSetId=image_set_id)["imageSetMetadataBlob"]
    return ImageSetMetadata(json.loads(gzip.decompress(blob.read())))


def _expected(twin: LocalHealthImaging, frame_id: str) -> np.ndarray[Any, Any]:
    spec = twin._store.frames.spec(frame_id)  # pyright: ignore[reportPrivateUsage]
    return np.frombuffer(_pixels.pixel_bytes(spec), dtype=spec.format.numpy_dtype).reshape(spec.format.shape)


def test_boto3_fetches_every_frame_and_each_decodes_to_its_synthetic_pixels(
    server: dict[str, str], twin: LocalHealthImaging
) -> None:
    boto, datastore_id = boto3_client(server), server["datastore_id"]
    image_set_ids = [
        s["imageSetId"] for s in boto.search_image_sets(datastoreId=datastore_id)["imageSetsMetadataSummaries"]
    ]
    assert server["pixel_image_set_id"] in image_set_ids and len(image_set_ids) == IMAGE_SETS + 1
    seen: set[str] = set()
    for image_set_id in image_set_ids:
        metadata = _metadata(boto, datastore_id, image_set_id)
        for ref in iter_frames(metadata):
            response = boto.get_image_frame(
                datastoreId=datastore_id,
                imageSetId=image_set_id,
                imageFrameInformation={"imageFrameId": ref.image_frame_id},
            )
            data = response["imageFrameBlob"].read()
            if image_set_id == server["pixel_image_set_id"]:
                series = metadata.study.series[ref.instance.series_instance_uid]
                assert response["contentType"] == CONTENT_TYPES[series.dicom["SeriesDescription"]]
            array = decode_frame(data, ref.instance, ref.frame, content_type=response["contentType"])
            assert np.array_equal(array, _expected(twin, ref.image_frame_id))
            seen.add(response["contentType"])
    assert seen == set(CONTENT_TYPES.values())


def test_frame_errors_follow_the_model(server: dict[str, str]) -> None:
    boto, datastore_id, image_set_id = boto3_client(server), server["datastore_id"], server["pixel_image_set_id"]
    with pytest.raises(boto.exceptions.ResourceNotFoundException):
        boto.get_image_frame(
            datastoreId=datastore_id, imageSetId=image_set_id, imageFrameInformation={"imageFrameId": "0" * 32}
        )
    with pytest.raises(boto.exceptions.ValidationException):
        boto.get_image_frame(
            datastoreId=datastore_id, imageSetId=image_set_id, imageFrameInformation={"imageFrameId": "NOT-AN-ID"}
        )


def test_get_image_set_and_delete_image_set_act_on_the_state(server: dict[str, str]) -> None:
    boto, datastore_id = boto3_client(server), server["datastore_id"]
    summaries = boto.search_image_sets(datastoreId=datastore_id)["imageSetsMetadataSummaries"]
    victim = next(s["imageSetId"] for s in summaries if s["imageSetId"] != server["pixel_image_set_id"])
    properties = boto.get_image_set(datastoreId=datastore_id, imageSetId=victim)
    assert (properties["imageSetState"], properties["versionId"], properties["datastoreId"]) == (
        "ACTIVE",
        "1",
        datastore_id,
    )
    assert properties["imageSetArn"].endswith(f"/imageset/{victim}") and properties["storageTier"] == "FREQUENT_ACCESS"
    assert boto.get_image_set(datastoreId=datastore_id, imageSetId=victim, versionId="1")["versionId"] == "1"
    with pytest.raises(boto.exceptions.ResourceNotFoundException):
        boto.get_image_set(datastoreId=datastore_id, imageSetId=victim, versionId="9")

    deleting = boto.delete_image_set(datastoreId=datastore_id, imageSetId=victim)
    assert (deleting["imageSetState"], deleting["imageSetWorkflowStatus"]) == ("LOCKED", "DELETING")
    deleted = boto.get_image_set(datastoreId=datastore_id, imageSetId=victim)
    assert (deleted["imageSetState"], deleted["imageSetWorkflowStatus"]) == ("DELETED", "DELETED")
    assert deleted["deletedAt"] >= deleted["createdAt"]
    again = boto.delete_image_set(datastoreId=datastore_id, imageSetId=victim)  # idempotent in the model
    assert (again["imageSetState"], again["imageSetWorkflowStatus"]) == ("DELETED", "DELETED")
    with pytest.raises(boto.exceptions.ResourceNotFoundException):
        boto.get_image_set_metadata(datastoreId=datastore_id, imageSetId=victim)
    remaining = boto.search_image_sets(datastoreId=datastore_id)["imageSetsMetadataSummaries"]
    assert victim not in {s["imageSetId"] for s in remaining}


def test_a_locked_image_set_is_not_deleted() -> None:
    local = LocalHealthImaging(seed=2, image_sets=1, state_delay=60)
    with local.client() as client:
        summary = next(iter(client.iter_image_sets(local.datastore_id)))
        client.update_image_set_metadata(
            local.datastore_id,
            summary.image_set_id,
            latest_version_id="1",
            updates=hic.DICOMUpdatesBuilder().set_study({"StudyDescription": "X"}).build(),
        )
    with pytest.raises(hic.testing._faults.ServiceFault) as caught:  # pyright: ignore[reportPrivateUsage]
        local._store.delete(local.datastore_id, summary.image_set_id)  # pyright: ignore[reportPrivateUsage]
    assert caught.value.status == 409


def test_documents_carry_consistent_tags_and_true_checksums() -> None:
    local = LocalHealthImaging(seed=5, image_sets=3)
    showcase = local.add_pixel_showcase()
    with local.client() as client:
        for image_set_id in [*(s.image_set_id for s in client.iter_image_sets(local.datastore_id))]:
            metadata = client.get_image_set_metadata(local.datastore_id, image_set_id)
            for ref in iter_frames(metadata):
                spec = local._store.frames.spec(ref.image_frame_id)  # pyright: ignore[reportPrivateUsage]
                fmt, dicom, data = spec.format, ref.instance.dicom, _pixels.pixel_bytes(spec)
                assert {k: dicom[k] for k in fmt.dicom()} == fmt.dicom()
                assert dicom["HighBit"] == dicom["BitsStored"] - 1
                assert (
                    len(data)
                    == ref.frame.frame_size_in_bytes
                    == fmt.rows * fmt.columns * fmt.samples_per_pixel * fmt.bits_allocated // 8
                )
                full = ref.frame.pixel_data_checksums[-1]
                assert (full.width, full.height, full.checksum) == (fmt.columns, fmt.rows, zlib.crc32(data))
                low, high = fmt.value_range
                assert low <= (ref.frame.min_pixel_value or 0) < (ref.frame.max_pixel_value or 0) <= high
                for name in (
                    "ImagePositionPatient",
                    "ImageOrientationPatient",
                    "PixelSpacing",
                    "SliceThickness",
                    "InstanceNumber",
                ):
                    assert name in dicom
                if image_set_id != showcase:
                    assert (dicom["RescaleIntercept"], ref.instance.transfer_syntax_uid) == (
                        "-1024",
                        "1.2.840.10008.1.2.4.202",
                    )


def test_the_same_seed_builds_the_same_frames_and_another_seed_others() -> None:
    def frames(seed: int) -> list[tuple[str, int | None]]:
        local = LocalHealthImaging(seed=seed, image_sets=2)
        local.add_pixel_showcase()
        with local.client() as client:
            ids = [s.image_set_id for s in client.iter_image_sets(local.datastore_id)]
            return sorted(
                (ref.image_frame_id, ref.frame.pixel_data_checksums[-1].checksum)
                for image_set_id in ids
                for ref in iter_frames(client.get_image_set_metadata(local.datastore_id, image_set_id))
            )

    assert frames(1) == frames(1) != frames(2)


def test_codestreams_are_encoded_on_first_request_then_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    encode = _frames.encode
    monkeypatch.setattr(_frames, "encode", lambda spec: calls.append("encode") or encode(spec))
    local = LocalHealthImaging(seed=4, image_sets=3)
    local.add_image_set(instances=3, frame_format=FrameFormat(rows=64, columns=64))
    assert calls == []
    store = local._store.frames  # pyright: ignore[reportPrivateUsage]
    frame_id = next(iter(store._specs))  # pyright: ignore[reportPrivateUsage]
    first, content_type = store.codestream(frame_id)
    assert store.codestream(frame_id) == (first, content_type) and calls == ["encode"]


def test_frame_format_refuses_what_the_emulator_cannot_store() -> None:
    with pytest.raises(ValueError, match="HTJ2K, JPEG 2000 or uncompressed"):
        FrameFormat(transfer_syntax_uid="1.2.840.10008.1.2.4.50")
    with pytest.raises(ValueError, match="bits"):
        FrameFormat(bits_allocated=32)


def test_without_the_extra_the_emulator_runs_and_says_what_compressed_frames_need() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from healthimaging_client.testing import LocalHealthImaging, FrameFormat, _frames\n"
        "local = LocalHealthImaging(seed=1, image_sets=2)\n"
        "local.add_image_set(frame_format=FrameFormat('1.2.840.10008.1.2.1', 8, 8))\n"
        "store = local._store.frames\n"
        "raw = [f for f in store._specs if store.spec(f).format.transfer_syntax_uid.endswith('2.1')][0]\n"
        "assert len(store.codestream(raw)[0]) == 128\n"
        "try:\n"
        "    store.codestream([f for f in store._specs if f != raw][0])\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'healthimaging-client[pixels]'" in out and "numpy" in out
