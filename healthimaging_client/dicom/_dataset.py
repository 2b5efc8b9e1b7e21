"""``to_dataset``: one instance of the metadata tree as a pydicom dataset, with its file meta."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from pydicom import config
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import correct_ambiguous_vr
from pydicom.multival import MultiValue
from pydicom.uid import UID

from .._version import __version__
from ..errors import DICOMExportError
from ..metadata import ImageSetMetadata, Instance
from ._elements import Converter, tag_name
from ._pixel_data import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    JPEG2000_FAMILY,
    PIXEL_DATA_TAG,
    PixelDataEncoder,
    expected_frames,
    pixel_encoding,
    stored_transfer_syntax,
)
from ._transcode import describe_decoded, transcode_frame, transcoding_problem

__all__ = ["IMPLEMENTATION_CLASS_UID", "IMPLEMENTATION_VERSION_NAME", "to_dataset"]

#: Identifies files this SDK writes (File Meta's Implementation Class UID). A UID under the
#: ``2.25`` arc is derived from a UUID (ISO/IEC 9834-8), so it is unique without a registered
#: root; this one was drawn once and stays fixed across versions, as PS3.7 D.3.3.2 asks.
IMPLEMENTATION_CLASS_UID = "2.25.115177227924319475313400519971828116791"
#: The SDK's version, for File Meta's Implementation Version Name (an SH: 16 characters at most).
IMPLEMENTATION_VERSION_NAME = f"HIC_{__version__}"[:16]

#: Written as text in any character set there is; used when a value is not ASCII.
_UTF8 = "ISO_IR 192"
# Attributes the document may carry from the imported file that would be wrong in ours: the
# file meta (this file has its own), the pixel data and its offset tables (written from the
# frames), and group lengths (retired outside the file meta).
_PIXEL_TAGS = frozenset({0x7FE00001, 0x7FE00002, 0x7FE00008, 0x7FE00009, PIXEL_DATA_TAG})


def _dropped(tag: int) -> bool:
    return tag >> 16 == 0x0002 or tag & 0xFFFF == 0 or tag in _PIXEL_TAGS


def to_dataset(
    metadata: ImageSetMetadata,
    instance: Instance,
    frames: Iterable[bytes] | None = None,
    *,
    transcode: bool = False,
) -> Dataset:
    """One instance of ``metadata`` as a pydicom dataset, with its file meta set.

    The patient, study, series and instance attributes are merged into one dataset, as a
    DICOM file holds them (where a level repeats an attribute, the more specific level
    wins). VRs come from the instance's ``DICOMVRs`` where given and from pydicom's
    dictionary otherwise; sequences and private attributes are kept. The file meta names
    the instance's stored transfer syntax, so its frames can be written unchanged.

    Without ``frames`` the dataset has no Pixel Data: write it with :func:`write_part10`,
    which streams the frames to disk. With ``frames`` (every frame's bytes, in order) the
    dataset holds them in its stored encoding and ``dataset.save_as(path)`` writes it.

    ``transcode=True`` (needs the ``pixels`` extra) describes the frames decoded instead:
    explicit VR little endian, and PhotometricInterpretation and PlanarConfiguration as the
    decoder returns them. Give such a dataset the frames through :func:`transcode_frame`;
    ``frames`` given here are codestreams, decoded (and their checksums verified) on the way.

    Raises :class:`DICOMExportError` when the metadata cannot make a valid file; the message
    names the attribute and never its value.
    """
    built = _build(metadata, instance, frames, transcode)
    if isinstance(built, str):
        # Raised here, outside any handler: no chained exception, and no local holding a value.
        raise DICOMExportError(built)
    return built


def _build(
    metadata: ImageSetMetadata, instance: Instance, frames: Iterable[bytes] | None, transcode: bool
) -> Dataset | str:
    """The dataset, or the message of what is wrong with the instance."""
    try:
        dataset = _convert(metadata, instance, transcode)
        if frames is not None:
            _set_pixel_data(dataset, frames, instance if transcode else None)
    except DICOMExportError as problem:
        return f"cannot export {_position(metadata, instance)}: {problem}"
    return dataset


def _position(metadata: ImageSetMetadata, instance: Instance) -> str:
    """Which instance, without its UIDs: the image set id and the instance's place in document order."""
    instances = list(metadata.iter_instances())
    sops = [found.sop_instance_uid for found in instances]
    place = sops.index(instance.sop_instance_uid) + 1 if instance.sop_instance_uid in sops else None
    where = f"instance {place} of {len(instances)}" if place else "an instance that is not in this metadata"
    return f"{where} of image set {metadata.image_set_id}"


def _levels(metadata: ImageSetMetadata, instance: Instance) -> list[Mapping[str, Any]]:
    series = metadata.study.series.get(instance.series_instance_uid)
    if series is None or instance.sop_instance_uid not in series.instances:
        raise DICOMExportError("the instance does not belong to this metadata")
    return [metadata.patient.to_dict(), metadata.study.to_dict(), series.to_dict(), instance.to_dict()]


def _convert(metadata: ImageSetMetadata, instance: Instance, transcode: bool) -> Dataset:
    levels = _levels(metadata, instance)
    vrs: dict[str, str] = {}
    for level in levels:
        given = level.get("DICOMVRs")
        if isinstance(given, dict):
            vrs.update(cast(dict[str, str], given))
    converter = Converter(vrs)
    elements: dict[int, DataElement] = {}
    for level in levels:
        attributes = level.get("DICOM")
        if not isinstance(attributes, dict):
            continue
        attributes = cast(dict[str, Any], attributes)
        for key, value in attributes.items():
            tag = converter.tag(key)
            if not _dropped(tag):
                elements[tag] = converter.element(tag, key, value, attributes)
    dataset = Dataset()
    for tag in sorted(elements):
        dataset[tag] = elements[tag]
    _fill_identity(dataset, instance)
    _settle_ambiguous_vrs(dataset)
    if converter.non_ascii:
        _use_utf8(dataset)
    _check_frames(dataset, len(instance.image_frames))
    dataset.file_meta = _file_meta(dataset, _transfer_syntax(dataset, instance, transcode))
    return dataset


def _transfer_syntax(dataset: Dataset, instance: Instance, transcode: bool) -> str:
    """The file's transfer syntax; the pixel description set to match how its frames are written."""
    stored = instance.transfer_syntax_uid
    if not instance.image_frames:
        return EXPLICIT_VR_LITTLE_ENDIAN
    if transcode:
        problem = transcoding_problem(instance)
        if problem is not None:
            raise DICOMExportError(problem)
        describe_decoded(dataset, stored)
        return EXPLICIT_VR_LITTLE_ENDIAN
    transfer_syntax = stored_transfer_syntax(stored)
    if transfer_syntax in JPEG2000_FAMILY and int(dataset.get("SamplesPerPixel", 1)) > 1:
        dataset.PlanarConfiguration = 0  # PS3.5 8.2.4: JPEG 2000 interleaves its own components
    return transfer_syntax


def _fill_identity(dataset: Dataset, instance: Instance) -> None:
    """The UIDs the tree keys instances by, where the attributes leave them out; the ones it needs."""
    if "SOPInstanceUID" not in dataset:
        dataset.SOPInstanceUID = instance.sop_instance_uid
    if "SeriesInstanceUID" not in dataset:
        dataset.SeriesInstanceUID = instance.series_instance_uid
    for keyword in ("SOPClassUID", "StudyInstanceUID"):
        if not dataset.get(keyword):
            raise DICOMExportError(f"{keyword} is missing")


def _check_frames(dataset: Dataset, frames_in_metadata: int) -> None:
    """The frame count of the attributes must be the metadata's ``ImageFrames``; a missing one is added."""
    if "NumberOfFrames" not in dataset and frames_in_metadata > 1:
        dataset.NumberOfFrames = frames_in_metadata
    expected = expected_frames(dataset)
    if expected != frames_in_metadata:
        raise DICOMExportError(
            f"the attributes describe {expected} frame(s) (NumberOfFrames, Rows), "
            f"but the metadata lists {frames_in_metadata} image frame(s)"
        )


def _walk(dataset: Dataset) -> Iterator[DataElement]:
    for element in dataset.elements():
        element = cast(DataElement, element)
        yield element
        if element.VR == "SQ":
            for item in cast(list[Dataset], element.value):
                yield from _walk(item)


def _values(element: DataElement) -> list[Any]:
    value = element.value
    return list(cast(MultiValue[Any], value)) if isinstance(value, MultiValue | list) else [value]


def _settle_ambiguous_vrs(dataset: Dataset) -> None:
    """Give "US or SS"-like VRs one VR, from the dataset's own attributes (pydicom's rules) or the values."""
    # pydicom's rules need the attribute that decides (PixelRepresentation, ...); without it, the values decide.
    with contextlib.suppress(AttributeError, ValueError, TypeError):
        correct_ambiguous_vr(dataset, is_little_endian=True)
    for element in _walk(dataset):
        if " or " in element.VR:
            values = _values(element)
            if isinstance(element.value, bytes):
                element.VR = "OW"
            else:
                element.VR = "SS" if any(v is not None and v < 0 for v in values) else "US"
        if element.VR in ("US", "SS") and not isinstance(element.value, bytes):
            values = _values(element)
            low, high = (0, 0xFFFF) if element.VR == "US" else (-0x8000, 0x7FFF)
            if not all(v is None or low <= v <= high for v in values):
                raise DICOMExportError(f"{tag_name(element.tag)} has a value its VR {element.VR} cannot hold")


def _use_utf8(dataset: Dataset) -> None:
    """Some text is not ASCII: declare UTF-8, which encodes every value the document can hold, once at the top."""
    dataset.SpecificCharacterSet = _UTF8
    for element in _walk(dataset):
        if element.VR == "SQ":
            for item in cast(list[Dataset], element.value):
                if "SpecificCharacterSet" in item:
                    del item.SpecificCharacterSet


def _file_meta(dataset: Dataset, transfer_syntax: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    values = (
        (0x00020001, "OB", b"\x00\x01"),  # FileMetaInformationVersion
        (0x00020002, "UI", dataset.SOPClassUID),  # MediaStorageSOPClassUID
        (0x00020003, "UI", dataset.SOPInstanceUID),  # MediaStorageSOPInstanceUID
        (0x00020010, "UI", UID(transfer_syntax)),  # TransferSyntaxUID
        (0x00020012, "UI", UID(IMPLEMENTATION_CLASS_UID)),  # ImplementationClassUID
        (0x00020013, "SH", IMPLEMENTATION_VERSION_NAME),  # ImplementationVersionName
    )
    # Unvalidated as the dataset's own elements are: pydicom's checks would only warn, and cost a regex each.
    for tag, vr, value in values:
        meta[tag] = DataElement(tag, vr, value, validation_mode=config.IGNORE)
    return meta


def _set_pixel_data(dataset: Dataset, frames: Iterable[bytes], decode_for: Instance | None) -> None:
    """Put every frame into the dataset's Pixel Data, encoded as the streaming writer encodes it.

    With ``decode_for``, the frames are that instance's codestreams, transcoded first.
    """
    if isinstance(frames, bytes | bytearray | memoryview):
        raise DICOMExportError("frames must be an iterable of bytes, one item per frame, not one bytes object")
    count = expected_frames(dataset)
    if count == 0:
        if any(True for _ in frames):
            raise DICOMExportError("frames were given for an instance that has no image frames")
        return
    encoder = PixelDataEncoder(pixel_encoding(dataset, dataset.file_meta.TransferSyntaxUID), count)
    given: Iterable[object] = frames if decode_for is None else _decoded(frames, decode_for)
    chunks = [chunk for frame in given for chunk in encoder.frame(frame)]
    chunks.append(encoder.trailer())
    if encoder.photometric is not None:
        dataset.PhotometricInterpretation = encoder.photometric
    if encoder.encoding.encapsulated:
        # pydicom writes the sequence delimiter itself: the value is the offset table and the fragments.
        value = encoder.offset_table() + b"".join(chunks[:-1])
        element = DataElement(PIXEL_DATA_TAG, "OB", value, is_undefined_length=True)
    else:
        element = DataElement(PIXEL_DATA_TAG, encoder.encoding.native_vr, b"".join(chunks))
    dataset[PIXEL_DATA_TAG] = element


def _decoded(codestreams: Iterable[object], instance: Instance) -> Iterator[object]:
    """Each codestream transcoded with its frame; anything else is passed on, for the encoder to refuse."""
    listed = instance.image_frames
    for index, codestream in enumerate(codestreams):  # the caller's type hints may not be checked
        if index < len(listed) and isinstance(codestream, bytes | bytearray):
            yield transcode_frame(codestream, instance, listed[index])
        else:
            yield codestream
