"""DICOM export: an image set to files, against boto3 + pydicom; and the Part 10 writer on its own.

``python -m benchmarks.bench_dicom_export [--instances 200] [--reps 5] [--latency 0.02]``

**Exporting an image set** (the default). The emulator serves one series of ``--instances``
512x512 12-bit HTJ2K instances (synthetic) from its loopback server, in its own process, its
frames encoded before the first case. Each case exports the whole series to a fresh directory
in a fresh process (``benchmarks/_export_cases.py``): ``export_image_set`` on ``Client`` and
``AsyncClient`` at their defaults (16 frames in flight, no fsync, to compare with the loop),
``Client`` one frame at a time, with fsync, and transcoding; and a straightforward loop of
boto3 calls and pydicom (setattr per attribute, ``encapsulate``, ``save_as``), one request at
a time, as AWS's samples do. The cases alternate within each repetition (the order reversed
every other one), so each repetition pairs them under the same load; the table gives medians
and quartiles over repetitions of files per second, of the ratio to the boto3 loop within the
same repetition, of the client process's CPU per file, of the server's CPU share, and the
client process's peak memory above its memory before the case. A last, separate run profiles
``Client`` (every thread, CPU time) to say where the client's CPU goes. The machine's load
(``uptime``) is printed before and after. ``--latency`` makes the server answer each
GetImageFrame that many seconds late, as a region's round trip does (then only ``Client``,
``AsyncClient`` and the loop are run): loopback answers at once, so it measures CPU; a real
service answers in tens of milliseconds, which is what concurrency is for.

**The writer** (``--writer [--frames 800]``, phase 1). One synthetic multi-frame instance (no
patient data) of ``--frames`` 512x512 16-bit frames, each a real HTJ2K codestream (a handful of
distinct frames, encoded once with imagecodecs, then repeated; the writer never parses them).
Each case runs in a fresh process, which reports its peak resident memory (ru_maxrss) above the
same process's memory before the case began:

- ``streamed``: ``write_part10`` given a generator of the frames, one frame alive at a time
  (``+ fsync``: with its default flush to the disk before the rename);
- ``in memory``: ``to_dataset(..., frames)`` then ``Dataset.save_as``, the whole instance in memory
  (what a straightforward pydicom script does, for contrast);
- ``floor``: the same bytes written with ``file.write`` from the same generator, no DICOM at all.

Wall times are medians of ``--reps`` runs; ``to_dataset`` is also timed alone on a CT-like
instance.

Not part of the test run.
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
    parser.add_argument("--writer", action="store_true", help="benchmark the Part 10 writer alone (phase 1)")
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--frames", type=int, default=800)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each GetImageFrame is answered")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.writer:
        _export_main(args.instances, args.reps or 5, args.latency)
    elif args.case:
        print(json.dumps(_case(args.case, args.frames, args.directory)))
    else:
        _writer_main(args.frames, args.reps or 3)


def _writer_main(frames: int, reps: int) -> None:
    frame_kb = statistics.mean(len(c) for c in _codestreams()) / 1024
    print(f"{frames} frames of {ROWS}x{COLUMNS} 16-bit HTJ2K, {frame_kb:.0f} KiB each on average")
    cases = ("floor", "streamed", "streamed + fsync", "in memory")
    results: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as directory:
        for _ in range(reps):
            for case in results:  # alternate, so drift in the machine's load hits every case alike
                command = [sys.executable, "-m", "benchmarks.bench_dicom_export", "--writer", "--case", case]
                command += ["--frames", str(frames), "--directory", directory]
                run = subprocess.run(command, capture_output=True, text=True, check=True)
                results[case].append(json.loads(run.stdout))
    floor = statistics.median(r["seconds"] for r in results["floor"])
    print(f"{'case':<16} {'file MB':>8} {'seconds':>8} {'x floor':>8} {'MB/s':>8} {'peak RSS growth MB':>19}")
    for case, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        size = runs[0]["file_mb"]
        growth = max(r["peak_growth_mb"] for r in runs)
        print(f"{case:<16} {size:>8.1f} {seconds:>8.3f} {seconds / floor:>8.2f} {size / seconds:>8.0f} {growth:>19.1f}")
    print(f"to_dataset, one CT-like instance: {_to_dataset_seconds(reps) * 1e3:.2f} ms")


# --- exporting an image set -----------------------------------------------------------------


class _Server:
    """The emulator serving the benchmark's image set, in its own process; reports its CPU time."""

    def __init__(self, instances: int, latency: float) -> None:
        command = [sys.executable, "-m", "benchmarks._export_cases", "serve", "--instances", str(instances)]
        command += ["--latency", str(latency)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.config = json.loads(self.process.stdout.readline())

    def cpu(self) -> float:
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


def _run_case(server: _Server, case: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as directory:
        command = [sys.executable, "-m", "benchmarks._export_cases", "case", case]
        command += ["--config", json.dumps(server.config), "--directory", directory]
        cpu = server.cpu()
        run = subprocess.run(command, capture_output=True, text=True, check=True)
        result: dict[str, float] = json.loads(run.stdout)
        result["server_cpu"] = server.cpu() - cpu
        return result


def _quartiles(values: list[float], spec: str) -> str:
    if len(values) < 2:
        return format(values[0], spec)
    q1, q2, q3 = statistics.quantiles(values, n=4)
    return f"{q2:{spec}} [{q1:{spec}}, {q3:{spec}}]"


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _export_main(instances: int, reps: int, latency: float) -> None:
    from ._export_cases import CASES

    cases = list(CASES) if not latency else ["ours, Client", "ours, AsyncClient", "boto3 + pydicom loop"]
    print(f"machine load before: {_uptime()}")
    server = _Server(instances, latency)
    try:
        _run_case(server, "ours, Client")  # warm: the server's threads, the page cache
        results: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
        for rep in range(reps):
            order = cases if rep % 2 == 0 else cases[::-1]
            for case in order:
                results[case].append(_run_case(server, case))
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as directory:
            command = [sys.executable, "-m", "benchmarks._export_cases", "case", "profile"]
            command += ["--config", json.dumps(server.config), "--directory", directory]
            profile = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    finally:
        server.close()
    print(f"machine load after:  {_uptime()}")
    delay = f", GetImageFrame answered {latency * 1000:.0f} ms late" if latency else ""
    print(f"{instances} instances of 512x512 12-bit HTJ2K, one series{delay}, {reps} paired repetitions")
    print("median [q1, q3]")
    print()
    peer = results["boto3 + pydicom loop"]
    print("| case | files/s | x boto3 loop (paired) | client CPU ms/file | server CPU share | peak memory MiB |")
    print("|---|---|---|---|---|---|")
    for case, runs in results.items():
        rates = [r["files"] / r["seconds"] for r in runs]
        ratios = [rate / (p["files"] / p["seconds"]) for rate, p in zip(rates, peer, strict=True)]
        cpu = [1000 * r["cpu"] / r["files"] for r in runs]
        server_share = [r["server_cpu"] / r["seconds"] for r in runs]
        memory = [r["peak_growth_mib"] for r in runs]
        assert all(r["files"] == instances for r in runs), case
        print(
            f"| {case} | {_quartiles(rates, '.0f')} | {_quartiles(ratios, '.2f')} | {_quartiles(cpu, '.2f')} "
            f"| {_quartiles(server_share, '.0%')} | {_quartiles(memory, '.1f')} |"
        )
    print()
    print(f"Where the client's CPU goes (Client, defaults; {profile.pop('cpu_seconds'):.2f} s of CPU in all threads):")
    for package, share in profile.items():
        print(f"  {package:<32} {share:6.1%}")


if __name__ == "__main__":
    main()
