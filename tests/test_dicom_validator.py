"""Exported files pass ``dciodvfy``, David Clunie's DICOM validator (Debian's ``dicom3tools``), with no error.

dicom3tools predates the HTJ2K transfer syntaxes (Debian 12 ships the 2022 release, Debian 13
the January 2024 one; neither knows 1.2.840.10008.1.2.4.201-203), so it cannot parse an HTJ2K
file as written. When it fails to read one, the same file is checked again with only its file
meta's transfer syntax swapped for JPEG 2000 lossless, whose encapsulation is the same; every
byte after the file meta is the writer's. pydicom checks the HTJ2K UIDs in the round-trip tests.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("imagecodecs")

from pydicom.filebase import DicomBytesIO  # noqa: E402
from pydicom.filewriter import write_file_meta_info  # noqa: E402

from healthimaging_client.dicom import to_dataset, write_part10  # noqa: E402
from healthimaging_client.metadata import ImageSetMetadata  # noqa: E402

from . import dicom_documents as docs  # noqa: E402

DCIODVFY = shutil.which("dciodvfy")
pytestmark = pytest.mark.skipif(
    DCIODVFY is None, reason="dciodvfy is not installed (Debian: apt-get install dicom3tools; .ci/run tries)"
)

DOCUMENT, EXAMPLES = docs.image_set()
HTJ2K = {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"}


def findings(path: Path) -> list[str]:
    """dciodvfy's error-level findings for a file (warnings are left out)."""
    assert DCIODVFY is not None
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, timeout=60, check=False)
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")]


def with_transfer_syntax(path: Path, uid: str) -> Path:
    """A copy of a Part 10 file whose file meta names ``uid``; everything after the file meta is kept byte for byte."""
    data = path.read_bytes()
    (group_length,) = struct.unpack_from("<I", data, 132 + 8)
    meta = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True).file_meta
    meta.TransferSyntaxUID = uid
    buffer = DicomBytesIO()
    write_file_meta_info(buffer, meta, enforce_standard=True)
    copy = path.with_name(f"{path.stem}.as-{uid}.dcm")
    copy.write_bytes(data[:132] + buffer.getvalue() + data[132 + 12 + group_length :])
    return copy


def _export(tmp_path: Path, example: docs.Example, document: dict[str, object] = DOCUMENT) -> Path:
    metadata = ImageSetMetadata(document)
    instance = metadata.study.series[example.series_uid].instances[example.sop_uid]
    return write_part10(tmp_path / f"{example.name}.dcm", to_dataset(metadata, instance), example.frames)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_dciodvfy_finds_no_error(tmp_path: Path, example: docs.Example) -> None:
    path = _export(tmp_path, example)
    errors = findings(path)
    if example.transfer_syntax in HTJ2K and "Error - Dicom dataset read failed" in errors:
        errors = findings(with_transfer_syntax(path, "1.2.840.10008.1.2.4.90"))
    assert errors == []


def test_dciodvfy_has_teeth(tmp_path: Path) -> None:
    """A file missing a required attribute fails, so a clean verdict above means something."""
    example = EXAMPLES[1]  # CT: ImageType is Type 1
    document = docs.image_set()[0]
    del document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOM"]["ImageType"]
    assert any("ImageType" in line for line in findings(_export(tmp_path, example, document)))
