"""The image set metadata document that GetImageSetMetadata returns, as a typed tree.

The tree is a set of thin views over the decoded JSON: nothing is copied or
converted when the document is read, so a document of tens of MB costs what
``json.loads`` costs. A view is made when you reach it::

    ImageSetMetadata            meta.patient, meta.study, meta.iter_instances(), meta.iter_frames()
    ├── Patient                 .dicom, .name, .id
    └── Study                   .dicom, .study_instance_uid, .date, .series[series_uid]
        └── Series              .dicom, .modality, .number, .instances[sop_instance_uid]
            └── Instance        .dicom, .dicom_vrs, .transfer_syntax_uid, .image_frames
                └── ImageFrame  .id, .pixel_data_checksums, .min/max_pixel_value, .frame_size_in_bytes

DICOM values stay exactly as the service sent them (``.dicom`` is a read-only
view of them); the convenience accessors parse a copy and never replace the
raw value. Keys the SDK does not know are kept, and ``to_dict()`` gives the
JSON back. Every ``repr`` masks patient data: UIDs, names and DICOM values.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast

import attrs

__all__ = [
    "HTJ2K_TRANSFER_SYNTAX_UID",
    "ImageFrame",
    "ImageSetMetadata",
    "Instance",
    "Patient",
    "PixelDataChecksum",
    "Series",
    "Study",
]

#: The transfer syntax of an instance whose ``StoredTransferSyntaxUID`` is absent (HTJ2K).
HTJ2K_TRANSFER_SYNTAX_UID = "1.2.840.10008.1.2.4.202"

_MASK = "'***'"
_EMPTY: Mapping[str, Any] = MappingProxyType({})

V = TypeVar("V")


def _object(raw: object) -> dict[str, Any]:
    """A JSON object of the document, or an empty one where the service left it out."""
    return cast(dict[str, Any], raw) if isinstance(raw, dict) else {}


def _text(value: object) -> str | None:
    """A DICOM string value, whether sent bare or as a one-item list."""
    if isinstance(value, list) and value:
        value = cast(list[object], value)[0]
    return value if isinstance(value, str) else None


class _Level:
    """One level of the tree: its DICOM attributes and the JSON object behind them."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    @property
    def dicom(self) -> Mapping[str, Any]:
        """The level's DICOM attributes by keyword or tag, exactly as sent (read-only)."""
        dicom = self._raw.get("DICOM")
        return MappingProxyType(cast(dict[str, Any], dicom)) if isinstance(dicom, dict) else _EMPTY

    def to_dict(self) -> dict[str, Any]:
        """This level's JSON object as the service sent it (a new dict; nested values are shared)."""
        return dict(self._raw)


class _Children(Mapping[str, V], Generic[V]):
    """Child levels by UID, each view made when it is looked up."""

    __slots__ = ("_kind", "_make", "_raw")

    def __init__(self, kind: str, raw: dict[str, Any], make: Callable[[str, dict[str, Any]], V]) -> None:
        self._kind = kind
        self._raw = raw
        self._make = make

    def __getitem__(self, uid: str) -> V:
        return self._make(uid, _object(self._raw[uid]))

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"<{len(self._raw)} {self._kind}>"


class Patient(_Level):
    """The patient-level DICOM attributes."""

    __slots__ = ()

    @property
    def name(self) -> str | None:
        """``PatientName`` as sent (DICOM person name, such as ``DOE^JANE``), if it is a string."""
        return _text(self.dicom.get("PatientName"))

    @property
    def id(self) -> str | None:
        """``PatientID``, if it is a string."""
        return _text(self.dicom.get("PatientID"))

    def __repr__(self) -> str:
        return f"Patient(dicom=<{len(self.dicom)} attributes, masked>)"


@attrs.frozen
class PixelDataChecksum:
    """The checksum of one resolution level of a frame's pixel data."""

    width: int | None
    height: int | None
    checksum: int | None


class ImageFrame:
    """One image frame of an instance, with the UIDs needed to fetch its pixel data."""

    __slots__ = ("_raw", "series_instance_uid", "sop_instance_uid")

    def __init__(self, series_instance_uid: str, sop_instance_uid: str, raw: dict[str, Any]) -> None:
        self.series_instance_uid = series_instance_uid
        self.sop_instance_uid = sop_instance_uid
        self._raw = raw

    @property
    def id(self) -> str:
        """The frame ID, as GetImageFrame takes it."""
        return cast(str, self._raw.get("ID"))

    @property
    def pixel_data_checksums(self) -> tuple[PixelDataChecksum, ...]:
        """``PixelDataChecksumFromBaseToFullResolution``: one entry per resolution, smallest first."""
        entries = self._raw.get("PixelDataChecksumFromBaseToFullResolution")
        if not isinstance(entries, list):
            return ()
        return tuple(
            PixelDataChecksum(width=e.get("Width"), height=e.get("Height"), checksum=e.get("Checksum"))
            for e in map(_object, cast(list[object], entries))
        )

    @property
    def min_pixel_value(self) -> int | float | None:
        return cast(int | float | None, self._raw.get("MinPixelValue"))

    @property
    def max_pixel_value(self) -> int | float | None:
        return cast(int | float | None, self._raw.get("MaxPixelValue"))

    @property
    def frame_size_in_bytes(self) -> int | None:
        return cast(int | None, self._raw.get("FrameSizeInBytes"))

    def to_dict(self) -> dict[str, Any]:
        """The frame's JSON object as the service sent it (a new dict; nested values are shared)."""
        return dict(self._raw)

    def __repr__(self) -> str:
        return (
            f"ImageFrame(id={self.id!r}, series_instance_uid={_MASK}, sop_instance_uid={_MASK}, "
            f"frame_size_in_bytes={self.frame_size_in_bytes!r})"
        )


class Instance(_Level):
    """One SOP instance: its DICOM attributes, their VRs, transfer syntax and image frames."""

    __slots__ = ("series_instance_uid", "sop_instance_uid")

    def __init__(self, series_instance_uid: str, sop_instance_uid: str, raw: dict[str, Any]) -> None:
        super().__init__(raw)
        self.series_instance_uid = series_instance_uid
        self.sop_instance_uid = sop_instance_uid

    @property
    def dicom_vrs(self) -> Mapping[str, str]:
        """The value representation of attributes whose VR is not implied by the tag (private tags)."""
        vrs = self._raw.get("DICOMVRs")
        return MappingProxyType(cast(dict[str, str], vrs)) if isinstance(vrs, dict) else _EMPTY

    @property
    def transfer_syntax_uid(self) -> str:
        """The stored transfer syntax: ``StoredTransferSyntaxUID``, or HTJ2K when it is absent."""
        uid = self._raw.get("StoredTransferSyntaxUID")
        return uid if isinstance(uid, str) and uid else HTJ2K_TRANSFER_SYNTAX_UID

    @property
    def image_frames(self) -> tuple[ImageFrame, ...]:
        frames = self._raw.get("ImageFrames")
        if not isinstance(frames, list):
            return ()
        series, sop = self.series_instance_uid, self.sop_instance_uid
        return tuple(ImageFrame(series, sop, _object(f)) for f in cast(list[object], frames))

    def __repr__(self) -> str:
        frames = self._raw.get("ImageFrames")
        count = len(cast(list[object], frames)) if isinstance(frames, list) else 0
        return (
            f"Instance(sop_instance_uid={_MASK}, transfer_syntax_uid={self.transfer_syntax_uid!r}, "
            f"image_frames={count}, dicom=<{len(self.dicom)} attributes, masked>)"
        )


class Series(_Level):
    """One series: its DICOM attributes and its instances by SOPInstanceUID."""

    __slots__ = ("series_instance_uid",)

    def __init__(self, series_instance_uid: str, raw: dict[str, Any]) -> None:
        super().__init__(raw)
        self.series_instance_uid = series_instance_uid

    @property
    def instances(self) -> Mapping[str, Instance]:
        uid = self.series_instance_uid
        return _Children("instances", _object(self._raw.get("Instances")), lambda sop, raw: Instance(uid, sop, raw))

    @property
    def modality(self) -> str | None:
        return _text(self.dicom.get("Modality"))

    @property
    def number(self) -> int | None:
        """``SeriesNumber`` as an int (the service may send a number or an IS string)."""
        value = self.dicom.get("SeriesNumber")
        if isinstance(value, list) and value:
            value = cast(list[object], value)[0]
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return None
        return None

    def __repr__(self) -> str:
        return (
            f"Series(series_instance_uid={_MASK}, instances={len(self.instances)}, "
            f"dicom=<{len(self.dicom)} attributes, masked>)"
        )


def _dicom_date(value: object) -> datetime.date | None:
    """A DICOM DA value (``YYYYMMDD``, or the old ``YYYY.MM.DD``) as a date."""
    text = _text(value)
    if text is None:
        return None
    digits = text.strip().replace(".", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


class Study(_Level):
    """The study: its DICOM attributes and its series by SeriesInstanceUID."""

    __slots__ = ()

    @property
    def series(self) -> Mapping[str, Series]:
        return _Children("series", _object(self._raw.get("Series")), Series)

    @property
    def study_instance_uid(self) -> str | None:
        return _text(self.dicom.get("StudyInstanceUID"))

    @property
    def date(self) -> datetime.date | None:
        """``StudyDate`` as a date; None when it is absent or not a valid DICOM date."""
        return _dicom_date(self.dicom.get("StudyDate"))

    def __repr__(self) -> str:
        return (
            f"Study(study_instance_uid={_MASK}, series={len(self.series)}, "
            f"dicom=<{len(self.dicom)} attributes, masked>)"
        )


class ImageSetMetadata(Mapping[str, Any]):
    """The decoded metadata document: a typed tree, and a read-only mapping of the raw JSON.

    Its values are patient data, so ``repr`` shows only the identifiers.
    """

    __slots__ = ("_document",)

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def __getitem__(self, key: str) -> Any:
        return self._document[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._document)

    def __len__(self) -> int:
        return len(self._document)

    @property
    def schema_version(self) -> str | None:
        version = self._document.get("SchemaVersion")
        return None if version is None else str(version)

    @property
    def datastore_id(self) -> str | None:
        return cast(str | None, self._document.get("DatastoreID"))

    @property
    def image_set_id(self) -> str | None:
        return cast(str | None, self._document.get("ImageSetID"))

    @property
    def patient(self) -> Patient:
        return Patient(_object(self._document.get("Patient")))

    @property
    def study(self) -> Study:
        return Study(_object(self._document.get("Study")))

    def iter_instances(self) -> Iterator[Instance]:
        """Every instance of every series, in document order."""
        for series in self.study.series.values():
            yield from series.instances.values()

    def iter_frames(self) -> Iterator[ImageFrame]:
        """Every image frame, each with its series and instance UIDs: the input for fetching pixel data."""
        for instance in self.iter_instances():
            yield from instance.image_frames

    def to_dict(self) -> dict[str, Any]:
        """The document as the service sent it (a new dict; nested values are shared)."""
        return dict(self._document)

    def __repr__(self) -> str:
        return (
            f"ImageSetMetadata(datastore_id={self.datastore_id!r}, image_set_id={self.image_set_id!r}, "
            f"schema_version={self.schema_version!r}, series={len(self.study.series)}, ...)"
        )
