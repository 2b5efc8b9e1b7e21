"""Running ``dciodvfy`` (David Clunie's DICOM validator, from dicom3tools) on exported files, and its verdicts.

dciodvfy prints one finding a line, ``Error - ...`` or ``Warning - ...``. The
dicom3tools releases Debian ships predate the HTJ2K transfer syntaxes, so they
cannot read an HTJ2K file at all ("Dicom dataset read failed"): such a file is
reported as not checked, never as invalid, with the way to check it
(``--transcode`` writes explicit VR little endian). Findings may quote
attribute values, so the command masks them unless ``--show-phi``.
"""

from __future__ import annotations

import enum
import shutil
import subprocess
from pathlib import Path

import attrs

PROGRAM = "dciodvfy"
#: The HTJ2K transfer syntaxes, which the dciodvfy of Debian 12 and 13 cannot read.
HTJ2K = frozenset({"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"})
_READ_FAILED = "Dicom dataset read failed"
#: Seconds one file may take.
_TIMEOUT = 120


class Verdict(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    NOT_CHECKED = "not checked"


@attrs.frozen
class Checked:
    """What dciodvfy said about one file."""

    path: Path
    verdict: Verdict
    errors: tuple[str, ...] = ()
    warnings: int = 0


def find_validator() -> str | None:
    """The path of dciodvfy, if it is installed."""
    return shutil.which(PROGRAM)


def _is_htj2k(path: Path) -> bool:
    """Whether the file's meta information names an HTJ2K transfer syntax (pydicom: the dicom extra)."""
    from pydicom.filereader import read_file_meta_info  # pyright: ignore[reportUnknownVariableType]

    meta = read_file_meta_info(path)
    return str(meta.get("TransferSyntaxUID", "")) in HTJ2K


def verdict(path: Path, output: str) -> Checked:
    """dciodvfy's output for ``path``, read into a verdict."""
    lines = output.splitlines()
    errors = tuple(line for line in lines if line.startswith("Error"))
    warnings = sum(1 for line in lines if line.startswith("Warning"))
    if any(_READ_FAILED in line for line in errors) and _is_htj2k(path):
        return Checked(path, Verdict.NOT_CHECKED)
    return Checked(path, Verdict.INVALID if errors else Verdict.VALID, errors, warnings)


def check(program: str, path: Path) -> Checked:
    """Run dciodvfy on one file."""
    run = subprocess.run([program, str(path)], capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    return verdict(path, run.stdout + run.stderr)
