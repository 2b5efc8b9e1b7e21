"""The streaming Part 10 writer: frame by frame to ``<name>.part``, then renamed; the layout; resuming."""

from __future__ import annotations

import copy
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("imagecodecs")

from pydicom.dataset import Dataset  # noqa: E402
from pydicom.encaps import get_frame  # noqa: E402

from healthimaging_client.dicom import (  # noqa: E402
    DICOMExportError,
    Part10Writer,
    instance_path,
    is_complete,
    to_dataset,
    write_part10,
)
from healthimaging_client.metadata import ImageSetMetadata  # noqa: E402

from . import dicom_documents as docs  # noqa: E402

DOCUMENT, EXAMPLES = docs.image_set()
BY_NAME = {example.name: example for example in EXAMPLES}


def _dataset(name: str, document: dict[str, Any] | None = None) -> Dataset:
    example = BY_NAME[name]
    metadata = ImageSetMetadata(copy.deepcopy(document or DOCUMENT))
    return to_dataset(metadata, metadata.study.series[example.series_uid].instances[example.sop_uid])


def _files(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


def test_the_offset_table_finds_every_frame(tmp_path: Path) -> None:
    """pydicom locates each frame through the Basic Offset Table the writer patched in."""
    example = BY_NAME["multiframe-word-htj2k"]
    read = pydicom.dcmread(write_part10(tmp_path / "f.dcm", _dataset(example.name), iter(example.frames)))
    offsets: list[int] = []
    position = 0
    for frame in example.frames:
        offsets.append(position)
        position += 8 + len(frame) + len(frame) % 2
    assert read.PixelData[8 : 8 + 4 * len(offsets)] == b"".join(o.to_bytes(4, "little") for o in offsets)
    for index, frame in enumerate(example.frames):
        found = get_frame(read.PixelData, index, number_of_frames=len(example.frames))
        assert found in (frame, frame + b"\x00")


def test_frames_are_written_as_they_come_and_the_file_appears_only_when_complete(tmp_path: Path) -> None:
    example = BY_NAME["multiframe-word-htj2k"]
    path = tmp_path / "study" / "f.dcm"
    seen: list[list[str]] = []

    def frames() -> Iterator[bytes]:
        for frame in example.frames:
            seen.append(_files(tmp_path))
            yield frame

    write_part10(path, _dataset(example.name), frames())
    assert all(listing == ["study/f.dcm.part"] for listing in seen)  # never the final name, mid-way
    part = path.with_name("f.dcm.part")
    assert _files(tmp_path) == ["study/f.dcm"] and not part.exists()
    assert is_complete(path)


def test_a_failing_frame_source_leaves_no_file_at_all(tmp_path: Path) -> None:
    example = BY_NAME["multiframe-word-htj2k"]

    def frames() -> Iterator[bytes]:
        yield example.frames[0]
        raise ConnectionError("the network went away")

    with pytest.raises(ConnectionError):
        write_part10(tmp_path / "f.dcm", _dataset(example.name), frames())
    assert _files(tmp_path) == []


@pytest.mark.parametrize(("count", "message"), [(3, "3 frames were given, but the instance has 4"), (5, "more frames")])
def test_the_wrong_number_of_frames_leaves_no_file(tmp_path: Path, count: int, message: str) -> None:
    example = BY_NAME["multiframe-word-htj2k"]
    frames = (example.frames * 2)[:count]
    with pytest.raises(DICOMExportError, match=message):
        write_part10(tmp_path / "f.dcm", _dataset(example.name), frames)
    assert _files(tmp_path) == []


def test_a_failed_rewrite_keeps_the_complete_file_already_there(tmp_path: Path) -> None:
    example = BY_NAME["rgb-htj2k"]
    path = write_part10(tmp_path / "f.dcm", _dataset(example.name), example.frames)
    before = path.read_bytes()
    with pytest.raises(DICOMExportError):
        write_part10(path, _dataset(example.name), [])
    assert path.read_bytes() == before and _files(tmp_path) == ["f.dcm"]


def test_a_stale_part_file_from_a_crash_is_overwritten(tmp_path: Path) -> None:
    example = BY_NAME["rgb-jpeg2000"]
    (tmp_path / "f.dcm.part").write_bytes(b"half a file from a crashed run")
    assert not is_complete(tmp_path / "f.dcm")
    write_part10(tmp_path / "f.dcm", _dataset(example.name), example.frames)
    assert _files(tmp_path) == ["f.dcm"]
    assert pydicom.dcmread(tmp_path / "f.dcm").SOPInstanceUID == example.sop_uid


def test_the_writer_frame_by_frame(tmp_path: Path) -> None:
    example = BY_NAME["multiframe-byte-uncompressed-odd"]
    writer = Part10Writer(tmp_path / "f.dcm", _dataset(example.name), fsync=False)
    assert "masked" in repr(writer) and example.sop_uid not in repr(writer)
    for frame in example.frames:
        writer.write_frame(frame)
    assert writer.commit() == tmp_path / "f.dcm"
    with pytest.raises(DICOMExportError, match="closed"):
        writer.write_frame(example.frames[0])
    writer.abort()  # after a commit: nothing to remove
    assert is_complete(tmp_path / "f.dcm")
    assert pydicom.dcmread(tmp_path / "f.dcm").PixelData == b"".join(example.frames) + b"\x00"


def test_abort_removes_the_partial_file(tmp_path: Path) -> None:
    example = BY_NAME["multiframe-word-htj2k"]
    writer = Part10Writer(tmp_path / "f.dcm", _dataset(example.name))
    writer.write_frame(example.frames[0])
    assert _files(tmp_path) == ["f.dcm.part"]
    writer.abort()
    assert _files(tmp_path) == []


def test_attributes_after_pixel_data_are_written_after_it(tmp_path: Path) -> None:
    """Private groups above 7FE0 and the trailing padding follow Pixel Data, in tag order."""
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["rgb-htj2k"]
    instance = document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]
    instance["DICOM"] |= {"7FE10010": "SYNTHETIC TRAILER", "7FE11001": "after the pixels", "FFFCFFFC": "AAAA"}
    instance["DICOMVRs"] = {"7FE11001": "LO"}
    read = pydicom.dcmread(write_part10(tmp_path / "f.dcm", _dataset(example.name, document), example.frames))
    tags = [int(element.tag) for element in read]
    assert tags == sorted(tags) and tags[-4:] == [0x7FE00010, 0x7FE10010, 0x7FE11001, 0xFFFCFFFC]
    assert read[0x7FE11001].value == "after the pixels" and read[0xFFFCFFFC].value == b"\x00" * 4  # 3 bytes, padded
    assert read.PixelData  # the pixel data, not swallowed by what follows


def test_a_dataset_that_is_not_ready_is_refused_before_any_file_is_made(tmp_path: Path) -> None:
    with pytest.raises(DICOMExportError, match="no file meta"):
        Part10Writer(tmp_path / "f.dcm", Dataset())
    example = BY_NAME["rgb-htj2k"]
    metadata = ImageSetMetadata(DOCUMENT)
    with_pixels = to_dataset(
        metadata, metadata.study.series[example.series_uid].instances[example.sop_uid], example.frames
    )
    with pytest.raises(DICOMExportError, match="already holds Pixel Data"):
        Part10Writer(tmp_path / "f.dcm", with_pixels)
    assert _files(tmp_path) == []


def test_the_writer_memory_stays_about_one_frame(tmp_path: Path) -> None:
    """A 64 MiB instance of 1 MiB frames: peak allocations stay near one frame, not the instance."""
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["multiframe-word-htj2k"]
    count, size = 64, 1 << 20
    document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOM"]["NumberOfFrames"] = count
    document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["ImageFrames"] = [
        {"ID": "0" * 32}
    ] * count
    dataset = _dataset(example.name, document)

    def frames() -> Iterator[bytes]:
        for index in range(count):
            yield bytes([index]) * size  # opaque to the writer: it never parses a codestream

    tracemalloc.start()
    try:
        path = write_part10(tmp_path / "big.dcm", dataset, frames(), fsync=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.stat().st_size > count * size
    assert peak < 3 * size, f"peak {peak / size:.1f} MiB"


def test_the_layout_is_study_series_instance(tmp_path: Path) -> None:
    example = BY_NAME["ct-signed-htj2k-default"]
    path = instance_path(tmp_path, _dataset(example.name))
    assert path == tmp_path / docs.STUDY_UID / example.series_uid / f"{example.sop_uid}.dcm"


@pytest.mark.parametrize("uid", ["../../etc", "1.2/3", "", "1.2.3" + ".4" * 40, "1..2"])
def test_a_uid_that_could_escape_the_directory_is_refused(tmp_path: Path, uid: str) -> None:
    dataset = _dataset("rgb-htj2k")
    dataset.SeriesInstanceUID = uid
    with pytest.raises(DICOMExportError, match="SeriesInstanceUID is missing or not a valid UID") as caught:
        instance_path(tmp_path, dataset)
    assert not uid or uid not in str(caught.value)


def test_complete_means_a_finished_part10_file_under_its_final_name(tmp_path: Path) -> None:
    path = tmp_path / "f.dcm"
    assert not is_complete(path)
    path.write_bytes(b"\x00" * 128 + b"DIC")
    assert not is_complete(path)
    os.mkdir(tmp_path / "d.dcm")
    assert not is_complete(tmp_path / "d.dcm")
    write_part10(path, _dataset("rgb-htj2k"), BY_NAME["rgb-htj2k"].frames)
    assert is_complete(path)


@pytest.mark.parametrize("fsync", [True, False])
def test_the_file_reaches_the_disk_before_its_rename_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b))[1])
    write_part10(tmp_path / "f.dcm", _dataset("rgb-htj2k"), BY_NAME["rgb-htj2k"].frames, fsync=fsync)
    assert events == (["fsync", "rename"] if fsync else ["rename"])


def test_frames_must_be_bytes_one_per_frame(tmp_path: Path) -> None:
    example = BY_NAME["rgb-htj2k"]
    with pytest.raises(DICOMExportError, match="not one bytes object"):
        write_part10(tmp_path / "f.dcm", _dataset(example.name), example.frames[0])
    with pytest.raises(DICOMExportError, match="frame 1 is not bytes"):
        write_part10(tmp_path / "f.dcm", _dataset(example.name), ["a string"])  # type: ignore[list-item]
    assert _files(tmp_path) == []


def test_an_instance_without_frames_is_written_without_pixel_data(tmp_path: Path) -> None:
    """A non-image object (a report, say) has no Rows and no image frames: no Pixel Data element."""
    document = copy.deepcopy(DOCUMENT)
    example = BY_NAME["rgb-htj2k"]
    instance = document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]
    instance["DICOM"] = {
        "SOPClassUID": "1.2.840.10008.5.1.4.1.1.88.11",  # Basic Text SR
        "SOPInstanceUID": example.sop_uid,
        "ValueType": "CONTAINER",
        "ContentSequence": [{"RelationshipType": "CONTAINS", "ValueType": "TEXT", "TextValue": "synthetic"}],
    }
    instance["ImageFrames"] = []
    dataset = _dataset(example.name, document)
    assert dataset.file_meta.TransferSyntaxUID == docs.EXPLICIT_LE
    read = pydicom.dcmread(write_part10(tmp_path / "sr.dcm", dataset, []))
    assert "PixelData" not in read and read.ContentSequence[0].TextValue == "synthetic"
    with pytest.raises(DICOMExportError, match="no image frames"):
        write_part10(tmp_path / "sr2.dcm", dataset, [b"frame"])
