"""What ``--local`` serves: the emulator, seeded the same way every time.

Twenty synthetic image sets (the same as ``python -m healthimaging_client.testing
serve``) in one ACTIVE datastore, and synthetic DICOM files staged under
:data:`IMPORT_INPUT` for ``import start`` to find: one series of three files,
and one file the import rejects. Its clock starts at :data:`START` and runs on
from there, so what a command creates is stamped with the same times on every
run (the documentation shows them). Only imported when ``--local`` is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from ..testing import LocalHealthImaging, SyntheticInstance

SEED = 0
IMAGE_SETS = 20
#: Where the staged files are, and an output location and role an import may name.
IMPORT_INPUT = "s3://local-dicom-input/incoming/"
IMPORT_OUTPUT = "s3://local-import-results/"
IMPORT_ROLE = "arn:aws:iam::123456789012:role/LocalImportRole"
#: The emulator's time when a command starts (after the seeded image sets, which are from January 2024).
START = datetime(2024, 6, 1, 12, tzinfo=UTC).timestamp()

_PATIENT = {"PatientID": "PAT-LOCAL-1", "PatientName": "DOE^LOCAL", "PatientSex": "O"}
_STUDY = {"StudyDescription": "SYNTHETIC IMPORT", "StudyDate": "20240601"}
_SERIES = {"Modality": "CT", "SeriesDescription": "SYNTHETIC AXIAL"}


def _clock() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: START + (time.monotonic() - started)


def emulator() -> LocalHealthImaging:
    local = LocalHealthImaging(seed=SEED, image_sets=IMAGE_SETS, clock=_clock())
    files = [
        SyntheticInstance(key=f"ct/slice-{n}.dcm", patient=_PATIENT, study=_STUDY, series=_SERIES) for n in (1, 2, 3)
    ]
    rejected = SyntheticInstance(key="ct/notes.txt", error="The file is not DICOM Part 10 (no DICM prefix)")
    local.add_dicom_files(IMPORT_INPUT, [*files, rejected])
    return local
