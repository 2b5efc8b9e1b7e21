"""Export a series as DICOM Part 10 files, then have an independent validator judge them.

With no arguments it runs against the local emulator, on synthetic data, with no AWS account:

    python examples/export_series.py

Against your own image set (region and credentials come from the usual AWS chain); it only reads:

    python examples/export_series.py --datastore-id <id> --image-set-id <id> [--series-uid <uid>] [--directory out]

Needs the dicom extra (``pip install 'healthimaging-client[dicom]'``; add ``pixels`` for
``--transcode``). The validator is ``dciodvfy`` from David Clunie's dicom3tools (Debian and
Ubuntu: ``apt-get install dicom3tools``); without it the example says so and only exports.
It prints counts, sizes and the validator's findings, never names or other patient data.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import healthimaging_client as hic

#: dicom3tools (2022 and January 2024 releases) predates HTJ2K; each HTJ2K syntax and the JPEG 2000
#: syntax of the same kind, whose encapsulation and colour rules are the same.
JPEG2000_FOR_HTJ2K = {
    "1.2.840.10008.1.2.4.201": "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.202": "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.203": "1.2.840.10008.1.2.4.91",
}


def demo_emulator() -> tuple[hic.Client, str, str, str]:
    """A client of a local emulator holding a synthetic CT series of 12 HTJ2K slices."""
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=1)
    image_set_id = local.add_image_set(
        patient={"PatientID": "DEMO-0003", "PatientName": "DOE^JANE", "PatientSex": "F"},
        study={"StudyDate": "20240315", "StudyDescription": "DEMO CHEST", "AccessionNumber": "DEMO3"},
        series=[{"Modality": "CT", "SeriesDescription": "DEMO AXIAL", "BodyPartExamined": "CHEST"}],
        instances=12,
    )
    with local.client() as client:
        series_uid = next(iter(client.get_image_set_metadata(local.datastore_id, image_set_id).study.series))
    return local.client(), local.datastore_id, image_set_id, series_uid


def judge(paths: list[Path]) -> None:
    """dciodvfy's verdict on each file: its error-level findings, or that it found none."""
    validator = shutil.which("dciodvfy")
    if validator is None:
        print("dciodvfy is not installed, so the files were not validated (Debian: apt-get install dicom3tools)")
        return
    relabelled = 0
    with tempfile.TemporaryDirectory() as scratch:
        errors: list[str] = []
        for path in paths:
            checked = path
            found = _errors(validator, checked)
            if "Error - Dicom dataset read failed" in found:
                checked = _as_jpeg2000(path, Path(scratch))
                relabelled += checked != path
                found = _errors(validator, checked)
            errors += found
    if relabelled:
        print(f"dciodvfy does not know HTJ2K: {relabelled} file(s) checked with their file meta naming JPEG 2000")
    verdict = "no error-level finding" if not errors else f"{len(errors)} error(s)"
    print(f"dciodvfy on {len(paths)} file(s): {verdict}")
    for line in sorted(set(errors)):
        print(f"  {line}")


def _errors(validator: str, path: Path) -> list[str]:
    run = subprocess.run([validator, str(path)], capture_output=True, text=True, timeout=60, check=False)
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")]


def _as_jpeg2000(path: Path, scratch: Path) -> Path:
    """A copy whose file meta names the JPEG 2000 syntax of its HTJ2K one; every byte after the file meta kept."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filereader import read_file_meta_info  # pyright: ignore[reportUnknownVariableType] (its PathLike)
    from pydicom.filewriter import write_file_meta_info
    from pydicom.uid import UID

    data = path.read_bytes()
    meta = read_file_meta_info(str(path))
    replacement = JPEG2000_FOR_HTJ2K.get(str(meta.TransferSyntaxUID))
    if replacement is None:
        return path
    meta.TransferSyntaxUID = UID(replacement)
    encoded = DicomBytesIO()
    write_file_meta_info(encoded, meta, enforce_standard=True)
    (meta_length,) = struct.unpack_from("<I", data, 140)  # the value of (0002,0000), after preamble and prefix
    copy = scratch / path.name
    copy.write_bytes(data[:132] + encoded.getvalue() + data[144 + meta_length :])
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datastore-id", help="your datastore (default: a local emulator with synthetic data)")
    parser.add_argument("--image-set-id", help="the image set (with --datastore-id)")
    parser.add_argument("--series-uid", help="the SeriesInstanceUID to export (default: the image set's first)")
    parser.add_argument("--directory", type=Path, help="where to write (default: a temporary directory)")
    parser.add_argument("--transcode", action="store_true", help="explicit VR little endian instead of HTJ2K")
    args = parser.parse_args()

    if args.datastore_id and args.image_set_id:
        client, datastore_id, image_set_id, series_uid = hic.Client(), args.datastore_id, args.image_set_id, None
    else:
        client, datastore_id, image_set_id, series_uid = demo_emulator()
        print(f"Using a local emulator (datastore {datastore_id}, synthetic data)")

    with client, tempfile.TemporaryDirectory() as temporary:
        directory = args.directory or Path(temporary)
        if series_uid is None:
            series_uid = args.series_uid or next(
                iter(client.get_image_set_metadata(datastore_id, image_set_id).study.series)
            )

        def show(report: hic.ExportProgress) -> None:
            state = "found complete" if report.skipped else "written"
            print(f"  {report.files_done}/{report.files_total} {state}, {report.bytes_written / 1e6:.1f} MB so far")

        summary = client.export_image_set(
            datastore_id, image_set_id, directory, series=series_uid, transcode=args.transcode, progress=show
        )
        print(
            f"Exported {summary.files} file(s): {summary.files_written} written ({summary.frames_written} frames, "
            f"{summary.bytes_written / 1e6:.1f} MB), {summary.files_skipped} already complete"
        )
        again = client.export_image_set(
            datastore_id, image_set_id, directory, series=series_uid, transcode=args.transcode
        )
        print(f"Run again, it resumes: {again.files_written} written, {again.files_skipped} skipped")
        judge(sorted(directory.rglob("*.dcm")))


if __name__ == "__main__":
    main()
