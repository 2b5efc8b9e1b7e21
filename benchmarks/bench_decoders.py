"""Which decoder for HealthImaging frames: a 512x512 16-bit frame as HTJ2K and as JPEG 2000, every candidate.

Run it on its own (it needs the ``pixels`` extra; pylibjpeg-openjpeg is measured when installed)::

    python -m benchmarks.bench_decoders [--repetitions 30]

Each repetition times every candidate once, in turn, on one thread and then on
a pool of two threads (a batch of frames split over both), so the ratios are
paired and the machine's drift falls on all of them alike. The table gives the
median and quartiles of milliseconds per frame, and each candidate's median
ratio to imagecodecs' OpenJPH decoder (HTJ2K) or OpenJPEG decoder (JPEG 2000)
within the same repetition. ``decode_frame`` is the SDK's full path: header
check, decode, CRC32 verification, layout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import imagecodecs
import numpy as np

from healthimaging_client.metadata import Instance
from healthimaging_client.pixels import decode_frame, frame_crc32
from healthimaging_client.pixels._encode import encode_frame

SIZE = 512
BATCH = 16  # frames per pool measurement: enough for both threads to stay busy
SYNTAXES = {"HTJ2K": "1.2.840.10008.1.2.4.202", "JPEG 2000": "1.2.840.10008.1.2.4.90"}

Decoder = Callable[[bytes], Any]


def ct_like_frame(seed: int = 0) -> np.ndarray[Any, Any]:
    """A 512x512 12-bit frame with the statistics of a CT slice: a smooth body, edges, and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[-1 : 1 : SIZE * 1j, -1 : 1 : SIZE * 1j]
    body = np.where(x**2 / 0.8 + y**2 / 0.55 < 1, 1040.0, 24.0)
    organs = 300 * np.exp(-((x - 0.3) ** 2 + y**2) / 0.02) + 180 * np.sin(6 * x) * np.cos(4 * y) * (body > 100)
    return np.clip(body + organs + rng.normal(0, 12, (SIZE, SIZE)), 0, 4095).astype(np.uint16)


def candidates(syntax: str, codestream: bytes, pixels: np.ndarray[Any, Any]) -> dict[str, Decoder]:
    found: dict[str, Decoder] = {}
    if syntax == "HTJ2K":
        found["imagecodecs htj2k (OpenJPH)"] = imagecodecs.htj2k_decode
    found["imagecodecs jpeg2k (OpenJPEG)"] = imagecodecs.jpeg2k_decode
    found["imagecodecs jpeg2k, numthreads=1"] = lambda data: imagecodecs.jpeg2k_decode(data, numthreads=1)
    try:
        import openjpeg  # pylibjpeg-openjpeg, when installed

        found["pylibjpeg-openjpeg"] = openjpeg.decode
    except ImportError:
        pass
    instance = Instance(
        "2.25.1",
        "2.25.2",
        {
            "DICOM": {"Rows": SIZE, "Columns": SIZE, "BitsAllocated": 16, "BitsStored": 12, "PixelRepresentation": 0},
            "StoredTransferSyntaxUID": SYNTAXES[syntax],
            "ImageFrames": [
                {
                    "ID": "0" * 32,
                    "PixelDataChecksumFromBaseToFullResolution": [
                        {"Width": SIZE, "Height": SIZE, "Checksum": frame_crc32(pixels)}
                    ],
                }
            ],
        },
    )
    frame = instance.image_frames[0]
    found["SDK decode_frame (verified)"] = lambda data: decode_frame(data, instance, frame)
    found["floor: zlib.crc32 of the pixels"] = lambda data: zlib.crc32(pixels.data)
    for name, decoder in found.items():
        if name.startswith("floor"):
            continue
        decoded = np.asarray(decoder(codestream))
        if not np.array_equal(decoded.reshape(pixels.shape), pixels):
            raise SystemExit(f"{name} did not decode the frame exactly")
    return found


def _serial(decoder: Decoder, codestream: bytes) -> float:
    start = time.perf_counter()
    decoder(codestream)
    return (time.perf_counter() - start) * 1000


def _pooled(pool: ThreadPoolExecutor, decoder: Decoder, codestream: bytes) -> tuple[float, float]:
    """Milliseconds per frame on the pool, and CPU seconds per wall second (above 1: the GIL was released)."""
    start, cpu = time.perf_counter(), time.process_time()
    list(pool.map(decoder, [codestream] * BATCH))
    wall = time.perf_counter() - start
    return wall * 1000 / BATCH, (time.process_time() - cpu) / wall


def _quartiles(samples: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(samples, n=4)
    return q1, median, q3


def run(repetitions: int) -> str:
    pixels = ct_like_frame()
    lines = [
        f"# Decoders: one {SIZE}x{SIZE} 16-bit frame (12 bits stored), {repetitions} paired repetitions",
        "",
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, imagecodecs {imagecodecs.__version__}, "
        f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}.",
        "Milliseconds per frame: median [first quartile, third quartile]; ratio = median of per-repetition ratios "
        "to the reference decoder. Pool: a batch of frames on 2 threads, time per frame; peak cores: the most CPU "
        "seconds per wall second the process used in one pooled batch (above 1 means decoding ran outside the GIL).",
        "",
        "| codec | decoder | 1 thread (ms) | ratio | 2-thread pool (ms/frame) | ratio | pool speed-up | peak cores |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with ThreadPoolExecutor(2) as pool:
        for syntax, uid in SYNTAXES.items():
            codestream = encode_frame(pixels, uid)
            decoders = candidates(syntax, codestream, pixels)
            reference = next(iter(decoders))
            serial: dict[str, list[float]] = {name: [] for name in decoders}
            pooled: dict[str, list[float]] = {name: [] for name in decoders}
            cores: dict[str, list[float]] = {name: [] for name in decoders}
            for decoder in decoders.values():  # warm up: first calls load code and allocate
                _serial(decoder, codestream)
                _pooled(pool, decoder, codestream)
            for _ in range(repetitions):
                for name, decoder in decoders.items():
                    serial[name].append(_serial(decoder, codestream))
                    per_frame, busy = _pooled(pool, decoder, codestream)
                    pooled[name].append(per_frame)
                    cores[name].append(busy)
            for name in decoders:
                s_q1, s_median, s_q3 = _quartiles(serial[name])
                p_q1, p_median, p_q3 = _quartiles(pooled[name])
                s_ratio = statistics.median(a / b for a, b in zip(serial[name], serial[reference], strict=True))
                p_ratio = statistics.median(a / b for a, b in zip(pooled[name], pooled[reference], strict=True))
                speedup = statistics.median(a / b for a, b in zip(serial[name], pooled[name], strict=True))
                lines.append(
                    f"| {syntax} ({len(codestream) // 1024} KiB) | {name} | {s_median:.2f} [{s_q1:.2f}, {s_q3:.2f}] "
                    f"| {s_ratio:.2f} | {p_median:.2f} [{p_q1:.2f}, {p_q3:.2f}] | {p_ratio:.2f} | {speedup:.2f}x "
                    f"| {max(cores[name]):.2f} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_decoders")
    parser.add_argument("--repetitions", type=int, default=30)
    print(run(parser.parse_args(argv).repetitions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
