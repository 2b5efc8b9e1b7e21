"""The typed metadata tree, its parsing, and fetching or downloading it with both clients."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client.metadata import HTJ2K_TRANSFER_SYNTAX_UID, PixelDataChecksum

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, Harness

SERIES_A = "1.2.826.0.1.3680043.8.498.1"
SERIES_B = "1.2.826.0.1.3680043.8.498.2"
SOP_A1 = "1.2.826.0.1.3680043.8.498.1.1"
SOP_A2 = "1.2.826.0.1.3680043.8.498.1.2"
SOP_B1 = "1.2.826.0.1.3680043.8.498.2.1"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
PATIENT_NAME = "SYNTHETIC^JANE"
PATIENT_ID = "SYN-000042"
STUDY_UID = "1.2.826.0.1.3680043.8.498.99"

METADATA_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/getImageSetMetadata"


def frame(frame_id: str, size: int = 524288) -> dict[str, Any]:
    return {
        "ID": frame_id,
        "PixelDataChecksumFromBaseToFullResolution": [
            {"Width": 256, "Height": 256, "Checksum": 1234567},
            {"Width": 512, "Height": 512, "Checksum": 7654321},
        ],
        "MinPixelValue": 0,
        "MaxPixelValue": 4095,
        "FrameSizeInBytes": size,
    }


def document() -> dict[str, Any]:
    """A small synthetic document in the service's shape, with a few odd but legal values."""
    return {
        "SchemaVersion": "1.1",
        "DatastoreID": DATASTORE_ID,
        "ImageSetID": IMAGE_SET_ID,
        "Patient": {
            "DICOM": {
                "PatientName": PATIENT_NAME,
                "PatientID": PATIENT_ID,
                "PatientBirthDate": "19700101",
                "PatientSex": None,
            }
        },
        "Study": {
            "DICOM": {
                "StudyInstanceUID": STUDY_UID,
                "StudyDate": "20240315",
                "StudyDescription": "SYNTHETIC CHEST",
                "AccessionNumber": "",
            },
            "Series": {
                SERIES_A: {
                    "DICOM": {"Modality": "CT", "SeriesNumber": 3, "SeriesInstanceUID": SERIES_A},
                    "Instances": {
                        SOP_A1: {
                            "DICOM": {"SOPInstanceUID": SOP_A1, "ImageType": ["ORIGINAL", "PRIMARY"], "001910F9": "97"},
                            "DICOMVRs": {"001910F9": "DS"},
                            "ImageFrames": [frame("a1f0"), frame("a1f1")],
                        },
                        SOP_A2: {
                            "DICOM": {"SOPInstanceUID": SOP_A2},
                            "StoredTransferSyntaxUID": EXPLICIT_LE,
                            "ImageFrames": [frame("a2f0")],
                            "SomethingNew": {"kept": True},
                        },
                    },
                },
                SERIES_B: {
                    "DICOM": {"Modality": "SR", "SeriesNumber": " 12 "},
                    "Instances": {SOP_B1: {"DICOM": {"SOPInstanceUID": SOP_B1}}},
                },
            },
        },
        "FutureTopLevel": [1, 2, 3],
    }


@pytest.fixture
def meta() -> hic.ImageSetMetadata:
    return hic.ImageSetMetadata(document())


def gzipped(doc: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(doc).encode())


# --- the tree ---------------------------------------------------------------------


def test_top_level_fields_and_mapping_of_the_raw_document(meta: hic.ImageSetMetadata) -> None:
    assert meta.schema_version == "1.1"
    assert meta.datastore_id == DATASTORE_ID
    assert meta.image_set_id == IMAGE_SET_ID
    assert meta["FutureTopLevel"] == [1, 2, 3]
    assert set(meta) == set(document())
    assert len(meta) == len(document())


def test_patient_and_study_accessors_keep_the_raw_values(meta: hic.ImageSetMetadata) -> None:
    assert meta.patient.name == PATIENT_NAME
    assert meta.patient.id == PATIENT_ID
    assert meta.patient.dicom["PatientSex"] is None
    assert meta.study.date == date(2024, 3, 15)
    assert meta.study.dicom["StudyDate"] == "20240315"
    assert meta.study.study_instance_uid == STUDY_UID
    assert meta.study.dicom["AccessionNumber"] == ""


def test_dicom_views_are_read_only(meta: hic.ImageSetMetadata) -> None:
    with pytest.raises(TypeError):
        meta.patient.dicom["PatientName"] = "OTHER^NAME"  # type: ignore[index]
    assert meta.patient.name == PATIENT_NAME


def test_series_and_instances_by_uid(meta: hic.ImageSetMetadata) -> None:
    series = meta.study.series
    assert list(series) == [SERIES_A, SERIES_B]
    a = series[SERIES_A]
    assert a.series_instance_uid == SERIES_A
    assert a.modality == "CT"
    assert a.number == 3
    assert series[SERIES_B].number == 12
    assert series[SERIES_B].dicom["SeriesNumber"] == " 12 "
    assert list(a.instances) == [SOP_A1, SOP_A2]
    assert SERIES_A in series and "9.9.9" not in series
    with pytest.raises(KeyError):
        series["9.9.9"]


def test_instance_fields_and_transfer_syntax(meta: hic.ImageSetMetadata) -> None:
    instances = meta.study.series[SERIES_A].instances
    first, second = instances[SOP_A1], instances[SOP_A2]
    assert first.transfer_syntax_uid == HTJ2K_TRANSFER_SYNTAX_UID
    assert second.transfer_syntax_uid == EXPLICIT_LE
    assert first.dicom_vrs == {"001910F9": "DS"}
    assert second.dicom_vrs == {}
    assert first.dicom["ImageType"] == ["ORIGINAL", "PRIMARY"]
    assert (first.series_instance_uid, first.sop_instance_uid) == (SERIES_A, SOP_A1)
    assert second.to_dict()["SomethingNew"] == {"kept": True}


def test_image_frames(meta: hic.ImageSetMetadata) -> None:
    frames = meta.study.series[SERIES_A].instances[SOP_A1].image_frames
    assert [f.id for f in frames] == ["a1f0", "a1f1"]
    f = frames[0]
    assert f.pixel_data_checksums == (
        PixelDataChecksum(width=256, height=256, checksum=1234567),
        PixelDataChecksum(width=512, height=512, checksum=7654321),
    )
    assert (f.min_pixel_value, f.max_pixel_value, f.frame_size_in_bytes) == (0, 4095, 524288)
    assert meta.study.series[SERIES_B].instances[SOP_B1].image_frames == ()


def test_iter_instances_and_frames_carry_their_uids(meta: hic.ImageSetMetadata) -> None:
    assert [(i.series_instance_uid, i.sop_instance_uid) for i in meta.iter_instances()] == [
        (SERIES_A, SOP_A1),
        (SERIES_A, SOP_A2),
        (SERIES_B, SOP_B1),
    ]
    assert [(f.series_instance_uid, f.sop_instance_uid, f.id) for f in meta.iter_frames()] == [
        (SERIES_A, SOP_A1, "a1f0"),
        (SERIES_A, SOP_A1, "a1f1"),
        (SERIES_A, SOP_A2, "a2f0"),
    ]


def test_to_dict_gives_back_the_same_json(meta: hic.ImageSetMetadata) -> None:
    assert json.dumps(meta.to_dict(), sort_keys=True) == json.dumps(document(), sort_keys=True)
    assert meta.study.series[SERIES_B].to_dict() == document()["Study"]["Series"][SERIES_B]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20240315", date(2024, 3, 15)),
        ("2024.03.15", date(2024, 3, 15)),
        (["20240315"], date(2024, 3, 15)),
        ("20241315", None),
        ("2024", None),
        (20240315, None),
        (None, None),
    ],
)
def test_study_date_parses_or_gives_none(raw: Any, expected: date | None) -> None:
    doc = document()
    doc["Study"]["DICOM"]["StudyDate"] = raw
    meta = hic.ImageSetMetadata(doc)
    assert meta.study.date == expected
    assert meta.study.dicom["StudyDate"] == raw


@pytest.mark.parametrize(("raw", "expected"), [(7, 7), ("7", 7), (7.0, 7), (["8"], 8), ("x", None), (True, None)])
def test_series_number_parses_or_gives_none(raw: Any, expected: int | None) -> None:
    doc = document()
    doc["Study"]["Series"][SERIES_A]["DICOM"]["SeriesNumber"] = raw
    assert hic.ImageSetMetadata(doc).study.series[SERIES_A].number == expected


def test_missing_levels_read_as_empty() -> None:
    meta = hic.ImageSetMetadata({"SchemaVersion": "1.1"})
    assert meta.patient.name is None
    assert meta.study.date is None
    assert len(meta.study.series) == 0
    assert list(meta.iter_frames()) == []


def test_no_repr_shows_patient_data(meta: hic.ImageSetMetadata) -> None:
    series = meta.study.series[SERIES_A]
    instance = series.instances[SOP_A1]
    shown = [
        repr(meta),
        repr(meta.patient),
        repr(meta.study),
        repr(meta.study.series),
        repr(series),
        repr(series.instances),
        repr(instance),
        repr(instance.image_frames),
        repr(hic.DICOMUpdatesBuilder(meta).set_patient(PatientName=PATIENT_NAME)),
    ]
    secrets = [PATIENT_NAME, PATIENT_ID, STUDY_UID, SERIES_A, SOP_A1, "SYNTHETIC CHEST", "19700101", "ORIGINAL", "97"]
    for text in shown:
        for secret in secrets:
            assert secret not in text, (secret, text)
    assert IMAGE_SET_ID in repr(meta)
    assert "a1f0" in repr(instance.image_frames)


# --- parsing the body ----------------------------------------------------------------


def test_read_metadata_takes_gzip_or_plain_json() -> None:
    body = json.dumps(document()).encode()
    assert ops.read_metadata(gzip.compress(body)).to_dict() == document()
    assert ops.read_metadata(body).to_dict() == document()


def test_read_metadata_takes_several_gzip_members() -> None:
    body = json.dumps(document()).encode()
    two_members = gzip.compress(body[:100]) + gzip.compress(body[100:])
    assert ops.read_metadata(two_members).to_dict() == document()


def test_a_corrupt_body_is_an_invalid_response_without_values(sdk: Harness) -> None:
    with respx.mock:
        respx.post(METADATA_URL).mock(return_value=httpx.Response(200, content=gzipped(document())[:-9]))
        with pytest.raises(hic.InvalidResponseError) as caught:
            sdk.run(sdk.client().get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))
    assert PATIENT_NAME not in str(caught.value)


# --- fetching with both clients ---------------------------------------------------------


def test_get_image_set_metadata_with_gzip_content_encoding(sdk: Harness) -> None:
    with respx.mock:
        respx.post(METADATA_URL).mock(
            return_value=httpx.Response(
                200,
                content=gzipped(document()),
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
        )
        meta = sdk.run(sdk.client().get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))
    assert isinstance(meta, hic.ImageSetMetadata)
    assert meta.to_dict() == document()
    assert meta.patient.name == PATIENT_NAME


def test_get_image_set_metadata_error_bodies_are_read_decoded(sdk: Harness) -> None:
    error = gzip.compress(json.dumps({"message": "no such image set"}).encode())
    with respx.mock:
        respx.post(METADATA_URL).mock(
            return_value=httpx.Response(
                404,
                content=error,
                headers={"Content-Encoding": "gzip", "x-amzn-ErrorType": "ResourceNotFoundException"},
            )
        )
        with pytest.raises(hic.ResourceNotFoundException) as caught:
            sdk.run(sdk.client().get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))
    assert caught.value.message == "no such image set"


# --- downloading ---------------------------------------------------------------------------


class ChunkedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives in small pieces, as it would from a socket."""

    def __init__(self, body: bytes, size: int = 97) -> None:
        self.chunks = [body[i : i + size] for i in range(0, len(body), size)]

    def __iter__(self) -> Any:
        return iter(self.chunks)

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield chunk


def gzip_response(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=ChunkedStream(body))


@pytest.mark.parametrize("decompress", [True, False])
def test_download_streams_json_or_gzip(sdk: Harness, tmp_path: Path, decompress: bool) -> None:
    compressed = gzipped(document())
    target = tmp_path / "meta.json"
    with respx.mock:
        respx.post(METADATA_URL).mock(return_value=gzip_response(compressed))
        result = sdk.run(
            sdk.client().download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, target, decompress=decompress)
        )
    assert result is None
    written = target.read_bytes()
    assert written == (gzip.decompress(compressed) if decompress else compressed)
    assert not (tmp_path / "meta.json.part").exists()


def test_download_of_a_plain_json_body_is_gzipped_when_asked(sdk: Harness, tmp_path: Path) -> None:
    body = json.dumps(document()).encode()
    with respx.mock:
        respx.post(METADATA_URL).mock(return_value=httpx.Response(200, stream=ChunkedStream(body)))
        client = sdk.client()
        sdk.run(client.download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, tmp_path / "m.gz", decompress=False))
    assert gzip.decompress((tmp_path / "m.gz").read_bytes()) == body


def test_download_retries_and_the_file_holds_one_whole_body(sdk: Harness, tmp_path: Path) -> None:
    compressed = gzipped(document())
    target = tmp_path / "meta.json"
    with respx.mock:
        route = respx.post(METADATA_URL)
        route.side_effect = [httpx.Response(500, json={"message": "try again"}), gzip_response(compressed)]
        sdk.run(sdk.client().download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, target, version_id=2))
        assert route.call_count == 2
        assert route.calls[0].request.url.params["version"] == "2"
    assert json.loads(target.read_bytes()) == document()


def test_download_errors_are_typed_and_leave_no_file(sdk: Harness, tmp_path: Path) -> None:
    target = tmp_path / "meta.json"
    with respx.mock:
        respx.post(METADATA_URL).mock(
            return_value=httpx.Response(
                403, json={"message": "denied"}, headers={"x-amzn-ErrorType": "AccessDeniedException"}
            )
        )
        with pytest.raises(hic.AccessDeniedException) as caught:
            sdk.run(sdk.client().download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, target))
    assert caught.value.message == "denied"
    assert list(tmp_path.iterdir()) == []


def test_download_of_a_truncated_body_raises_and_leaves_no_file(sdk: Harness, tmp_path: Path) -> None:
    target = tmp_path / "meta.json"
    target.write_bytes(b"previous download")
    with respx.mock:
        respx.post(METADATA_URL).mock(return_value=gzip_response(gzipped(document())[:-20]))
        with pytest.raises(hic.InvalidResponseError):
            sdk.run(sdk.client().download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, target))
    assert target.read_bytes() == b"previous download"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json"]


def test_the_tree_does_not_copy_the_document() -> None:
    doc = document()
    meta = hic.ImageSetMetadata(doc)
    before = copy.deepcopy(doc)
    instance = meta.study.series[SERIES_A].instances[SOP_A1]
    assert instance.dicom["001910F9"] == "97"
    doc["Study"]["Series"][SERIES_A]["Instances"][SOP_A1]["DICOM"]["001910F9"] = "98"
    assert instance.dicom["001910F9"] == "98"  # a view, not a copy
    assert before != doc


class BrokenStream(ChunkedStream):
    """A body whose connection drops after the first piece."""

    def __iter__(self) -> Any:
        yield self.chunks[0]
        raise httpx.ReadError("connection reset")

    async def __aiter__(self) -> Any:
        yield self.chunks[0]
        raise httpx.ReadError("connection reset")


def test_a_connection_dropped_mid_download_is_retried(sdk: Harness, tmp_path: Path) -> None:
    compressed = gzipped(document())
    target = tmp_path / "meta.json"
    with respx.mock:
        route = respx.post(METADATA_URL)
        route.side_effect = [
            httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=BrokenStream(compressed)),
            gzip_response(compressed),
        ]
        sdk.run(sdk.client().download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, target))
        assert route.call_count == 2
    assert json.loads(target.read_bytes()) == document()


def test_a_local_file_error_is_neither_a_transport_error_nor_retried(sdk: Harness, tmp_path: Path) -> None:
    with respx.mock:
        route = respx.post(METADATA_URL).mock(return_value=gzip_response(gzipped(document())))
        with pytest.raises(FileNotFoundError):
            sdk.run(
                sdk.client().download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, tmp_path / "missing" / "m.json")
            )
        assert route.call_count == 1


@pytest.mark.parametrize("decompress", [True, False])
def test_download_over_a_loopback_socket_matches_the_typed_document(
    sdk: Harness, tmp_path: Path, decompress: bool
) -> None:
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=5)
    image_set_id = local.add_image_set(series=[{"Modality": "CT"}, {"Modality": "MR"}], instances=40, frames=3)
    target = tmp_path / "meta.out"
    with local.serve() as endpoint_url:
        client = sdk.client(**local.client_config(endpoint_url))
        meta = sdk.run(client.get_image_set_metadata(local.datastore_id, image_set_id))
        sdk.run(client.download_image_set_metadata(local.datastore_id, image_set_id, target, decompress=decompress))
    written = target.read_bytes()
    assert json.loads(written if decompress else gzip.decompress(written)) == meta.to_dict()
    assert written[:2] == (b'{"' if decompress else b"\x1f\x8b")
    assert len(list(meta.iter_frames())) == 2 * 40 * 3


def test_with_the_body_switch_the_metadata_is_logged_as_json(sdk: Harness, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.warns(UserWarning, match="patient data"):
        client = sdk.client(log_bodies=True)
    caplog.set_level("DEBUG", logger="healthimaging_client")
    with respx.mock:
        respx.post(METADATA_URL).mock(return_value=gzip_response(gzipped(document())))
        sdk.run(client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))
    bodies = [r.getMessage() for r in caplog.records if r.name == "healthimaging_client.bodies"]
    assert any('"SchemaVersion": "1.1"' in body for body in bodies), bodies
