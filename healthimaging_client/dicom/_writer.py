"""A Part 10 writer that streams an instance's frames to disk, one at a time.

The file is written under ``<name>.part`` and renamed to ``<name>`` only once it is
complete and flushed, so no partial file ever sits under its final name. The attributes
are written with the first frame, since a colour JPEG 2000 frame decides the file's
PhotometricInterpretation (see ``_pixel_data``)::

    preamble, "DICM", file meta, attributes before Pixel Data       (pydicom writes these)
    Pixel Data: element header, offset table placeholder            (header)
                one fragment item per frame                          (write_frame, as they come)
                sequence delimiter; the offset table written over    (commit)
    attributes after Pixel Data                                      (pydicom writes these)
    fsync, rename <name>.part -> <name>
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info

from ..errors import DICOMExportError
from ._pixel_data import PIXEL_DATA_TAG, PixelDataEncoder, expected_frames, pixel_encoding

__all__ = ["PART_SUFFIX", "Part10Writer", "write_part10"]

#: Appended to a file's name while it is being written.
PART_SUFFIX = ".part"
_PREAMBLE = b"\x00" * 128
_PHOTOMETRIC_TAG = 0x00280004


class Part10Writer:
    """Writes one instance as a DICOM Part 10 file, taking its frames one at a time.

    ``dataset`` is what :func:`to_dataset` returns without frames (edit it first if you
    like, to de-identify say); its file meta's transfer syntax says how the frames are
    encoded, and ``NumberOfFrames`` how many must come. Use it as a context manager:
    leaving the block normally commits the file, and an exception removes it::

        with Part10Writer(path, dataset) as writer:
            for frame in frames:
                writer.write_frame(frame)

    Only one frame is held in memory at a time. ``fsync`` (default on) flushes the file to
    the disk before the rename, so a file under its final name is complete even after a
    power cut.
    """

    def __init__(self, path: str | os.PathLike[str], dataset: Dataset, *, fsync: bool = True) -> None:
        prepared = _prepare(dataset)
        if isinstance(prepared, str):
            raise DICOMExportError(prepared)
        self._encoder, self._tail = prepared
        self._dataset = dataset
        self._head = _head(dataset, None)  # encoded now, so a value pydicom cannot write fails here
        self.path = Path(path)
        self._part = self.path.with_name(self.path.name + PART_SUFFIX)
        self._fsync = fsync
        self._done = False
        self._offset_table_at: int | None = None  # known once the attributes are written
        self._part.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO | None = self._part.open("wb")

    def __repr__(self) -> str:
        written = self._encoder.frames_written if self._encoder else 0
        expected = self._encoder.frame_count if self._encoder else 0
        return f"Part10Writer(path=<masked>, frames={written}/{expected}, done={self._done})"

    def write_frame(self, frame: bytes) -> None:
        """Append the next frame (its codestream, or its native pixel bytes)."""
        file = self._open_file()
        if self._encoder is None:
            raise DICOMExportError("frames were given for an instance that has no image frames")
        chunks = _frame_chunks(self._encoder, frame)
        if isinstance(chunks, str):
            raise DICOMExportError(chunks)
        self._start(file)
        for chunk in chunks:
            file.write(chunk)

    def commit(self) -> Path:
        """Finish the file and give it its final name; raises :class:`DICOMExportError` if frames are missing."""
        file = self._open_file()
        trailer = _trailer(self._encoder) if self._encoder is not None else b""
        if isinstance(trailer, str):
            raise DICOMExportError(trailer)
        self._start(file)
        file.write(trailer)
        if self._encoder is not None and self._encoder.encoding.encapsulated:
            assert self._offset_table_at is not None
            end = file.tell()
            file.seek(self._offset_table_at)
            file.write(self._encoder.offset_table())
            file.seek(end)
        file.write(self._tail)
        file.flush()
        if self._fsync:
            os.fsync(file.fileno())
        file.close()
        self._file = None
        os.replace(self._part, self.path)
        self._done = True
        return self.path

    def abort(self) -> None:
        """Close and remove the partial file; the final name is left as it was."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if not self._done:
            self._part.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
            return
        try:
            self.commit()
        except BaseException:
            self.abort()
            raise

    def _start(self, file: BinaryIO) -> None:
        """Write the attributes before Pixel Data and the element's header, once, before the first frame."""
        if self._offset_table_at is not None:
            return
        photometric = self._encoder.photometric if self._encoder is not None else None
        head = self._head
        if photometric is not None and photometric != self._dataset.get("PhotometricInterpretation"):
            head = _head(self._dataset, photometric)
        file.write(head)
        if self._encoder is not None:
            file.write(self._encoder.header())
        self._offset_table_at = len(head) + (self._encoder.offset_table_position if self._encoder else 0)

    def _open_file(self) -> BinaryIO:
        if self._file is None:
            raise DICOMExportError("the writer is closed: it was committed or aborted")
        return self._file


def write_part10(
    path: str | os.PathLike[str], dataset: Dataset, frames: Iterable[bytes], *, fsync: bool = True
) -> Path:
    """Write ``dataset`` and its ``frames`` (bytes per frame, any iterable) as a Part 10 file at ``path``.

    Frames are taken one at a time and written straight to ``<path>.part``, which is renamed
    to ``path`` when complete, replacing any file there. Returns ``path``.
    """
    if isinstance(frames, bytes | bytearray | memoryview):
        raise DICOMExportError("frames must be an iterable of bytes, one item per frame, not one bytes object")
    with Part10Writer(path, dataset, fsync=fsync) as writer:
        for frame in frames:
            writer.write_frame(frame)
    return writer.path


# --- encoding, with problems returned as messages (raised by the callers, outside any handler) ---


def _prepare(dataset: Dataset) -> tuple[PixelDataEncoder | None, bytes] | str:
    """The frames' encoder and the bytes after Pixel Data; or what is wrong."""
    meta = getattr(dataset, "file_meta", None)
    transfer_syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if not transfer_syntax:
        return "the dataset has no file meta with a TransferSyntaxUID: make it with to_dataset"
    if PIXEL_DATA_TAG in dataset:
        return "the dataset already holds Pixel Data: give the frames to the writer instead"
    try:
        count = expected_frames(dataset)
        encoder = PixelDataEncoder(pixel_encoding(dataset, str(transfer_syntax)), count) if count else None
    except DICOMExportError as problem:
        return str(problem)
    if max(map(int, dataset.keys()), default=0) < PIXEL_DATA_TAG:  # most images: nothing follows Pixel Data
        return encoder, b""
    tail = DicomBytesIO()
    _write_elements(tail, _chosen(dataset, lambda tag: tag > PIXEL_DATA_TAG), dataset)
    return encoder, tail.getvalue()


def _head(dataset: Dataset, photometric: str | None) -> bytes:
    """Preamble, file meta and the attributes before Pixel Data, with the frames' PhotometricInterpretation."""
    head = DicomBytesIO()
    head.write(_PREAMBLE + b"DICM")
    write_file_meta_info(head, FileMetaDataset(dataset.file_meta), enforce_standard=True)
    before = dataset
    if photometric is not None or max(map(int, dataset.keys()), default=0) > PIXEL_DATA_TAG:
        before = _chosen(dataset, lambda tag: tag < PIXEL_DATA_TAG)
    if photometric is not None:  # a new element in this copy only: the caller's dataset is left alone
        before[_PHOTOMETRIC_TAG] = DataElement(_PHOTOMETRIC_TAG, "CS", photometric)
    _write_elements(head, before, dataset)
    return head.getvalue()


def _chosen(dataset: Dataset, chosen: Callable[[int], bool]) -> Dataset:
    """A new dataset holding the chosen top-level elements of ``dataset`` (the same element objects)."""
    return Dataset({tag: element for tag, element in dataset.items() if chosen(tag)})


def _write_elements(buffer: DicomBytesIO, elements: Dataset, dataset: Dataset) -> None:
    """``elements`` encoded explicit VR little endian, as pydicom encodes them, in ``dataset``'s character set."""
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    character_set = dataset.get("SpecificCharacterSet") or "iso8859"
    encoding = character_set if isinstance(character_set, str) else [str(term) for term in character_set]
    write_dataset(buffer, elements, parent_encoding=encoding)


def _frame_chunks(encoder: PixelDataEncoder, frame: bytes) -> tuple[bytes, ...] | str:
    try:
        return encoder.frame(frame)
    except DICOMExportError as problem:
        return str(problem)


def _trailer(encoder: PixelDataEncoder) -> bytes | str:
    try:
        return encoder.trailer()
    except DICOMExportError as problem:
        return str(problem)
