"""DICOM export, phase 1: memory and speed of writing a large multi-frame instance as a Part 10 file.

``python -m benchmarks.bench_dicom_export [--frames 800] [--reps 3]``

One synthetic multi-frame instance (no patient data) of ``--frames`` 512x512 16-bit frames, each
a real HTJ2K codestream (a handful of distinct frames, encoded once with imagecodecs, then
repeated; the writer never parses them). Each case runs in a fresh process, which reports its
peak resident memory (ru_maxrss) above the same process's memory before the case began:

- ``streamed``: ``write_part10`` given a generator of the frames, one frame alive at a time
  (``+ fsync``: with its default flush to the disk before the rename);
- ``in memory``: ``to_dataset(..., frames)`` then ``Dataset.save_as``, the whole instance in memory
  (what a straightforward pydicom script does, for contrast);
- ``floor``: the same bytes written with ``file.write`` from the same generator, no DICOM at all.

Wall times are medians of ``--reps`` runs; ``to_dataset`` is also timed alone on a CT-like
instance. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROWS = COLUMNS = 512
DISTINCT = 8


def _codestreams() -> list[bytes]:
    import imagecodecs
    import numpy as np

    rng = np.random.default_rng(0)
    base = rng.normal(1000, 200, (ROWS, COLUMNS)).clip(0, 4095).astype(np.uint16)
    return [bytes(imagecodecs.htj2k_encode(np.roll(base, shift, axis=0))) for shift in range(DISTINCT)]


def _document(frames: int) -> dict[str, Any]:
    uid = "2.25.27182818284590452353602874"
    instance = {
        "DICOM": {
            "SOPClassUID": "1.2.840.10008.5.1.4.1.1.7.3",
            "SOPInstanceUID": f"{uid}.3",
            "InstanceNumber": 1,
            "Rows": ROWS,
            "Columns": COLUMNS,
            "SamplesPerPixel": 1,
            "PhotometricInterpretation": "MONOCHROME2",
            "BitsAllocated": 16,
            "BitsStored": 12,
            "HighBit": 11,
            "PixelRepresentation": 0,
            "NumberOfFrames": frames,
            "FrameIncrementPointer": "00181063",
            "FrameTime": "40",
        },
        "DICOMVRs": {},
        "ImageFrames": [{"ID": f"{index:032x}"} for index in range(frames)],
    }
    return {
        "SchemaVersion": "1.1",
        "Patient": {"DICOM": {"PatientName": "SYNTHETIC^BENCH", "PatientID": "BENCH"}},
        "Study": {
            "DICOM": {"StudyInstanceUID": f"{uid}.1", "StudyDate": "20240101"},
            "Series": {f"{uid}.2": {"DICOM": {"Modality": "OT"}, "Instances": {f"{uid}.3": instance}}},
        },
    }


def _case(case: str, frames: int, directory: str) -> dict[str, float]:
    """Run one case in this process and report its peak memory growth and its time."""
    from healthimaging_client.dicom import to_dataset, write_part10
    from healthimaging_client.metadata import ImageSetMetadata

    codestreams = _codestreams()
    metadata = ImageSetMetadata(_document(frames))
    instance = next(metadata.iter_instances())

    def stream() -> Iterator[bytes]:
        for index in range(frames):
            yield bytes(bytearray(codestreams[index % DISTINCT]))  # a new object per frame, as a download makes

    path = Path(directory) / f"{case}.dcm"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if case.startswith("streamed"):
        write_part10(path, to_dataset(metadata, instance), stream(), fsync=case.endswith("fsync"))
    elif case == "in memory":
        to_dataset(metadata, instance, list(stream())).save_as(path, enforce_file_format=True)
    else:
        with open(path, "wb") as file:
            for frame in stream():
                file.write(frame)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = path.stat().st_size
    path.unlink()
    return {"seconds": elapsed, "peak_growth_mb": (peak - before) / 1024, "file_mb": size / 1e6}


def _to_dataset_seconds(reps: int) -> float:
    """Median seconds of to_dataset on a one-frame, CT-like instance of the tests' synthetic image set."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from healthimaging_client.dicom import to_dataset
    from healthimaging_client.metadata import ImageSetMetadata
    from tests import dicom_documents

    document, examples = dicom_documents.image_set()
    metadata = ImageSetMetadata(document)
    example = examples[0]
    instance = metadata.study.series[example.series_uid].instances[example.sop_uid]
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        for _ in range(200):
            to_dataset(metadata, instance)
        times.append((time.perf_counter() - started) / 200)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=800)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_case(args.case, args.frames, args.directory)))
        return
    frame_kb = statistics.mean(len(c) for c in _codestreams()) / 1024
    print(f"{args.frames} frames of {ROWS}x{COLUMNS} 16-bit HTJ2K, {frame_kb:.0f} KiB each on average")
    cases = ("floor", "streamed", "streamed + fsync", "in memory")
    results: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as directory:
        for _ in range(args.reps):
            for case in results:  # alternate, so drift in the machine's load hits every case alike
                command = [sys.executable, "-m", "benchmarks.bench_dicom_export", "--case", case]
                command += ["--frames", str(args.frames), "--directory", directory]
                run = subprocess.run(command, capture_output=True, text=True, check=True)
                results[case].append(json.loads(run.stdout))
    floor = statistics.median(r["seconds"] for r in results["floor"])
    print(f"{'case':<16} {'file MB':>8} {'seconds':>8} {'x floor':>8} {'MB/s':>8} {'peak RSS growth MB':>19}")
    for case, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        size = runs[0]["file_mb"]
        growth = max(r["peak_growth_mb"] for r in runs)
        print(f"{case:<16} {size:>8.1f} {seconds:>8.3f} {seconds / floor:>8.2f} {size / seconds:>8.0f} {growth:>19.1f}")
    print(f"to_dataset, one CT-like instance: {_to_dataset_seconds(args.reps) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
