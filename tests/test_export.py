"""``export_image_set`` on both clients, against the emulator: files, round trip, resuming, limits, errors.

Requests are counted at the transport (``Counting``, from the pixel method tests), so "nothing
was sent" and "at most N in flight" are observed. The round trip reads every file back with
pydicom (pylibjpeg's OpenJPEG decoding the codestreams, independently of the SDK's decoder)
and compares it with the metadata document, value for value, and with ``get_frame_array``,
bit for bit.
"""

from __future__ import annotations

import asyncio
import copy
import os
import traceback
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("imagecodecs")
pytest.importorskip("openjpeg")

import httpx  # noqa: E402
import numpy as np  # noqa: E402

import healthimaging_client as hic  # noqa: E402
from healthimaging_client.testing import FrameFormat, LocalHealthImaging  # noqa: E402

from . import dicom_documents as docs  # noqa: E402
from .conftest import Harness  # noqa: E402
from .test_emulator import FAST  # noqa: E402
from .test_pixel_methods import Counting, Pixels, _http  # noqa: E402

_RGB: dict[str, Any] = {"samples_per_pixel": 3, "bits_allocated": 8, "bits_stored": 8}
CANARY = "ZZCANARY^PHI"


@pytest.fixture
def local() -> LocalHealthImaging:
    return LocalHealthImaging(seed=7)


@pytest.fixture
def px(sdk: Harness, local: LocalHealthImaging) -> Pixels:
    """A client of the harness's kind on the emulator, its requests counted."""
    return Pixels(sdk, local)


def export(px: Pixels, image_set_id: str, directory: Path, **kwargs: Any) -> hic.ExportSummary:
    summary = px.sdk.run(px.client.export_image_set(px.ds, image_set_id, directory, fsync=False, **kwargs))
    assert isinstance(summary, hic.ExportSummary)
    return summary


def files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def extras(local: LocalHealthImaging) -> str:
    """Formats the showcase leaves out: multi-frame colour (with the colour transform) and 8-bit multi-frame."""
    return local.add_image_set(
        series=[{"Modality": "XC", "SeriesDescription": "MULTI-FRAME RGB"}],
        frame_format=FrameFormat("1.2.840.10008.1.2.4.201", 24, 20, **_RGB),
        frames=3,
    )


# --- the files ------------------------------------------------------------------------------


def test_one_file_per_instance_in_the_study_series_instance_layout(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path
) -> None:
    showcase = local.add_pixel_showcase()
    metadata = px.get_image_set_metadata(showcase)
    summary = export(px, showcase, tmp_path)
    study = metadata.study.study_instance_uid
    wanted = sorted(
        tmp_path / str(study) / instance.series_instance_uid / f"{instance.sop_instance_uid}.dcm"
        for instance in metadata.iter_instances()
    )
    assert files(tmp_path) == wanted
    assert summary == hic.ExportSummary(
        files_written=len(wanted),
        files_skipped=0,
        frames_written=sum(len(instance.image_frames) for instance in metadata.iter_instances()),
        bytes_written=sum(path.stat().st_size for path in wanted),
    )
    assert summary.files == len(wanted)
    assert px.transport.seen["getImageFrame"] == summary.frames_written


@pytest.mark.parametrize("transcode", [False, True], ids=["stored", "transcoded"])
def test_files_read_back_to_the_document_and_to_get_frame_array(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path, transcode: bool
) -> None:
    """Every stored format, signed, 12-bit, RGB (with and without the colour transform), multi-frame."""
    for image_set_id in (local.add_pixel_showcase(), extras(local)):
        metadata = px.get_image_set_metadata(image_set_id)
        document = metadata.to_dict()
        directory = tmp_path / image_set_id
        export(px, image_set_id, directory, transcode=transcode)
        for instance in metadata.iter_instances():
            path = directory / str(metadata.study.study_instance_uid) / instance.series_instance_uid
            read = pydicom.dcmread(path / f"{instance.sop_instance_uid}.dcm")
            merged = docs.merged_attributes(document, instance.series_instance_uid, instance.sop_instance_uid)
            if read.PhotometricInterpretation != merged["PhotometricInterpretation"]:  # as the codestream holds it
                assert (read.PhotometricInterpretation, transcode) == ("YBR_RCT", False)
                merged.pop("PhotometricInterpretation")
            docs.assert_same_values(read, merged)
            syntax = "1.2.840.10008.1.2.1" if transcode else instance.transfer_syntax_uid
            assert read.file_meta.TransferSyntaxUID == syntax
            arrays = [px.get_frame_array(image_set_id, frame.id, metadata=metadata) for frame in instance.image_frames]
            assert np.array_equal(read.pixel_array.reshape(np.stack(arrays).shape), np.stack(arrays))
            assert read.pixel_array.dtype == arrays[0].dtype


def test_series_chooses_what_is_exported(px: Pixels, local: LocalHealthImaging, tmp_path: Path) -> None:
    showcase = local.add_pixel_showcase()
    metadata = px.get_image_set_metadata(showcase)
    chosen = [uid for uid, s in metadata.study.series.items() if s.dicom["SeriesDescription"] != "HTJ2K CT VOLUME"]
    one = export(px, showcase, tmp_path / "one", series=chosen[0])
    several = export(px, showcase, tmp_path / "several", series=iter(chosen[1:3]))
    assert one.files == len(metadata.study.series[chosen[0]].instances)
    assert {path.parent.name for path in files(tmp_path / "one")} == {chosen[0]}
    assert {path.parent.name for path in files(tmp_path / "several")} == set(chosen[1:3])
    assert several.files == sum(len(metadata.study.series[uid].instances) for uid in chosen[1:3])


# --- resuming -------------------------------------------------------------------------------


def test_a_rerun_skips_complete_files_and_writes_the_rest(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path
) -> None:
    image_set_id = local.add_image_set(instances=6, frame_format=FrameFormat(rows=16, columns=16))
    first = export(px, image_set_id, tmp_path)
    written = files(tmp_path)
    written[2].unlink()
    written[4].with_name(written[4].name + ".part").write_bytes(b"left by a crash")
    written[4].unlink()
    px.transport.seen.clear()
    second = export(px, image_set_id, tmp_path)
    assert (second.files_written, second.files_skipped) == (2, 4)
    assert px.transport.seen["getImageFrame"] == 2  # only the missing files' frames
    assert files(tmp_path) == written and second.bytes_written < first.bytes_written
    assert export(px, image_set_id, tmp_path).files_skipped == 6


class Faulty(Counting):
    """Counts like ``Counting``; the ``at``-th GetImageFrame is denied, or its body changed (``tamper``)."""

    def __init__(self, local: LocalHealthImaging, at: int, *, tamper: bool = False) -> None:
        super().__init__(local.transport)
        self.local, self.at, self.tamper = local, at, tamper

    def _frame_number(self, request: httpx.Request) -> int:
        frames = self.seen["getImageFrame"] + (request.url.path.endswith("getImageFrame"))
        if frames == self.at and not self.tamper and request.url.path.endswith("getImageFrame"):
            self.local.fail_next("GetImageFrame", status=403, code="AccessDeniedException")
        return frames if request.url.path.endswith("getImageFrame") else 0

    def _changed(self, response: httpx.Response, body: bytes) -> httpx.Response:
        return httpx.Response(response.status_code, headers=response.headers, content=body[:-1] + bytes([body[-1] ^ 1]))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        number = self._frame_number(request)
        response = super().handle_request(request)
        return self._changed(response, response.read()) if self.tamper and number == self.at else response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        number = self._frame_number(request)
        response = await super().handle_async_request(request)
        return self._changed(response, await response.aread()) if self.tamper and number == self.at else response


def faulty(sdk: Harness, local: LocalHealthImaging, at: int, *, tamper: bool = False) -> Pixels:
    px = Pixels(sdk, local)
    px.transport = Faulty(local, at, tamper=tamper)
    px.client = sdk.client(
        **{**local.client_config(), "retry": FAST, "aws_session_token": None, "http_client": _http(sdk, px.transport)}
    )
    return px


def test_a_failure_midway_leaves_only_complete_files_and_the_rerun_finishes(
    sdk: Harness, local: LocalHealthImaging, tmp_path: Path
) -> None:
    image_set_id = local.add_image_set(instances=4, frames=3, frame_format=FrameFormat(rows=16, columns=16))
    px = faulty(sdk, local, at=8)  # the 2nd frame of the 3rd instance
    with pytest.raises(hic.AccessDeniedException):
        export(px, image_set_id, tmp_path, concurrency=1)
    kept = files(tmp_path)
    assert len(kept) == 2 and all(hic.dicom.is_complete(path) for path in kept)  # no .part: removed
    px.transport.seen.clear()
    done = export(px, image_set_id, tmp_path, concurrency=1)
    assert (done.files_written, done.files_skipped, px.transport.seen["getImageFrame"]) == (2, 2, 6)


def test_a_failure_after_some_files_keeps_them(px: Pixels, local: LocalHealthImaging, tmp_path: Path) -> None:
    image_set_id = local.add_image_set(instances=4, frames=2, frame_format=FrameFormat(rows=16, columns=16))
    metadata = px.get_image_set_metadata(image_set_id)
    frames = [frame.id for instance in metadata.iter_instances() for frame in instance.image_frames]
    seen: list[hic.ExportProgress] = []

    def progress(report: hic.ExportProgress) -> None:
        seen.append(report)
        if len(seen) == 2:
            raise KeyboardInterrupt  # the user stops it after two files

    with pytest.raises(KeyboardInterrupt):
        export(px, image_set_id, tmp_path, concurrency=2, progress=progress)
    kept = files(tmp_path)
    assert len(kept) == 2 and all(hic.dicom.is_complete(path) for path in kept)
    px.transport.seen.clear()
    resumed = export(px, image_set_id, tmp_path)
    assert (resumed.files_written, resumed.files_skipped) == (2, 2)
    assert px.transport.seen["getImageFrame"] == len(frames) // 2


# --- progress, concurrency, memory ----------------------------------------------------------


def test_progress_reports_each_file_in_order(px: Pixels, local: LocalHealthImaging, tmp_path: Path) -> None:
    image_set_id = local.add_image_set(instances=5, frame_format=FrameFormat(rows=16, columns=16))
    export(px, image_set_id, tmp_path / "a", series=None)
    first = files(tmp_path / "a")
    first[0].unlink()
    for path in first[1:]:
        os.makedirs(tmp_path / "b" / path.relative_to(tmp_path / "a").parent, exist_ok=True)
        (tmp_path / "b" / path.relative_to(tmp_path / "a")).write_bytes(path.read_bytes())
    reports: list[hic.ExportProgress] = []
    summary = export(px, image_set_id, tmp_path / "b", progress=reports.append)
    assert [r.skipped for r in reports] == [True] * 4 + [False]
    assert [r.files_done for r in reports] == [1, 2, 3, 4, 5] and {r.files_total for r in reports} == {5}
    last = reports[-1]
    assert (last.files_written, last.files_skipped, last.frames_written, last.bytes_written) == (
        summary.files_written,
        summary.files_skipped,
        summary.frames_written,
        summary.bytes_written,
    )
    assert last.path.is_file() and str(last.path) not in repr(last) and last.path.name not in repr(last)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_at_most_concurrency_frames_are_in_flight(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path, concurrency: int
) -> None:
    image_set_id = local.add_image_set(instances=4, frames=3, frame_format=FrameFormat(rows=16, columns=16))
    local.delay_responses(0.02, operation="GetImageFrame")
    summary = export(px, image_set_id, tmp_path, concurrency=concurrency)
    assert summary.frames_written == 12
    assert px.transport.peak == concurrency


def test_memory_holds_a_few_frames_never_the_series(px: Pixels, local: LocalHealthImaging, tmp_path: Path) -> None:
    """Frames stream through: the peak is a few frames and one dataset, whatever the series' size."""
    image_set_id = local.add_image_set(
        instances=24, frame_format=FrameFormat("1.2.840.10008.1.2.1", 256, 256)
    )  # 128 KiB a frame, uncompressed
    export(px, image_set_id, tmp_path / "warm")  # the emulator makes and caches its frames once
    series_bytes = 24 * 256 * 256 * 2
    tracemalloc.start()
    try:
        export(px, image_set_id, tmp_path / "measured", concurrency=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < series_bytes / 4, (peak, series_bytes)


# --- errors: before anything is sent, typed, without patient data ---------------------------


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"concurrency": 0}, "concurrency: must be a whole number of at least 1"),
        ({"series": 7}, "series: expected a SeriesInstanceUID or an iterable of them"),
        ({"series": []}, "series: expected a SeriesInstanceUID or an iterable of them"),
        ({"progress": "print"}, "progress: expected a callable"),
        ({"transcode": "yes"}, "transcode: expected True or False"),
        ({"directory": b"/tmp"}, "directory: expected a path"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path, arguments: dict[str, Any], problem: str
) -> None:
    image_set_id = local.add_image_set()
    arguments = dict(arguments)
    directory = arguments.pop("directory", tmp_path)
    with pytest.raises(hic.ParamValidationError, match=problem):
        px.sdk.run(px.client.export_image_set(px.ds, image_set_id, directory, **arguments))
    with pytest.raises(hic.ParamValidationError, match="image_set_id"):
        px.sdk.run(px.client.export_image_set(px.ds, "not an id", tmp_path))
    assert sum(px.transport.seen.values()) == 0 and files(tmp_path) == []


def test_an_unknown_series_is_refused_before_any_frame(px: Pixels, local: LocalHealthImaging, tmp_path: Path) -> None:
    image_set_id = local.add_image_set()
    with pytest.raises(hic.ParamValidationError, match="1 of the SeriesInstanceUIDs given are not in the image set"):
        export(px, image_set_id, tmp_path, series=["2.25.1"])
    assert px.transport.seen["getImageFrame"] == 0 and files(tmp_path) == []


def _broken(px: Pixels, local: LocalHealthImaging) -> str:
    """An image set whose patient is the canary and whose last instance cannot make a file (InstanceNumber)."""
    image_set_id = local.add_image_set(patient={"PatientName": CANARY}, instances=3)
    metadata = px.get_image_set_metadata(image_set_id)
    instance = list(metadata.iter_instances())[-1]
    document = metadata.to_dict()
    builder = hic.DICOMUpdatesBuilder(hic.ImageSetMetadata(copy.deepcopy(document)))
    builder.set_instance(instance.series_instance_uid, instance.sop_instance_uid, {"InstanceNumber": "one"})
    px.update_image_set_metadata(image_set_id, latest_version_id="1", updates=builder.build())
    return image_set_id


def _uids(px: Pixels, image_set_id: str) -> list[str]:
    metadata = px.get_image_set_metadata(image_set_id)
    return [str(metadata.study.study_instance_uid)] + [
        uid
        for instance in metadata.iter_instances()
        for uid in (instance.series_instance_uid, instance.sop_instance_uid)
    ]


def _assert_no_patient_data(error: BaseException, secrets: list[str]) -> None:
    shown = [str(error), repr(error)]
    cause: BaseException | None = error
    while cause is not None:
        shown += [str(cause), repr(cause)]
        cause = cause.__cause__ or cause.__context__
    for frame, _ in traceback.walk_tb(error.__traceback__):
        if "healthimaging_client" in frame.f_code.co_filename:  # the SDK's frames, not this test's
            shown += [f"{name}={value!r}" for name, value in frame.f_locals.items()]
    for secret in secrets:
        assert not any(secret in text for text in shown), secret


def test_metadata_that_cannot_make_a_file_stops_the_export_at_that_instance(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path
) -> None:
    image_set_id = _broken(px, local)
    with pytest.raises(hic.DICOMExportError, match=r"instance 3 of 3 .* InstanceNumber is an IS") as caught:
        export(px, image_set_id, tmp_path, concurrency=1)
    kept = files(tmp_path)
    assert len(kept) == 2 and all(hic.dicom.is_complete(path) for path in kept)
    _assert_no_patient_data(caught.value, [CANARY, *_uids(px, image_set_id)])


def test_a_local_failure_is_an_os_error_naming_the_directory_not_the_file(
    px: Pixels, local: LocalHealthImaging, tmp_path: Path
) -> None:
    image_set_id = local.add_image_set(patient={"PatientName": CANARY})
    study = tmp_path / str(px.get_image_set_metadata(image_set_id).study.study_instance_uid)
    study.write_bytes(b"a file where the study's directory goes")
    with pytest.raises(OSError) as caught:
        export(px, image_set_id, tmp_path)
    assert caught.value.filename == str(tmp_path)
    _assert_no_patient_data(caught.value, [CANARY, *_uids(px, image_set_id)])


def test_a_checksum_mismatch_while_transcoding_is_typed_and_leaves_no_partial_file(
    sdk: Harness, local: LocalHealthImaging, tmp_path: Path
) -> None:
    """Transcoding decodes, so it verifies each frame's CRC32; the stored encoding passes frames on as served."""
    image_set_id = local.add_image_set(
        instances=2, frames=2, frame_format=FrameFormat("1.2.840.10008.1.2.1", rows=16, columns=16)
    )
    px = faulty(sdk, local, at=4, tamper=True)  # the last frame's last byte is changed in transit
    with pytest.raises(hic.ChecksumMismatchError):
        export(px, image_set_id, tmp_path, transcode=True, concurrency=1)
    kept = files(tmp_path)
    assert len(kept) == 1 and hic.dicom.is_complete(kept[0])


def test_both_clients_write_the_same_bytes(local: LocalHealthImaging, tmp_path: Path) -> None:
    showcase = local.add_pixel_showcase()
    with local.client() as client:
        client.export_image_set(local.datastore_id, showcase, tmp_path / "sync", fsync=False)

    async def run() -> None:
        async with local.async_client() as client:
            await client.export_image_set(local.datastore_id, showcase, tmp_path / "async", concurrency=5)

    asyncio.run(run())
    sync, async_ = files(tmp_path / "sync"), files(tmp_path / "async")
    assert [p.relative_to(tmp_path / "sync") for p in sync] == [p.relative_to(tmp_path / "async") for p in async_]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(sync, async_, strict=True))


def test_an_instance_without_frames_is_exported_without_pixel_data(tmp_path: Path) -> None:
    """The file side alone (the emulator makes images only): a report among images, written in document order."""
    from healthimaging_client.dicom import _files

    document, examples = docs.image_set()
    report = examples[3]
    entry = document["Study"]["Series"][report.series_uid]["Instances"][report.sop_uid]
    entry["DICOM"] = {
        "SOPClassUID": "1.2.840.10008.5.1.4.1.1.88.11",  # Basic Text SR
        "SOPInstanceUID": report.sop_uid,
        "ValueType": "CONTAINER",
        "ContentSequence": [{"RelationshipType": "CONTAINS", "ValueType": "TEXT", "TextValue": "synthetic"}],
    }
    entry["ImageFrames"] = []
    metadata = hic.ImageSetMetadata(document)
    plan = _files.plan_export(metadata, tmp_path, series=None, transcode=False)
    assert not isinstance(plan, str)
    frames = {example.sop_uid: iter(example.frames) for example in examples}
    written = _files.ExportFiles(plan, fsync=False)
    for job in plan.jobs():
        written.write(job, None if job.frame is None else next(frames[job.instance.sop_instance_uid]))
    assert written.summary().files_written == len(examples)
    read = pydicom.dcmread(next(tmp_path.rglob(f"{report.sop_uid}.dcm")))
    assert "PixelData" not in read and read.ContentSequence[0].TextValue == "synthetic"
