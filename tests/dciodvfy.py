"""Running ``dciodvfy``, David Clunie's DICOM validator (Debian's ``dicom3tools``), on exported files.

dicom3tools predates the HTJ2K transfer syntaxes (Debian 12 ships the 2022 release, Debian 13
the January 2024 one; neither knows 1.2.840.10008.1.2.4.201-203), so it cannot parse an HTJ2K
file as written. :func:`errors` then checks the same file again with only its file meta's
transfer syntax swapped for the JPEG 2000 one of the same kind (lossless 4.90 for 4.201 and
4.202, 4.91 for 4.203), whose encapsulation and colour rules are the same; every byte after
the file meta is the writer's. pydicom checks the HTJ2K UIDs in the round-trip tests.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_file_meta_info

DCIODVFY = shutil.which("dciodvfy")
#: Mark a test module that runs the validator: it skips, saying why, where the validator is absent.
needed = pytest.mark.skipif(
    DCIODVFY is None, reason="dciodvfy is not installed (Debian: apt-get install dicom3tools; .ci/run tries)"
)

#: HTJ2K syntaxes, and the JPEG 2000 syntax each is checked as.
HTJ2K_AS_JPEG2000 = {
    "1.2.840.10008.1.2.4.201": "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.202": "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.203": "1.2.840.10008.1.2.4.91",
}


def findings(path: Path) -> list[str]:
    """dciodvfy's error-level findings for a file as it is (warnings are left out)."""
    assert DCIODVFY is not None
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, timeout=60, check=False)
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")]


def errors(path: Path) -> list[str]:
    """The error-level findings for an exported file; an HTJ2K one is checked as JPEG 2000 (see above)."""
    found = findings(path)
    uid = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    if uid in HTJ2K_AS_JPEG2000 and "Error - Dicom dataset read failed" in found:
        found = findings(with_transfer_syntax(path, HTJ2K_AS_JPEG2000[uid]))
    return found


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
