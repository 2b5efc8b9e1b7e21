"""What a user of the pixel methods and the new image-set operations writes; every line must type-check."""

from __future__ import annotations

import contextlib
from typing import Any, assert_type, reveal_type

import numpy as np
from numpy.typing import NDArray

import healthimaging_client as hic
from healthimaging_client.pixels import FrameRef, Volume, plan_volume


def frames(client: hic.Client, datastore_id: str, image_set_id: str) -> None:
    output = client.get_image_frame(datastore_id, image_set_id, "0" * 32)
    reveal_type(output)  # revealed: GetImageFrameOutput
    assert_type(output.data, bytes)
    assert_type(output.content_type, str)

    metadata = client.get_image_set_metadata(datastore_id, image_set_id)
    frame = next(metadata.iter_frames())
    array = client.get_frame_array(datastore_id, image_set_id, frame.id, metadata=metadata, verify=False)
    reveal_type(array)  # revealed: ndarray[tuple[Any, ...], dtype[Any]]
    physical: NDArray[np.float32] = client.get_frame_array(datastore_id, image_set_id, frame.id, rescale=True)
    del physical

    for ref, pixels in client.iter_frame_arrays(datastore_id, image_set_id, metadata, ordered=True, concurrency=8):
        assert_type(ref, FrameRef)
        assert_type(pixels, NDArray[Any])
    series = next(iter(metadata.study.series.values()))
    for ref, _ in client.iter_frame_arrays(datastore_id, image_set_id, plan_volume(series).slices):
        reveal_type(ref.image_frame_id)  # revealed: str

    volume = client.get_series_volume(datastore_id, image_set_id, series, rescale=True, concurrency=4)
    assert_type(volume, Volume)
    assert_type(volume.spacing, tuple[float | None, float | None, float | None])


def image_sets(client: hic.Client, datastore_id: str, image_set_id: str) -> None:
    properties = client.get_image_set(datastore_id, image_set_id, version_id=3)
    reveal_type(properties)  # revealed: GetImageSetOutput
    assert_type(properties.image_set_workflow_status, hic.ImageSetWorkflowStatus | str | None)
    deleting = client.delete_image_set(datastore_id, image_set_id)
    assert_type(deleting, hic.DeleteImageSetOutput)
    assert_type(client.wait_for_image_set_deletion(datastore_id, image_set_id, timeout=900.0), None)
    try:
        client.delete_image_set(datastore_id, image_set_id)
    except (hic.ConflictException, hic.ResourceNotFoundException) as exc:
        assert_type(exc.may_have_applied, bool)
    with contextlib.suppress(hic.NotAcceptableException, hic.BadRequestException):
        client.get_image_frame(datastore_id, image_set_id, "0" * 32)


async def frames_async(client: hic.AsyncClient, datastore_id: str, image_set_id: str) -> None:
    output = await client.get_image_frame(datastore_id, image_set_id, "0" * 32)
    assert_type(output, hic.GetImageFrameOutput)
    metadata = await client.get_image_set_metadata(datastore_id, image_set_id)
    array = await client.get_frame_array(datastore_id, image_set_id, "0" * 32, metadata=metadata)
    assert_type(array, NDArray[Any])
    async for ref, pixels in client.iter_frame_arrays(datastore_id, image_set_id, metadata.study.series["1.2"]):
        assert_type(ref, FrameRef)
        del pixels
    volume = await client.get_series_volume(datastore_id, image_set_id, metadata.study.series["1.2"])
    reveal_type(volume.array)  # revealed: ndarray[tuple[Any, ...], dtype[Any]]
    await client.wait_for_image_set_deletion(datastore_id, image_set_id)
