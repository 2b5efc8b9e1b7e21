"""The metadata tree, the write builders and the waiter, as users write them; every line must type-check."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any, assert_type, reveal_type

from healthimaging_client import (
    AsyncClient,
    Client,
    CopySubsetBuilder,
    DICOMUpdates,
    DICOMUpdatesBuilder,
    ImageSetProperties,
    WaiterError,
    WaiterTimeoutError,
)
from healthimaging_client.metadata import HTJ2K_TRANSFER_SYNTAX_UID, ImageFrame, Instance, Series


def walk(client: Client, datastore_id: str, image_set_id: str) -> list[tuple[str, str, str]]:
    metadata = client.get_image_set_metadata(datastore_id, image_set_id)
    assert_type(metadata.patient.name, str | None)
    assert_type(metadata.study.date, datetime.date | None)
    assert_type(metadata.study.dicom, Mapping[str, Any])
    for series_uid, series in metadata.study.series.items():
        reveal_type(series)  # revealed: Series
        assert_type(series.number, int | None)
        for instance in series.instances.values():
            reveal_type(instance)  # revealed: Instance
            assert_type(instance.transfer_syntax_uid, str)
            assert_type(instance.dicom_vrs, Mapping[str, str])
        del series_uid
    instances: list[Instance] = list(metadata.iter_instances())
    frames: list[tuple[str, str, str]] = []
    for frame in metadata.iter_frames():
        reveal_type(frame)  # revealed: ImageFrame
        frames.append((frame.series_instance_uid, frame.sop_instance_uid, frame.id))
    first: Series | None = next(iter(metadata.study.series.values()), None)
    assert first is None or isinstance(first, Series)
    assert all(i.transfer_syntax_uid != HTJ2K_TRANSFER_SYNTAX_UID or i.image_frames for i in instances)
    return frames


def write(client: Client, datastore_id: str, image_set_id: str, destination: str) -> ImageSetProperties:
    current = client.get_image_set_metadata(datastore_id, image_set_id)
    builder = DICOMUpdatesBuilder(current).set_patient(PatientName="X^Y").remove_study("StudyDescription")
    assert_type(builder.build(), DICOMUpdates)
    client.update_image_set_metadata(datastore_id, image_set_id, latest_version_id=1, updates=builder)
    client.update_image_set_metadata(datastore_id, image_set_id, latest_version_id=2, updates=builder.build())
    done = client.wait_for_image_set(datastore_id, image_set_id, timeout=60.0, poll_interval=1.0)
    reveal_type(done)  # revealed: ImageSetProperties
    subset = CopySubsetBuilder(current).add_series("1.2.3")
    assert_type(subset.build(), str)
    client.copy_image_set(
        datastore_id,
        image_set_id,
        source_latest_version_id=done.version_id,
        copiable_attributes=subset,
        destination_image_set_id=destination,
        destination_latest_version_id="1",
    )
    client.download_image_set_metadata(datastore_id, image_set_id, Path("metadata.json"), decompress=True)
    return done


async def wait_async(client: AsyncClient, datastore_id: str, image_set_id: str) -> str | None:
    try:
        done = await client.wait_for_image_set(datastore_id, image_set_id)
    except WaiterTimeoutError:
        return None
    except WaiterError as exc:
        return str(exc)
    frames: list[ImageFrame] = list((await client.get_image_set_metadata(datastore_id, image_set_id)).iter_frames())
    del frames
    return done.version_id
