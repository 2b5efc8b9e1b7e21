"""The clients' pixel methods on both clients, against the emulator: frames, arrays, iteration, volumes.

``get_image_frame`` hands back the codestream as served; ``get_frame_array``,
``iter_frame_arrays`` and ``get_series_volume`` fetch and decode, and must give
exactly the emulator's synthetic pixels. Requests are counted at the transport,
so "nothing was sent" and "at most N in flight" are observed, not assumed.
"""

from __future__ import annotations

import asyncio
import copy
import json
import subprocess
import sys
import threading
from collections import Counter
from typing import Any

import httpx
import numpy as np
import pytest
import respx

import healthimaging_client as hic
import healthimaging_client.pixels as pixels
from healthimaging_client.pixels import FrameRef, iter_frames, plan_volume
from healthimaging_client.testing import FakeClock, FrameFormat, LocalHealthImaging, _pixels

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, OTHER_IMAGE_SET_ID, Harness
from .test_emulator import FAST, Api
from .test_emulator_pixels import CONTENT_TYPES


class Counting(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps the emulator's transport: counts requests per operation and the most in flight at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: Counter[str] = Counter()
        self.in_flight = self.peak = 0
        self.lock = threading.Lock()

    def _enter(self, request: httpx.Request) -> None:
        with self.lock:
            self.seen[request.url.path.rsplit("/", 1)[-1]] += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def _exit(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._enter(request)
        try:
            return self.inner.handle_request(request)  # type: ignore[no-any-return]
        finally:
            self._exit()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._enter(request)
        try:
            return await self.inner.handle_async_request(request)  # type: ignore[no-any-return]
        finally:
            self._exit()


class Pixels(Api):
    """An ``Api`` (test_emulator) whose client sends through a counting transport."""

    def __init__(self, sdk: Harness, local: LocalHealthImaging, **overrides: Any) -> None:
        self.sdk = sdk
        self.local = local
        self.ds = local.datastore_id
        self.transport = Counting(local.transport)
        http = _http(sdk, self.transport)
        settings = {**local.client_config(), "retry": FAST, "aws_session_token": None, "http_client": http, **overrides}
        self.client = sdk.client(**settings)


def _http(sdk: Harness, transport: Any) -> Any:
    return httpx.AsyncClient(transport=transport) if sdk.kind == "async" else httpx.Client(transport=transport)


@pytest.fixture
def local() -> LocalHealthImaging:
    return LocalHealthImaging(seed=3)


@pytest.fixture
def px(sdk: Harness, local: LocalHealthImaging) -> Pixels:
    return Pixels(sdk, local)


def expected(local: LocalHealthImaging, frame_id: str) -> np.ndarray[Any, Any]:
    """The emulator's synthetic pixels of a frame, as DICOM lays them out."""
    spec = local._store.frames.spec(frame_id)  # pyright: ignore[reportPrivateUsage]
    array = np.frombuffer(_pixels.pixel_bytes(spec), dtype=spec.format.numpy_dtype).reshape(spec.format.shape)
    return array.astype(array.dtype.newbyteorder("="))


def description(metadata: hic.ImageSetMetadata, ref: FrameRef) -> str:
    return str(metadata.study.series[ref.instance.series_instance_uid].dicom["SeriesDescription"])


# --- one frame ---------------------------------------------------------------------------


def test_get_image_frame_returns_the_codestream_and_its_content_type(px: Pixels, local: LocalHealthImaging) -> None:
    showcase = local.add_pixel_showcase()
    metadata = px.get_image_set_metadata(showcase)
    seen = set()
    for ref in iter_frames(metadata):
        output = px.get_image_frame(showcase, ref.image_frame_id)
        assert isinstance(output, hic.GetImageFrameOutput)
        codestream, content_type = local._store.frames.codestream(ref.image_frame_id)  # pyright: ignore[reportPrivateUsage]
        assert output.data == codestream
        assert output.content_type == content_type == CONTENT_TYPES[description(metadata, ref)]
        assert repr(output) == f"GetImageFrameOutput(data=<{len(codestream)} bytes>, content_type={content_type!r})"
        seen.add(output.content_type)
    assert seen == set(CONTENT_TYPES.values())


def test_get_frame_array_gives_the_pixels_of_every_stored_format(px: Pixels, local: LocalHealthImaging) -> None:
    showcase = local.add_pixel_showcase()
    metadata = px.get_image_set_metadata(showcase)
    before = px.transport.seen["getImageSetMetadata"]
    for ref in iter_frames(metadata):
        array = px.get_frame_array(showcase, ref.image_frame_id, metadata=metadata)
        assert array.dtype == expected(local, ref.image_frame_id).dtype
        assert np.array_equal(array, expected(local, ref.image_frame_id)), description(metadata, ref)
    assert px.transport.seen["getImageSetMetadata"] == before  # given, so never fetched again


def test_get_frame_array_fetches_the_metadata_when_not_given(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(frame_format=FrameFormat(rows=32, columns=48, bits_stored=12))
    frame_id = next(iter_frames(px.get_image_set_metadata(image_set_id))).image_frame_id
    px.transport.seen.clear()
    array = px.get_frame_array(image_set_id, frame_id)
    assert np.array_equal(array, expected(local, frame_id)) and array.shape == (32, 48)
    assert px.transport.seen == {"getImageSetMetadata": 1, "getImageFrame": 1}


def test_rescale_gives_float32_physical_values(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(
        frame_format=FrameFormat(rows=16, columns=16, bits_stored=12, rescale=(0.5, -1024.0))
    )
    metadata = px.get_image_set_metadata(image_set_id)
    frame_id = next(iter_frames(metadata)).image_frame_id
    array = px.get_frame_array(image_set_id, frame_id, metadata=metadata, rescale=True)
    assert array.dtype == np.float32
    assert np.array_equal(array, expected(local, frame_id).astype(np.float32) * 0.5 - 1024.0)


def _with_wrong_checksum(metadata: hic.ImageSetMetadata) -> hic.ImageSetMetadata:
    document = copy.deepcopy(metadata.to_dict())
    for series in document["Study"]["Series"].values():
        for instance in series["Instances"].values():
            for frame in instance["ImageFrames"]:
                frame["PixelDataChecksumFromBaseToFullResolution"][-1]["Checksum"] ^= 1
    return hic.ImageSetMetadata(document)


def test_a_checksum_mismatch_is_a_typed_error_unless_verify_is_off(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(instances=3, frame_format=FrameFormat(rows=16, columns=16))
    wrong = _with_wrong_checksum(px.get_image_set_metadata(image_set_id))
    frame_id = next(iter_frames(wrong)).image_frame_id
    with pytest.raises(hic.ChecksumMismatchError) as caught:
        px.get_frame_array(image_set_id, frame_id, metadata=wrong)
    assert caught.value.image_frame_id == frame_id
    with pytest.raises(hic.ChecksumMismatchError):
        px.iter_frame_arrays(image_set_id, wrong)
    assert np.array_equal(
        px.get_frame_array(image_set_id, frame_id, metadata=wrong, verify=False), expected(local, frame_id)
    )
    assert len(px.iter_frame_arrays(image_set_id, wrong, verify=False)) == 3


def test_bad_input_is_refused_before_anything_is_sent(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(instances=2, frame_format=FrameFormat(rows=8, columns=8))
    other_id = local.add_image_set(frame_format=FrameFormat(rows=8, columns=8))
    metadata = px.get_image_set_metadata(image_set_id)
    series = next(iter(metadata.study.series.values()))
    frame_id = next(iter_frames(metadata)).image_frame_id
    px.transport.seen.clear()
    attempts: dict[str, Any] = {
        "bad frame id": lambda: px.get_frame_array(image_set_id, "NOT-A-FRAME-ID"),
        "bad image set id": lambda: px.get_frame_array("x" * 31, frame_id, metadata=metadata),
        "frame not in the metadata": lambda: px.get_frame_array(image_set_id, "f" * 32, metadata=metadata),
        "metadata of another image set": lambda: px.get_frame_array(other_id, frame_id, metadata=metadata),
        "frames of another image set": lambda: px.iter_frame_arrays(other_id, metadata),
        "frames of a wrong type": lambda: px.iter_frame_arrays(image_set_id, ["not", "refs"]),
        "frames that are no level": lambda: px.iter_frame_arrays(image_set_id, 42),
        "concurrency of 0": lambda: px.iter_frame_arrays(image_set_id, series, concurrency=0),
        "volume concurrency of 0": lambda: px.get_series_volume(image_set_id, series, concurrency=0),
        "volume of a bad image set id": lambda: px.get_series_volume("?" * 32, series),
    }
    for name, attempt in attempts.items():
        with pytest.raises(hic.ParamValidationError):
            attempt()
        assert sum(px.transport.seen.values()) == 0, name


def test_iterating_is_checked_when_called_not_when_started(sdk: Harness, local: LocalHealthImaging) -> None:
    client = Pixels(sdk, local).client
    with pytest.raises(hic.ParamValidationError, match="frames"):
        client.iter_frame_arrays(local.datastore_id, "0" * 32, frames=3.5)


# --- many frames -----------------------------------------------------------------------------


def test_iter_frame_arrays_over_each_level_of_the_tree(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(
        series=[{"SeriesNumber": 1}, {"SeriesNumber": 2}],
        instances=3,
        frames=2,
        frame_format=FrameFormat(rows=16, columns=16),
    )
    metadata = px.get_image_set_metadata(image_set_id)
    series = next(iter(metadata.study.series.values()))
    instance = next(iter(series.instances.values()))
    chosen = list(iter_frames(metadata))[3:7]
    for level, count in ((metadata, 12), (series, 6), (instance, 2), (chosen, 4)):
        results = px.iter_frame_arrays(image_set_id, level)
        assert len(results) == count
        for ref, array in results:
            assert isinstance(ref, FrameRef)
            assert np.array_equal(array, expected(local, ref.image_frame_id))
    ordered = px.iter_frame_arrays(image_set_id, reversed(chosen), ordered=True, concurrency=3)
    assert [ref.image_frame_id for ref, _ in ordered] == [ref.image_frame_id for ref in reversed(chosen)]
    assert px.iter_frame_arrays(image_set_id, []) == []


def test_frames_in_flight_stay_within_the_concurrency(sdk: Harness, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(instances=12, frame_format=FrameFormat(rows=8, columns=8))
    px = Pixels(sdk, local)
    metadata = px.get_image_set_metadata(image_set_id)
    local.delay_responses(0.1, operation="GetImageFrame")
    assert len(px.iter_frame_arrays(image_set_id, metadata, concurrency=3)) == 12
    assert px.transport.peak == 3
    px.transport.peak = 0
    assert len(px.iter_frame_arrays(image_set_id, metadata)) == 12
    assert 3 < px.transport.peak <= 12  # the default (16) is above the frame count


def test_decoding_runs_off_the_calling_thread(
    px: Pixels, local: LocalHealthImaging, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sync: on the worker threads that fetch; async: on worker threads, never on the event loop."""
    image_set_id = local.add_image_set(instances=4, frame_format=FrameFormat(rows=8, columns=8))
    metadata = px.get_image_set_metadata(image_set_id)
    threads: set[int] = set()
    decode = pixels.decode_frame

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.add(threading.get_ident())
        return decode(*args, **kwargs)

    monkeypatch.setattr(pixels, "decode_frame", recording)
    px.iter_frame_arrays(image_set_id, metadata)
    assert threads and threading.get_ident() not in threads
    if px.sdk.kind == "async":
        px.get_frame_array(image_set_id, next(iter_frames(metadata)).image_frame_id, metadata=metadata)
        assert threading.get_ident() not in threads


def test_a_failed_frame_ends_the_iteration_with_its_typed_error(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(instances=6, frame_format=FrameFormat(rows=8, columns=8))
    metadata = px.get_image_set_metadata(image_set_id)
    local.fail_next("GetImageFrame", status=403, code="AccessDeniedException", message="no frames for you")
    with pytest.raises(hic.AccessDeniedException) as caught:
        px.iter_frame_arrays(image_set_id, metadata, concurrency=2)
    assert caught.value.operation == "GetImageFrame"
    assert px.transport.seen["getImageFrame"] <= 4  # the failure stopped the rest


def test_leaving_the_iteration_early_stops_fetching(sdk: Harness, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(instances=40, frame_format=FrameFormat(rows=8, columns=8))
    px = Pixels(sdk, local)
    metadata = px.get_image_set_metadata(image_set_id)
    iterator = px.client.iter_frame_arrays(local.datastore_id, image_set_id, metadata, concurrency=2)

    async def first_async() -> Any:
        async for item in iterator:
            await iterator.aclose()
            return item
        return None

    first = sdk.run(first_async()) if sdk.kind == "async" else next(iterator)
    if sdk.kind == "sync":
        iterator.close()
    assert isinstance(first[0], FrameRef)
    assert px.transport.seen["getImageFrame"] <= 4
    assert px.transport.in_flight == 0


# --- volumes -------------------------------------------------------------------------------


def test_get_series_volume_stacks_the_slices_along_the_normal(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(instances=7, frame_format=FrameFormat(rows=24, columns=20, bits_stored=12))
    metadata = px.get_image_set_metadata(image_set_id)
    series = next(iter(metadata.study.series.values()))
    volume = px.get_series_volume(image_set_id, series, concurrency=3)
    plan = plan_volume(series)
    assert isinstance(volume, pixels.Volume)
    assert volume.array.shape == (7, 24, 20) and volume.array.dtype == np.uint16
    assert volume.frame_ids == plan.frame_ids and volume.ordered_by == "ImagePositionPatient"
    for index, frame_id in enumerate(plan.frame_ids):
        assert np.array_equal(volume.array[index], expected(local, frame_id))
    assert volume.spacing == plan.spacing and volume.origin == plan.origin


def test_a_volume_of_the_showcase_series_rescaled(px: Pixels, local: LocalHealthImaging) -> None:
    showcase = local.add_pixel_showcase()
    metadata = px.get_image_set_metadata(showcase)
    for series in metadata.study.series.values():
        volume = px.get_series_volume(showcase, series, rescale=True)
        plan = plan_volume(series)
        assert volume.array.dtype == np.float32 and volume.array.shape == plan.shape
        for index, ref in enumerate(plan.slices):
            want = pixels.decode_frame(
                local._store.frames.codestream(ref.image_frame_id)[0],  # pyright: ignore[reportPrivateUsage]
                ref.instance,
                ref.frame,
                rescale=True,
            )
            assert np.array_equal(volume.array[index], want), series.dicom["SeriesDescription"]


def test_frames_that_do_not_stack_are_refused_before_fetching(px: Pixels, local: LocalHealthImaging) -> None:
    image_set_id = local.add_image_set(
        series=[{"SeriesInstanceUID": "1.2.3"}], instances=2, frame_format=FrameFormat(rows=8, columns=8)
    )
    document = copy.deepcopy(px.get_image_set_metadata(image_set_id).to_dict())
    instances = list(document["Study"]["Series"]["1.2.3"]["Instances"].values())
    instances[1]["DICOM"]["Rows"] = 9
    series = hic.ImageSetMetadata(document).study.series["1.2.3"]
    px.transport.seen.clear()
    with pytest.raises(hic.VolumeGeometryError):
        px.get_series_volume(image_set_id, series)
    assert sum(px.transport.seen.values()) == 0


# --- over loopback ---------------------------------------------------------------------------


def test_the_loopback_server_serves_frames_to_both_clients(sdk: Harness) -> None:
    local = LocalHealthImaging(seed=9)
    showcase = local.add_pixel_showcase()
    with local.serve() as endpoint_url:
        client = sdk.client(**local.client_config(endpoint_url), retry=FAST)
        metadata = sdk.run(client.get_image_set_metadata(local.datastore_id, showcase))
        results = sdk.collect(client.iter_frame_arrays(local.datastore_id, showcase, metadata, ordered=True))
        assert [ref.image_frame_id for ref, _ in results] == [ref.image_frame_id for ref in iter_frames(metadata)]
        for ref, array in results:
            assert np.array_equal(array, expected(local, ref.image_frame_id))
        series = metadata.study.series[next(iter(metadata.study.series))]
        volume = sdk.run(client.get_series_volume(local.datastore_id, showcase, series))
        assert volume.array.shape == plan_volume(series).shape


# --- without the extra -----------------------------------------------------------------------


def test_without_the_extra_pixel_methods_say_what_to_install_and_send_nothing() -> None:
    code = """
import sys; sys.modules['numpy'] = None
import httpx, healthimaging_client as hic
seen = []
def answer(request):
    seen.append(request.url.path)
    return httpx.Response(200, content=b"codestream", headers={"Content-Type": "image/jph"})
client = hic.Client(region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b",
                    http_client=httpx.Client(transport=httpx.MockTransport(answer)))
ID = "0" * 32
for attempt in (lambda: client.get_frame_array(ID, ID, ID), lambda: client.iter_frame_arrays(ID, ID, []),
                lambda: client.get_series_volume(ID, ID, hic.Series("1.2", {}))):
    try:
        attempt()
    except hic.ExtraNotInstalledError as exc:
        print(exc.extra, len(seen))
print(client.get_image_frame(ID, ID, ID).content_type, len(seen))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n") == ["pixels 0", "pixels 0", "pixels 0", "image/jph 1", ""]


def test_async_iteration_is_an_async_iterator_and_not_a_coroutine() -> None:
    local = LocalHealthImaging(seed=1)
    image_set_id = local.add_image_set(frame_format=FrameFormat(rows=8, columns=8))

    async def scenario() -> int:
        async with local.async_client(clock=FakeClock()) as client:
            metadata = await client.get_image_set_metadata(local.datastore_id, image_set_id)
            iterator = client.iter_frame_arrays(local.datastore_id, image_set_id, metadata)
            assert not asyncio.iscoroutine(iterator)
            return len([item async for item in iterator])

    assert asyncio.run(scenario()) == 1


# --- GetImageFrame's answers, scripted -----------------------------------------------------------

FRAME_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/imageSet/{IMAGE_SET_ID}/getImageFrame"


def _frame(sdk: Harness, **overrides: Any) -> Any:
    return sdk.run(sdk.client(**overrides).get_image_frame(DATASTORE_ID, IMAGE_SET_ID, OTHER_IMAGE_SET_ID))


@pytest.mark.parametrize(
    ("body", "headers", "content_type"),
    [
        (b"\xff\x4f\xff\x51" + bytes(range(256)), {"Content-Type": "image/jph"}, "image/jph"),
        (b"\x1f\x8b\x08\x00 looks like gzip, is not", {"Content-Type": "application/octet-stream"}, None),
        (b"\x00" * 4096, {}, "application/octet-stream"),
        (b"{}", {"Content-Type": "image/j2c; q=0.9"}, "image/j2c; q=0.9"),
    ],
    ids=["htj2k", "gzip-magic-undeclared", "no-content-type", "json-looking"],
)
def test_the_body_is_the_codestream_byte_for_byte(
    sdk: Harness, body: bytes, headers: dict[str, str], content_type: str | None
) -> None:
    with respx.mock(using="httpx") as mock:
        route = mock.post(FRAME_URL).mock(return_value=httpx.Response(200, content=body, headers=headers))
        output = _frame(sdk)
    assert output.data == body
    assert output.content_type == (content_type or headers["Content-Type"])
    assert json.loads(route.calls[0].request.content) == {"imageFrameId": OTHER_IMAGE_SET_ID}


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, content=b"", headers={"Content-Type": "image/jph"}), hic.InvalidResponseError),
        (
            httpx.Response(406, json={"message": "no"}, headers={"x-amzn-ErrorType": "NotAcceptableException"}),
            hic.NotAcceptableException,
        ),
        (
            httpx.Response(400, json={"message": "no"}, headers={"x-amzn-ErrorType": "BadRequestException"}),
            hic.BadRequestException,
        ),
        (
            httpx.Response(200, stream=httpx.ByteStream(b"not gzip"), headers={"Content-Encoding": "gzip"}),
            hic.InvalidResponseError,
        ),
    ],
    ids=["empty", "406", "400-bad-request", "corrupt-encoding"],
)
def test_frame_errors_are_typed_and_not_retried(sdk: Harness, response: httpx.Response, error: type) -> None:
    with respx.mock(using="httpx") as mock:
        route = mock.post(FRAME_URL).mock(return_value=response)
        with pytest.raises(error) as caught:
            _frame(sdk)
    assert route.call_count == 1
    assert caught.value.operation == "GetImageFrame"


def test_a_throttled_frame_is_retried(sdk: Harness) -> None:
    throttled = httpx.Response(429, json={}, headers={"x-amzn-ErrorType": "ThrottlingException"})
    with respx.mock(using="httpx") as mock:
        route = mock.post(FRAME_URL).mock(side_effect=[throttled, httpx.Response(200, content=b"frame")])
        assert _frame(sdk).data == b"frame"
    assert route.call_count == 2
