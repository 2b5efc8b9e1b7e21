"""DICOM export as users write it; every line must type-check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import assert_type, reveal_type

from pydicom import Dataset

from healthimaging_client import AsyncClient, Client, ExportProgress, ExportSummary
from healthimaging_client.dicom import (
    DICOMExportError,
    ExtraNotInstalledError,
    Part10Writer,
    instance_path,
    is_complete,
    to_dataset,
    transcode_frame,
    write_part10,
)
from healthimaging_client.errors import HealthImagingError


def export(client: Client, datastore_id: str, image_set_id: str, directory: Path, frames: list[bytes]) -> list[Path]:
    metadata = client.get_image_set_metadata(datastore_id, image_set_id)
    written: list[Path] = []
    for instance in metadata.iter_instances():
        dataset = to_dataset(metadata, instance)
        reveal_type(dataset)  # revealed: Dataset
        path = instance_path(directory, dataset)
        assert_type(is_complete(path), bool)
        if not is_complete(path):
            written.append(write_part10(path, dataset, iter(frames)))
    return written


def frame_by_frame(path: Path, dataset: Dataset, frames: Iterator[bytes]) -> Path:
    with Part10Writer(path, dataset, fsync=False) as writer:
        for frame in frames:
            writer.write_frame(frame)
    return writer.path


def in_memory(client: Client, datastore_id: str, image_set_id: str, frames: list[bytes]) -> Dataset:
    metadata = client.get_image_set_metadata(datastore_id, image_set_id)
    return to_dataset(metadata, next(metadata.iter_instances()), frames)


def transcoded(client: Client, datastore_id: str, image_set_id: str, codestreams: list[bytes], path: Path) -> Path:
    metadata = client.get_image_set_metadata(datastore_id, image_set_id)
    instance = next(metadata.iter_instances())
    dataset = to_dataset(metadata, instance, transcode=True)
    native = (
        transcode_frame(codestream, instance, frame, verify=False)
        for codestream, frame in zip(codestreams, instance.image_frames, strict=True)
    )
    assert_type(next(native), bytes)
    return write_part10(path, dataset, native)


def export_series(client: Client, datastore_id: str, image_set_id: str, series_uid: str, directory: Path) -> int:
    done: list[int] = []

    def show(report: ExportProgress) -> None:
        assert_type(report.path, Path)
        done.append(report.files_done)

    summary = client.export_image_set(datastore_id, image_set_id, directory, series=series_uid, progress=show)
    reveal_type(summary)  # revealed: ExportSummary
    return summary.files_written + summary.bytes_written


async def export_async(client: AsyncClient, datastore_id: str, image_set_id: str) -> ExportSummary:
    return await client.export_image_set(
        datastore_id, image_set_id, "out", series=["2.25.1", "2.25.2"], concurrency=8, transcode=True, fsync=False
    )


def errors(directory: Path, dataset: Dataset) -> None:
    try:
        instance_path(directory, dataset)
    except ExtraNotInstalledError as missing:
        assert_type(missing.extra, str)
        assert isinstance(missing, ImportError) and isinstance(missing, HealthImagingError)
    except DICOMExportError as bad:
        assert isinstance(bad, ValueError)


def wrong(metadata_id: str, frames: list[str]) -> None:
    to_dataset(metadata_id, metadata_id)  # expect-error
    write_part10("f.dcm", Dataset(), frames)  # expect-error
    transcode_frame(frames[0], metadata_id, metadata_id)  # expect-error


def wrong_export(client: Client, progress: Callable[[int], None]) -> None:
    client.export_image_set("ds", "is", "out", progress=progress)  # expect-error
    client.export_image_set("ds", "is", "out", concurrency="8")  # expect-error
