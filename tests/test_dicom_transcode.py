"""Colour and transcoding: what a file says about its pixels matches the bytes it holds.

In the stored encoding, a colour JPEG 2000 or HTJ2K frame that went through the codestream's
colour transform makes the file say YBR_RCT or YBR_ICT (PS3.5 8.2.4, 8.2.14), whatever the
metadata says. Transcoded, every frame is decoded (its checksum verified) and written native,
explicit VR little endian, with the interpretation the decoder returns. pydicom (with
pylibjpeg's OpenJPEG for the codestreams) reads each file back to the SDK's own decoded frames.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pydicom = pytest.importorskip("pydicom")
imagecodecs = pytest.importorskip("imagecodecs")
pytest.importorskip("openjpeg")  # pylibjpeg-openjpeg: pydicom's decoder for JPEG 2000 and HTJ2K

import numpy as np  # noqa: E402
from pydicom.dataset import Dataset  # noqa: E402

from healthimaging_client.dicom import (  # noqa: E402
    DICOMExportError,
    Part10Writer,
    to_dataset,
    transcode_frame,
    write_part10,
)
from healthimaging_client.dicom._transcode import describe_decoded  # noqa: E402
from healthimaging_client.errors import ChecksumMismatchError  # noqa: E402
from healthimaging_client.metadata import ImageSetMetadata, Instance  # noqa: E402
from healthimaging_client.pixels import decode_frame, frame_crc32  # noqa: E402
from healthimaging_client.testing import LocalHealthImaging  # noqa: E402

from . import dicom_documents as docs  # noqa: E402

DOCUMENT, EXAMPLES = docs.image_set()
RGB = next(example for example in EXAMPLES if example.name == "rgb-jpeg2000")
EXPLICIT_LE = "1.2.840.10008.1.2.1"


def _colour_document(photometric: str = "RGB", syntax: str = docs.JPEG2000) -> tuple[dict[str, Any], Instance]:
    document = copy.deepcopy(DOCUMENT)
    entry = document["Study"]["Series"][RGB.series_uid]["Instances"][RGB.sop_uid]
    entry["DICOM"]["PhotometricInterpretation"] = photometric
    entry["DICOM"]["PlanarConfiguration"] = 1  # as imported; JPEG 2000 interleaves, so the file must say 0
    entry["StoredTransferSyntaxUID"] = syntax
    metadata = ImageSetMetadata(document)
    return document, metadata.study.series[RGB.series_uid].instances[RGB.sop_uid]


def _j2k(array: np.ndarray[Any, Any], *, mct: bool, reversible: bool = True) -> bytes:
    codec = imagecodecs.JPEG2K.CODEC.J2K
    return bytes(imagecodecs.jpeg2k_encode(array, level=0, codecformat=codec, mct=mct, reversible=reversible))


def _read(path: Path) -> Any:
    return pydicom.dcmread(path)


# --- stored encoding: the colour transform decides the interpretation --------------------------------


@pytest.mark.parametrize(
    ("mct", "reversible", "written"),
    [(True, True, "YBR_RCT"), (True, False, "YBR_ICT"), (False, True, "RGB")],
    ids=["reversible-transform", "irreversible-transform", "no-transform"],
)
def test_colour_frames_make_the_file_say_what_the_codestream_holds(
    tmp_path: Path, mct: bool, reversible: bool, written: str
) -> None:
    document, instance = _colour_document()
    frames = [_j2k(array, mct=mct, reversible=reversible) for array in RGB.arrays]
    dataset = to_dataset(ImageSetMetadata(document), instance)
    read = _read(write_part10(tmp_path / "stored.dcm", dataset, frames))
    assert (read.PhotometricInterpretation, read.PlanarConfiguration) == (written, 0)
    assert dataset.PhotometricInterpretation == "RGB"  # the caller's dataset is left as it was
    in_memory = to_dataset(ImageSetMetadata(document), instance, frames)
    assert in_memory.PhotometricInterpretation == written
    decoded = read.pixel_array  # pydicom undoes the transform: RGB again
    expected = RGB.arrays[0]
    if reversible:
        assert np.array_equal(decoded, expected)
    else:
        assert np.abs(decoded.astype(int) - expected).max() <= 2


def test_metadata_naming_a_transform_the_frames_lack_is_corrected_to_rgb(tmp_path: Path) -> None:
    document, instance = _colour_document("YBR_RCT")
    frames = [_j2k(array, mct=False) for array in RGB.arrays]
    read = _read(write_part10(tmp_path / "f.dcm", to_dataset(ImageSetMetadata(document), instance), frames))
    assert read.PhotometricInterpretation == "RGB"
    assert np.array_equal(read.pixel_array, RGB.arrays[0])


def test_the_writer_takes_the_interpretation_from_the_first_frame(tmp_path: Path) -> None:
    """The attributes are written with the first frame, not when the writer is made."""
    document, instance = _colour_document()
    dataset = to_dataset(ImageSetMetadata(document), instance)
    with Part10Writer(tmp_path / "w.dcm", dataset) as writer:
        assert writer.path.with_name("w.dcm.part").stat().st_size == 0
        writer.write_frame(_j2k(RGB.arrays[0], mct=True))
    assert _read(tmp_path / "w.dcm").PhotometricInterpretation == "YBR_RCT"


def test_frames_that_disagree_about_the_transform_are_refused(tmp_path: Path) -> None:
    document = copy.deepcopy(DOCUMENT)
    entry = document["Study"]["Series"][RGB.series_uid]["Instances"][RGB.sop_uid]
    entry["DICOM"]["NumberOfFrames"] = 2
    entry["ImageFrames"].append({**entry["ImageFrames"][0], "ID": "f" * 32})
    metadata = ImageSetMetadata(document)
    instance = metadata.study.series[RGB.series_uid].instances[RGB.sop_uid]
    frames = [_j2k(RGB.arrays[0], mct=True), _j2k(RGB.arrays[0], mct=False)]
    with pytest.raises(DICOMExportError, match="frame 2 holds RGB colour, but frame 1 holds YBR_RCT"):
        write_part10(tmp_path / "mixed.dcm", to_dataset(metadata, instance), frames)
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_colour_codestream_is_refused_naming_the_frame(tmp_path: Path) -> None:
    document, instance = _colour_document()
    with pytest.raises(DICOMExportError, match="frame 1 is not a readable JPEG 2000 codestream"):
        write_part10(tmp_path / "bad.dcm", to_dataset(ImageSetMetadata(document), instance), [b"\xff\x4f\xff\x51\x00"])
    assert list(tmp_path.iterdir()) == []


def test_grayscale_and_uncompressed_frames_are_not_inspected(tmp_path: Path) -> None:
    """Only colour JPEG 2000 is read: opaque grayscale codestreams and native frames pass as they are."""
    example = next(e for e in EXAMPLES if e.name == "ct-signed-htj2k-default")
    metadata = ImageSetMetadata(copy.deepcopy(DOCUMENT))
    instance = metadata.study.series[example.series_uid].instances[example.sop_uid]
    write_part10(tmp_path / "opaque.dcm", to_dataset(metadata, instance), [b"\xff\x4f not a real codestream"])


# --- transcoding: decoded, verified, native ----------------------------------------------------------


class Showcase:
    """The emulator's pixel showcase, its metadata, and its frames as GetImageFrame serves them."""

    def __init__(self) -> None:
        self.local = LocalHealthImaging(seed=11)
        self.image_set_id = self.local.add_pixel_showcase()
        self.client = self.local.client()
        self.metadata = self.client.get_image_set_metadata(self.local.datastore_id, self.image_set_id)

    def codestream(self, frame_id: str) -> bytes:
        return self.client.get_image_frame(self.local.datastore_id, self.image_set_id, frame_id).data


@pytest.fixture(scope="module")
def showcase() -> Iterator[Showcase]:
    made = Showcase()
    yield made
    made.client.close()


SHOWCASE = [
    "HTJ2K CT VOLUME",
    "J2K LOSSLESS SIGNED",
    "HTJ2K SIGNED 12 BIT",
    "RGB UNCOMPRESSED",
    "MULTI-FRAME HTJ2K",
    "J2K RGB",
    "HTJ2K 4.203",
]


@pytest.mark.parametrize("description", SHOWCASE)
@pytest.mark.parametrize("transcode", [False, True], ids=["stored", "transcoded"])
def test_every_showcase_format_reads_back_to_the_sdks_decoded_frames(
    tmp_path: Path, showcase: Showcase, description: str, transcode: bool
) -> None:
    metadata = showcase.metadata
    series = next(s for s in metadata.study.series.values() if s.dicom.get("SeriesDescription") == description)
    instance = next(iter(series.instances.values()))
    codestreams = [showcase.codestream(frame.id) for frame in instance.image_frames]
    expected = np.stack([decode_frame(c, instance, f) for c, f in zip(codestreams, instance.image_frames, strict=True)])
    frames = (
        [transcode_frame(c, instance, f) for c, f in zip(codestreams, instance.image_frames, strict=True)]
        if transcode
        else codestreams
    )
    path = write_part10(tmp_path / "f.dcm", to_dataset(metadata, instance, transcode=transcode), frames)
    read = _read(path)
    pixels = read.pixel_array
    assert np.array_equal(pixels.reshape(expected.shape), expected)
    assert pixels.dtype == expected.dtype
    if transcode:
        assert read.file_meta.TransferSyntaxUID == EXPLICIT_LE
        assert "PixelData" in read and not read["PixelData"].is_undefined_length
        if int(read.SamplesPerPixel) == 3:
            assert (read.PhotometricInterpretation, read.PlanarConfiguration) == ("RGB", 0)
        in_memory = tmp_path / "in-memory.dcm"
        to_dataset(metadata, instance, codestreams, transcode=True).save_as(in_memory, enforce_file_format=True)
        assert in_memory.read_bytes() == path.read_bytes()
    else:
        assert read.file_meta.TransferSyntaxUID == instance.transfer_syntax_uid


def test_transcoded_frames_are_the_stored_values(showcase: Showcase) -> None:
    """Little-endian, interleaved, bits above HighBit cleared or carrying the sign: decode_frame's values."""
    metadata = showcase.metadata
    for instance in metadata.iter_instances():
        for frame in instance.image_frames:
            pixels = decode_frame(showcase.codestream(frame.id), instance, frame)
            native = transcode_frame(showcase.codestream(frame.id), instance, frame)
            assert native == pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
            assert frame.pixel_data_checksums[-1].checksum == frame_crc32(pixels)


def test_transcoding_verifies_each_frames_checksum(showcase: Showcase) -> None:
    metadata = showcase.metadata
    document = metadata.to_dict()
    instance = next(metadata.iter_instances())
    entry = document["Study"]["Series"][instance.series_instance_uid]["Instances"][instance.sop_instance_uid]
    entry["ImageFrames"][0]["PixelDataChecksumFromBaseToFullResolution"][-1]["Checksum"] ^= 1
    broken = ImageSetMetadata(document).study.series[instance.series_instance_uid].instances[instance.sop_instance_uid]
    codestream = showcase.codestream(instance.image_frames[0].id)
    with pytest.raises(ChecksumMismatchError):
        transcode_frame(codestream, broken, broken.image_frames[0])
    assert transcode_frame(codestream, broken, broken.image_frames[0], verify=False)


@pytest.mark.parametrize(
    ("syntax", "named"),
    [("1.2.840.10008.1.2.5", "1.2.840.10008.1.2.5"), ("1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.102")],
    ids=["rle", "video"],
)
def test_frames_the_sdk_cannot_decode_are_refused_before_any_file(syntax: str, named: str) -> None:
    document, instance = _colour_document(syntax=syntax)
    with pytest.raises(DICOMExportError, match=f"stored in transfer syntax {named} cannot be transcoded"):
        to_dataset(ImageSetMetadata(document), instance, transcode=True)


def test_a_pixel_layout_the_decoder_does_not_support_is_refused_naming_the_attribute() -> None:
    document, _ = _colour_document()
    entry = document["Study"]["Series"][RGB.series_uid]["Instances"][RGB.sop_uid]
    entry["DICOM"]["BitsAllocated"] = 32
    instance = ImageSetMetadata(document).study.series[RGB.series_uid].instances[RGB.sop_uid]
    with pytest.raises(DICOMExportError, match="cannot be transcoded: BitsAllocated 32 is not supported"):
        to_dataset(ImageSetMetadata(document), instance, transcode=True)


@pytest.mark.parametrize(
    ("syntax", "given", "decoded"),
    [
        ("1.2.840.10008.1.2.4.90", "YBR_RCT", "RGB"),
        ("1.2.840.10008.1.2.4.203", "YBR_ICT", "RGB"),
        ("1.2.840.10008.1.2.4.91", "RGB", "RGB"),
        ("1.2.840.10008.1.2.4.90", "YBR_FULL", "YBR_FULL"),  # no transform: the components are as stored
        ("1.2.840.10008.1.2.4.50", "YBR_FULL_422", "RGB"),  # the JPEG decoder converts to RGB
        ("1.2.840.10008.1.2.1", "YBR_FULL", "YBR_FULL"),
    ],
)
def test_the_transcoded_interpretation_is_the_decoders(syntax: str, given: str, decoded: str) -> None:
    dataset = Dataset()
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation, dataset.PlanarConfiguration = 3, given, 1
    describe_decoded(dataset, syntax)
    assert (dataset.PhotometricInterpretation, dataset.PlanarConfiguration) == (decoded, 0)
