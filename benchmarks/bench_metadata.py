"""GetImageSetMetadata: fetching and building the typed document vs ``gzip.decompress`` + ``json.loads``.

``python -m benchmarks.bench_metadata [--mb 100] [--reps 7]``

A synthetic document (no patient data) of about ``--mb`` MB of JSON with
thousands of instances is gzip-compressed once. The baseline decompresses and
decodes that body; the SDK side calls ``Client.get_image_set_metadata``
through an in-process transport that hands over the same gzip body in 64 KiB
pieces, as a socket would, with ``Content-Encoding: gzip``. Both sides run
alternately in one process; wall and CPU time are medians of ``--reps`` runs
and peak memory is tracemalloc's peak above the starting point. The issue's budget is
1.2x on each. Not part of the test run.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx

import healthimaging_client as hic

DATASTORE_ID = "0123456789abcdef0123456789abcdef"
IMAGE_SET_ID = "fedcba9876543210fedcba9876543210"
CHUNK = 64 * 1024
BUDGET = 1.2


def synthetic_document(target_bytes: int, seed: int = 7) -> dict[str, Any]:
    """A metadata document in the service's shape, made of random synthetic values."""
    rng = random.Random(seed)
    root = "1.2.826.0.1.3680043.8.498"

    def words(n: int) -> str:
        return " ".join(rng.choice(("AXIAL", "HELICAL", "SYNTHETIC", "PHANTOM", "TEST", "DERIVED")) for _ in range(n))

    def instance(series_no: int, number: int) -> dict[str, Any]:
        dicom: dict[str, Any] = {
            "SOPClassUID": "1.2.840.10008.5.1.4.1.1.2",
            "SOPInstanceUID": f"{root}.{series_no}.{number}",
            "InstanceNumber": number,
            "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
            "ImagePositionPatient": [rng.uniform(-250, 250) for _ in range(3)],
            "ImageOrientationPatient": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            "PixelSpacing": [0.48828125, 0.48828125],
            "SliceThickness": 1.25,
            "Rows": 512,
            "Columns": 512,
            "BitsAllocated": 16,
            "WindowCenter": rng.randint(-600, 400),
            "WindowWidth": rng.randint(300, 2000),
            "AcquisitionDateTime": f"2024031{rng.randint(0, 9)}{rng.randint(100000, 235959)}",
            "00191010": words(3),
        }
        for i in range(160):  # the long tail of attributes a real CT instance carries
            dicom[f"0043{i:04X}"] = rng.choice((words(2), rng.randint(0, 1 << 20), rng.random(), None, [1, 2, 3]))
        return {
            "DICOM": dicom,
            "DICOMVRs": {"00191010": "LO"},
            "ImageFrames": [
                {
                    "ID": f"{rng.getrandbits(128):032x}",
                    "PixelDataChecksumFromBaseToFullResolution": [
                        {"Width": 256, "Height": 256, "Checksum": rng.getrandbits(31)},
                        {"Width": 512, "Height": 512, "Checksum": rng.getrandbits(31)},
                    ],
                    "MinPixelValue": -1024,
                    "MaxPixelValue": rng.randint(1000, 4095),
                    "FrameSizeInBytes": 524288,
                }
            ],
        }

    per_instance = len(json.dumps(instance(0, 0)))
    count = max(1, target_bytes // per_instance)
    series: dict[str, Any] = {}
    for series_no in range(1, 5):
        uid = f"{root}.{series_no}"
        series[uid] = {
            "DICOM": {"SeriesInstanceUID": uid, "Modality": "CT", "SeriesNumber": series_no},
            "Instances": {f"{root}.{series_no}.{n}": instance(series_no, n) for n in range(series_no - 1, count, 4)},
        }
    return {
        "SchemaVersion": "1.1",
        "DatastoreID": DATASTORE_ID,
        "ImageSetID": IMAGE_SET_ID,
        "Patient": {"DICOM": {"PatientName": "SYNTHETIC^PHANTOM", "PatientID": "SYN-0001"}},
        "Study": {"DICOM": {"StudyInstanceUID": root, "StudyDate": "20240315"}, "Series": series},
    }


class Pieces(httpx.SyncByteStream):
    """The body in socket-sized pieces."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        view = memoryview(self._body)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start : start + CHUNK])


def sdk_client(body: bytes) -> hic.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        return httpx.Response(200, headers=headers, stream=Pieces(body))

    return hic.Client(
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLEFAKE00001",
        aws_secret_access_key="fake-secret-for-benchmarks-only",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def seconds(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU time is what other processes on the machine cannot inflate)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    del result
    return wall, cpu


def peak_bytes(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    result = run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mb", type=float, default=100.0, help="uncompressed size of the document (MB)")
    parser.add_argument("--reps", type=int, default=7, help="timed runs of each side")
    args = parser.parse_args(argv)

    document = synthetic_document(int(args.mb * 1_000_000))
    raw = json.dumps(document).encode()
    instances = sum(len(s["Instances"]) for s in document["Study"]["Series"].values())
    del document
    body = gzip.compress(raw, compresslevel=6)
    del raw
    client = sdk_client(body)

    def baseline() -> object:
        return json.loads(gzip.decompress(body))

    def sdk() -> hic.ImageSetMetadata:
        return client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID)

    def sdk_and_walk() -> object:
        meta = sdk()
        return sum(1 for _ in meta.iter_frames())

    check = sdk()
    uncompressed = len(json.dumps(check.to_dict()).encode())
    assert sum(1 for _ in check.iter_instances()) == instances
    del check

    names = ("baseline", "sdk", "walk")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for _ in range(args.reps):  # alternate, so that drift in the machine's load hits both sides alike
        runs["baseline"].append(seconds(baseline))
        runs["sdk"].append(seconds(sdk))
        runs["walk"].append(seconds(sdk_and_walk))
    peaks = {"baseline": peak_bytes(baseline), "sdk": peak_bytes(sdk), "walk": peak_bytes(sdk_and_walk)}
    client.close()

    wall = {name: statistics.median(w for w, _ in runs[name]) for name in names}
    cpu = {name: statistics.median(c for _, c in runs[name]) for name in names}
    print(f"document: {uncompressed / 1e6:.1f} MB JSON, {len(body) / 1e6:.1f} MB gzip, {instances} instances")
    print(f"python {sys.version.split()[0]}, median of {args.reps} alternating runs; tracemalloc peak above start")
    header = f"{'':44} {'wall (s)':>8} {'cpu (s)':>8} {'peak (MB)':>9} {'wall':>6} {'cpu':>6} {'peak':>6}"
    print(header)
    labels = {
        "baseline": "gzip.decompress + json.loads",
        "sdk": "Client.get_image_set_metadata (typed)",
        "walk": "  ... and iterate every frame (not budgeted)",
    }
    for name in names:
        print(
            f"{labels[name]:44} {wall[name]:8.3f} {cpu[name]:8.3f} {peaks[name] / 1e6:9.1f} "
            f"{wall[name] / wall['baseline']:5.2f}x {cpu[name] / cpu['baseline']:5.2f}x "
            f"{peaks[name] / peaks['baseline']:5.2f}x"
        )
    ratios = {
        "wall time": wall["sdk"] / wall["baseline"],
        "cpu time": cpu["sdk"] / cpu["baseline"],
        "peak memory": peaks["sdk"] / peaks["baseline"],
    }
    within = all(ratio <= BUDGET for ratio in ratios.values())
    summary = ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items())
    print(f"budget {BUDGET}x: {summary} -> {'ok' if within else 'OVER'}")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
