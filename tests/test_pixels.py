"""Decoding frames (``healthimaging_client.pixels``): layout, codecs, checksums, lower resolutions, volumes."""

from __future__ import annotations

import copy
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import imagecodecs
import numpy as np
import pytest
from numpy.typing import NDArray

import healthimaging_client as hic
from healthimaging_client.metadata import ImageFrame, ImageSetMetadata, Instance
from healthimaging_client.pixels import (
    RESCALED_DTYPE,
    _decode,
    _encode,
    _wavelet,
    decode_frame,
    find_frame,
    frame_crc32,
    iter_frames,
    plan_volume,
)
from healthimaging_client.testing import LocalHealthImaging

HTJ2K, HTJ2K_LOSSLESS, HTJ2K_LOSSY = (f"1.2.840.10008.1.2.4.{n}" for n in (202, 201, 203))
J2K_LOSSLESS, J2K, EXPLICIT_LE = "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.1"
FRAME_ID = "0123456789abcdef0123456789abcdef"
RNG = np.random.default_rng(7)


def _image(shape: tuple[int, ...], dtype: str, low: int, high: int) -> NDArray[Any]:
    """A smooth gradient with noise: compressible, and any flip or transposition changes it."""
    rows, columns = shape[:2]
    base = np.add.outer(np.arange(rows) * 3, np.arange(columns) * 5)
    if len(shape) == 3:
        base = base[:, :, None] + np.arange(shape[2]) * 7
    noise = RNG.integers(0, 9, shape)
    return (low + (base + noise) % (high - low + 1)).astype(dtype)


def _tags(pixels: NDArray[Any], bits_stored: int | None = None, **extra: Any) -> dict[str, Any]:
    bits = pixels.dtype.itemsize * 8
    return {
        "Rows": pixels.shape[0],
        "Columns": pixels.shape[1],
        "SamplesPerPixel": pixels.shape[2] if pixels.ndim == 3 else 1,
        "BitsAllocated": bits,
        "BitsStored": bits_stored or bits,
        "HighBit": (bits_stored or bits) - 1,
        "PixelRepresentation": int(pixels.dtype.kind == "i"),
        **extra,
    }


def _frame(
    pixels: NDArray[Any], syntax: str | None, *, thumbnails: bool = True, **tags: Any
) -> tuple[Instance, ImageFrame]:
    """An instance and frame whose metadata lists the true checksums of ``pixels`` (and its lower resolutions)."""
    levels = _encode.reduced_levels(pixels, syntax or HTJ2K) if thumbnails else []
    checksums = [{"Width": p.shape[1], "Height": p.shape[0], "Checksum": frame_crc32(p)} for p in [*levels, pixels]]
    raw: dict[str, Any] = {"DICOM": _tags(pixels, **tags)}
    if syntax is not None:
        raw["StoredTransferSyntaxUID"] = syntax
    frame = {"ID": FRAME_ID, "PixelDataChecksumFromBaseToFullResolution": checksums}
    raw["ImageFrames"] = [frame]
    instance = Instance("2.25.1", "2.25.2", raw)
    return instance, instance.image_frames[0]


CASES = {
    "uint16 12 bits": ((64, 64), "uint16", 0, 4095, {"bits_stored": 12}),
    "int16": ((40, 48), "int16", -32768, 32767, {}),
    "int16 12 bits": ((37, 53), "int16", -2048, 2047, {"bits_stored": 12}),
    "uint8": ((33, 20), "uint8", 0, 255, {}),
    "rgb uint8": ((45, 31, 3), "uint8", 0, 255, {}),
}


@pytest.mark.parametrize("syntax", [HTJ2K, HTJ2K_LOSSLESS, HTJ2K_LOSSY, J2K_LOSSLESS, J2K, EXPLICIT_LE, None])
@pytest.mark.parametrize("case", list(CASES))
def test_every_stored_format_decodes_to_the_original_pixels(syntax: str | None, case: str) -> None:
    shape, dtype, low, high, tags = CASES[case]
    pixels = _image(shape, dtype, low, high)
    instance, frame = _frame(pixels, syntax, **tags)
    codestream = _encode.encode_frame(pixels, syntax or HTJ2K)
    decoded = decode_frame(codestream, instance, frame)
    assert decoded.dtype == np.dtype(dtype) and decoded.shape == shape
    assert np.array_equal(decoded, pixels)
    assert decoded.flags.writeable and decoded.flags.c_contiguous


@pytest.mark.parametrize("syntax", [HTJ2K, J2K_LOSSLESS, J2K])
@pytest.mark.parametrize("case", ["uint16 12 bits", "int16 12 bits", "rgb uint8"])
def test_lower_resolutions_decode_and_match_their_listed_checksums(syntax: str, case: str) -> None:
    shape, dtype, low, high, tags = CASES[case]
    pixels = _image(shape, dtype, low, high)
    instance, frame = _frame(pixels, syntax, **tags)
    codestream = _encode.encode_frame(pixels, syntax)
    listed = frame.pixel_data_checksums
    assert len(listed) > 1
    for reduce, entry in enumerate(reversed(listed)):
        thumbnail = decode_frame(codestream, instance, frame, reduce=reduce)
        assert (thumbnail.shape[1], thumbnail.shape[0]) == (entry.width, entry.height)
        assert frame_crc32(thumbnail) == entry.checksum
    with pytest.raises(hic.UnsupportedPixelFormatError, match="lower resolutions"):
        decode_frame(codestream, instance, frame, reduce=len(listed))


@pytest.mark.parametrize("shape", [(64, 64), (37, 53), (17, 2), (45, 31, 3), (1, 9)])
@pytest.mark.parametrize("dtype", ["uint16", "int16", "uint8"])
def test_derived_jpeg2000_thumbnails_equal_openjph_reduced_decodes(shape: tuple[int, ...], dtype: str) -> None:
    """The 5/3 derivation used for JPEG 2000 gives, sample for sample, what OpenJPH decodes at each level."""
    info = np.iinfo(dtype)
    pixels = RNG.integers(info.min, int(info.max) + 1, shape).astype(dtype)
    pixels[: shape[0] // 2] = info.max  # saturated rows push the filter out of range
    codestream = imagecodecs.htj2k_encode(pixels, reversible=True, resolutions=3)
    for level in (1, 2, 3):
        expected = imagecodecs.htj2k_decode(codestream, skipres=level)
        derived = _wavelet.reduced(pixels, level, colour_transform=pixels.ndim == 3)
        assert np.array_equal(derived, expected), level


def test_a_checksum_mismatch_raises_without_pixel_values_unless_verification_is_off() -> None:
    pixels = _image((32, 32), "uint16", 0, 4095)
    instance, frame = _frame(pixels, HTJ2K)
    tampered = pixels.copy()
    tampered[3, 4] += 1
    codestream = _encode.encode_frame(tampered, HTJ2K)
    with pytest.raises(hic.ChecksumMismatchError) as caught:
        decode_frame(codestream, instance, frame)
    error = caught.value
    assert isinstance(error, hic.PixelDataError) and error.image_frame_id == FRAME_ID
    assert (error.width, error.height) == (32, 32) and error.actual == frame_crc32(tampered)
    assert str(error.expected) not in str(error) and str(error.actual) not in str(error)
    assert np.array_equal(decode_frame(codestream, instance, frame, verify=False), tampered)


def test_the_checksum_is_over_little_endian_interleaved_bytes() -> None:
    pixels = _image((5, 7, 3), "uint8", 0, 255)
    assert frame_crc32(pixels) == zlib.crc32(pixels.tobytes())
    words = _image((5, 7), "uint16", 0, 65535)
    assert frame_crc32(words.astype(">u2")) == zlib.crc32(words.astype("<u2").tobytes())


def test_bits_above_high_bit_are_cleared_or_sign_extended() -> None:
    """Uncompressed 12-bit data whose spare bits are not sign-extended (or hold junk) reads as DICOM says."""
    signed = np.array([[-5, 2047], [-2048, 0]], dtype=np.int16)
    stored = (signed.astype(np.uint16) & 0x0FFF).astype("<u2")  # 12-bit two's complement, top bits zero
    instance, frame = _frame(stored.view(np.int16), EXPLICIT_LE, thumbnails=False, bits_stored=12)
    assert np.array_equal(decode_frame(stored.tobytes(), instance, frame), signed)

    unsigned = np.array([[0xF123, 0x0FFF]], dtype="<u2")
    instance, frame = _frame(unsigned, EXPLICIT_LE, thumbnails=False, bits_stored=12)
    assert decode_frame(unsigned.tobytes(), instance, frame).tolist() == [[0x123, 0xFFF]]


def test_planar_colour_becomes_interleaved() -> None:
    pixels = _image((6, 5, 3), "uint8", 0, 255)
    planes = np.ascontiguousarray(pixels.transpose(2, 0, 1))
    instance, frame = _frame(pixels, EXPLICIT_LE, thumbnails=False, PlanarConfiguration=1)
    assert np.array_equal(decode_frame(planes.tobytes(), instance, frame), pixels)


def test_a_codec_that_returns_planes_is_reordered(monkeypatch: pytest.MonkeyPatch) -> None:
    pixels = _image((16, 12, 3), "uint8", 0, 255)
    instance, frame = _frame(pixels, HTJ2K)
    codestream = _encode.encode_frame(pixels, HTJ2K)
    planar = imagecodecs.htj2k_decode(codestream, planar=True)
    assert planar.shape == (3, 16, 12)
    monkeypatch.setattr(_decode.imagecodecs, "htj2k_decode", lambda data, **kw: planar)
    assert np.array_equal(decode_frame(codestream, instance, frame), pixels)


def test_rescale_gives_float32_physical_values() -> None:
    pixels = _image((16, 16), "int16", -2048, 2047)
    instance, frame = _frame(pixels, HTJ2K, bits_stored=12, RescaleSlope="0.5", RescaleIntercept=["-1024"])
    values = decode_frame(_encode.encode_frame(pixels, HTJ2K), instance, frame, rescale=True)
    assert values.dtype == RESCALED_DTYPE == np.float32
    assert np.array_equal(values, pixels.astype(np.float32) * 0.5 - 1024)


def test_out_receives_the_frame_in_place() -> None:
    pixels = _image((16, 8), "uint16", 0, 4095)
    instance, frame = _frame(pixels, HTJ2K)
    codestream = _encode.encode_frame(pixels, HTJ2K)
    volume = np.zeros((2, 16, 8), dtype=np.uint16)
    assert decode_frame(codestream, instance, frame, out=volume[1]) is not None
    assert np.array_equal(volume[1], pixels) and not volume[0].any()
    with pytest.raises(ValueError, match="shape"):
        decode_frame(codestream, instance, frame, out=np.zeros((16, 8), dtype=np.int16))


def test_the_decoder_follows_the_syntax_and_the_content_type_only_cross_checks() -> None:
    pixels = _image((16, 16), "uint16", 0, 4095)
    instance, frame = _frame(pixels, J2K_LOSSLESS)
    codestream = _encode.encode_frame(pixels, J2K_LOSSLESS)
    for content_type in (None, "application/octet-stream", "image/j2c", "IMAGE/J2C; q=1"):
        assert np.array_equal(decode_frame(codestream, instance, frame, content_type=content_type), pixels)
    with pytest.raises(hic.FrameDecodeError, match="image/jph"):
        decode_frame(codestream, instance, frame, content_type="image/jph")
    with pytest.raises(hic.UnsupportedPixelFormatError, match="text/html"):
        decode_frame(codestream, instance, frame, content_type="text/html; charset=utf-8")


def test_a_missing_syntax_means_htj2k() -> None:
    pixels = _image((16, 16), "uint16", 0, 4095)
    instance, frame = _frame(pixels, None)
    assert np.array_equal(
        decode_frame(_encode.encode_frame(pixels, HTJ2K), instance, frame, content_type="image/jph"), pixels
    )


@pytest.mark.parametrize(
    ("syntax", "content_type", "named"),
    [
        ("1.2.840.10008.1.2.4.102", "video/mp4", "video"),
        ("1.2.3.4", None, "1.2.3.4"),
        (HTJ2K, "video/H256", "video"),
    ],
)
def test_unknown_or_video_formats_raise_a_typed_error_naming_them(
    syntax: str, content_type: str | None, named: str
) -> None:
    instance, frame = _frame(np.zeros((4, 4), np.uint16), syntax, thumbnails=False)
    with pytest.raises(hic.UnsupportedPixelFormatError, match=named):
        decode_frame(b"\0" * 32, instance, frame, content_type=content_type)


def test_a_codestream_of_another_size_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    pixels = _image((16, 16), "uint16", 0, 4095)
    instance, frame = _frame(_image((16, 17), "uint16", 0, 4095), HTJ2K)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded a frame the header already ruled out")

    monkeypatch.setattr(_decode.imagecodecs, "htj2k_decode", never)
    with pytest.raises(hic.FrameDecodeError, match="16x16 but Columns x Rows is 17x16"):
        decode_frame(_encode.encode_frame(pixels, HTJ2K), instance, frame)


def test_a_corrupt_codestream_raises_frame_decode_error_with_the_codec_error_chained() -> None:
    pixels = _image((32, 32), "uint16", 0, 4095)
    instance, frame = _frame(pixels, HTJ2K)
    codestream = bytearray(_encode.encode_frame(pixels, HTJ2K))
    cut = bytes(codestream[: len(codestream) // 3])
    with pytest.raises(hic.PixelDataError) as caught:
        decode_frame(cut, instance, frame)
    assert isinstance(caught.value, hic.FrameDecodeError | hic.ChecksumMismatchError)
    with pytest.raises(hic.FrameDecodeError):
        decode_frame(b"\xff\x4f\xff\x51\x00", instance, frame)
    short = _frame(pixels, EXPLICIT_LE)
    with pytest.raises(hic.FrameDecodeError, match="bytes"):
        decode_frame(pixels.tobytes()[:-2], *short)


@pytest.mark.parametrize(
    ("tags", "named"),
    [
        ({"Rows": None}, "Rows"),
        ({"BitsAllocated": 32}, "BitsAllocated 32"),
        ({"SamplesPerPixel": 4}, "SamplesPerPixel"),
    ],
)
def test_unusable_pixel_attributes_are_named(tags: dict[str, Any], named: str) -> None:
    instance, frame = _frame(np.zeros((4, 4), np.uint16), HTJ2K, thumbnails=False, **tags)
    with pytest.raises(hic.UnsupportedPixelFormatError, match=named):
        decode_frame(b"", instance, frame)


# --- from the emulator's metadata: frames of a level, and volumes ------------------------------


@pytest.fixture(scope="module")
def showcase() -> tuple[LocalHealthImaging, ImageSetMetadata]:
    local = LocalHealthImaging(seed=3)
    image_set_id = local.add_pixel_showcase()
    with local.client() as client:
        return local, client.get_image_set_metadata(local.datastore_id, image_set_id)


def _codestream(local: LocalHealthImaging, frame_id: str) -> tuple[bytes, str]:
    """What GetImageFrame answers (phase 2 adds the client method; this reads the emulator's frame store)."""
    return local._store.frames.codestream(frame_id)  # pyright: ignore[reportPrivateUsage]


def _series(metadata: ImageSetMetadata, description: str) -> hic.Series:
    return next(s for s in metadata.study.series.values() if s.dicom.get("SeriesDescription") == description)


def test_every_frame_of_the_showcase_decodes_and_verifies(
    showcase: tuple[LocalHealthImaging, ImageSetMetadata],
) -> None:
    local, metadata = showcase
    refs = list(iter_frames(metadata))
    assert len(refs) == 18 and len({r.image_frame_id for r in refs}) == 18
    for ref in refs:
        data, content_type = _codestream(local, ref.image_frame_id)
        array = decode_frame(data, ref.instance, ref.frame, content_type=content_type)
        assert array.shape[:2] == (ref.instance.dicom["Rows"], ref.instance.dicom["Columns"])
        assert (array.min(), array.max()) == (ref.frame.min_pixel_value, ref.frame.max_pixel_value)
        found = find_frame(metadata, ref.image_frame_id)
        assert found is not None and (found.frame.id, found.index) == (ref.frame.id, ref.index)
    assert find_frame(metadata, "f" * 32) is None


def test_a_series_becomes_a_volume_ordered_along_the_slice_normal(
    showcase: tuple[LocalHealthImaging, ImageSetMetadata],
) -> None:
    local, metadata = showcase
    series = _series(metadata, "HTJ2K CT VOLUME")
    plan = plan_volume(series)
    assert plan.shape == (6, 64, 64) and plan.ordered_by == "ImagePositionPatient"
    numbers = [ref.instance.dicom["InstanceNumber"] for ref in plan.slices]
    assert numbers == [6, 5, 4, 3, 2, 1]  # InstanceNumber runs head to feet, against +z
    assert plan.spacing == (2.5, 0.75, 0.75) and plan.orientation == (1, 0, 0, 0, 1, 0)
    assert plan.origin == (-60.0, -50.0, 100.0 - 5 * 2.5)

    volume = plan.allocate(rescale=True)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda frame_id: plan.fill(volume, frame_id, *_codestream(local, frame_id)), plan.frame_ids))
    result = plan.volume(volume)
    assert result.array.dtype == np.float32 and result.slice_positions == (87.5, 90.0, 92.5, 95.0, 97.5, 100.0)
    for index, ref in enumerate(plan.slices):
        stored = decode_frame(_codestream(local, ref.image_frame_id)[0], ref.instance, ref.frame)
        assert np.array_equal(result.array[index], stored.astype(np.float32) - 1024)


def test_a_multi_frame_instance_gives_one_slice_per_frame(
    showcase: tuple[LocalHealthImaging, ImageSetMetadata],
) -> None:
    local, metadata = showcase
    plan = plan_volume(_series(metadata, "MULTI-FRAME HTJ2K"))
    assert plan.shape == (4, 32, 32) and plan.ordered_by == "ImagePositionPatient"
    assert [ref.index for ref in plan.slices] == [3, 2, 1, 0]
    volume = plan.allocate()
    for frame_id in plan.frame_ids:
        plan.fill(volume, frame_id, *_codestream(local, frame_id))
    assert volume.dtype == np.uint16 and len({volume[i].tobytes() for i in range(4)}) == 4


def _without(metadata: ImageSetMetadata, description: str, *names: str) -> hic.Series:
    """The series, with these attributes removed from every instance."""
    series = _series(ImageSetMetadata(copy.deepcopy(metadata.to_dict())), description)
    for instance in series.instances.values():
        for name in names:
            instance.to_dict()["DICOM"].pop(name, None)
    return series


def test_without_positions_slices_follow_instance_number(showcase: tuple[LocalHealthImaging, ImageSetMetadata]) -> None:
    _, metadata = showcase
    plan = plan_volume(_without(metadata, "HTJ2K CT VOLUME", "ImagePositionPatient", "SpacingBetweenSlices"))
    assert plan.ordered_by == "InstanceNumber" and plan.origin is None
    assert [ref.instance.dicom["InstanceNumber"] for ref in plan.slices] == [1, 2, 3, 4, 5, 6]
    assert plan.spacing == (2.5, 0.75, 0.75)  # from SliceThickness


def test_frames_that_do_not_stack_raise_volume_geometry_error(
    showcase: tuple[LocalHealthImaging, ImageSetMetadata],
) -> None:
    _, metadata = showcase
    mixed = [*iter_frames(_series(metadata, "HTJ2K CT VOLUME")), *iter_frames(_series(metadata, "HTJ2K 4.203"))]
    with pytest.raises(hic.VolumeGeometryError, match="differ"):
        plan_volume(mixed)
    series = _series(metadata, "HTJ2K CT VOLUME")
    same_place = list(iter_frames(series))
    with pytest.raises(hic.VolumeGeometryError, match="share a slice position"):
        plan_volume([same_place[0], same_place[0]])


def test_importing_the_core_loads_neither_numpy_nor_imagecodecs() -> None:
    code = (
        "import sys, healthimaging_client, healthimaging_client.testing as t\n"
        "t.LocalHealthImaging(seed=1, image_sets=3).add_pixel_showcase\n"
        "print(sorted(m for m in ('numpy', 'imagecodecs') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_without_the_extra_decoding_raises_a_typed_import_error_naming_it() -> None:
    code = (
        "import sys; sys.modules['imagecodecs'] = None\n"
        "import healthimaging_client as hic\n"
        "try:\n"
        "    from healthimaging_client.pixels import decode_frame\n"
        "except hic.ExtraNotInstalledError as exc:\n"
        "    assert isinstance(exc, ImportError) and exc.extra == 'pixels' and exc.missing == 'imagecodecs'\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'healthimaging-client[pixels]'" in out


# --- decoding straight into a volume (issue 15, phase 2) --------------------------------------


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("syntax", [HTJ2K, J2K_LOSSLESS, EXPLICIT_LE])
def test_out_gets_the_same_pixels_whichever_path_decodes_it(syntax: str, case: str) -> None:
    shape, dtype, low, high, tags = CASES[case]
    pixels = _image(shape, dtype, low, high)
    instance, frame = _frame(pixels, syntax, thumbnails=False, **tags)
    volume = np.full((3, *shape), 7, dtype=dtype)
    decode_frame(_encode.encode_frame(pixels, syntax), instance, frame, out=volume[1])
    assert np.array_equal(volume[1], pixels)
    assert (volume[0] == 7).all() and (volume[2] == 7).all()


def test_an_htj2k_frame_decodes_into_out_without_an_array_in_between() -> None:
    """What keeps a volume's assembly near its own size: no frame-sized temporary per slice."""
    import tracemalloc

    pixels = _image((256, 256), "uint16", 0, 4095)
    instance, frame = _frame(pixels, HTJ2K, thumbnails=False, bits_stored=12)
    codestream = _encode.encode_frame(pixels, HTJ2K)
    volume = np.zeros((2, 256, 256), dtype=np.uint16)

    def peak(out: NDArray[Any] | None) -> int:
        tracemalloc.start()
        try:
            decode_frame(codestream, instance, frame, out=out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(None) >= pixels.nbytes
    assert peak(volume[1]) < pixels.nbytes // 4
    assert np.array_equal(volume[1], pixels)
