"""GetImageSetMetadata: fetching and building the typed document vs ``gzip.decompress`` + ``json.loads``.

``python -m benchmarks.bench_metadata [--mb 50] [--reps 7] [--json]``

A synthetic document (no patient data) of about ``--mb`` MB of JSON with
thousands of instances is gzip-compressed once. The baseline decompresses and
decodes that body; the SDK side calls ``Client.get_image_set_metadata``
through an in-process transport that hands over the same gzip body in 64 KiB
pieces, as a socket would, with ``Content-Encoding: gzip``. Both sides run
in paired repetitions (both sides in each, in a shuffled order) in one process; peak
memory is tracemalloc's peak above the starting point. ``python -m benchmarks`` runs it
in a fresh process and checks the issue's targets. Not part of the test run.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx

import healthimaging_client as hic

DATASTORE_ID = "0123456789abcdef0123456789abcdef"
IMAGE_SET_ID = "fedcba9876543210fedcba9876543210"
CHUNK = 64 * 1024
PEAK_REPS = 3


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
    parser.add_argument("--mb", type=float, default=50.0, help="uncompressed size of the document (MB)")
    parser.add_argument("--reps", type=int, default=7, help="paired repetitions (each side once, in a shuffled order)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the samples as JSON (for python -m benchmarks)")
    args = parser.parse_args(argv)

    document = synthetic_document(int(args.mb * 1_000_000))
    raw = json.dumps(document).encode()
    instances = sum(len(s["Instances"]) for s in document["Study"]["Series"].values())
    del document
    body = gzip.compress(raw, compresslevel=6)
    uncompressed = len(raw)
    del raw
    client = sdk_client(body)

    def baseline() -> object:
        return json.loads(gzip.decompress(body))

    def sdk() -> hic.ImageSetMetadata:
        return client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID)

    check = sdk()
    assert sum(1 for _ in check.iter_instances()) == instances
    del check

    sides = {"baseline": baseline, "sdk": sdk}
    rng = random.Random(args.seed)
    samples: dict[str, dict[str, list[float]]] = {"wall": {}, "cpu": {}, "peak": {}}
    for rep in range(args.reps):
        order = list(sides)
        rng.shuffle(order)
        for name in order:  # both sides in each repetition, so that drift in the machine's load hits both alike
            wall, cpu = seconds(sides[name])
            samples["wall"].setdefault(name, []).append(wall)
            samples["cpu"].setdefault(name, []).append(cpu)
            if rep < PEAK_REPS:  # tracemalloc is slow and its peak barely varies: a few pairs suffice
                samples["peak"].setdefault(name, []).append(peak_bytes(sides[name]))
    client.close()
    if args.json:
        print(json.dumps({**samples, "mb": uncompressed / 1e6, "gzip_mb": len(body) / 1e6, "instances": instances}))
        return 0
    print(f"document: {uncompressed / 1e6:.1f} MB JSON, {len(body) / 1e6:.1f} MB gzip, {instances} instances")
    for measure, by_side in samples.items():
        ratio = [a / b for a, b in zip(by_side["sdk"], by_side["baseline"], strict=True)]
        print(f"{measure}: sdk / baseline per repetition {', '.join(f'{r:.2f}' for r in ratio)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
