"""Frames per second for fetch + decode + verify of a whole series, and the memory a volume costs to assemble.

Run it on its own (it needs the ``pixels`` extra and boto3)::

    python -m benchmarks.bench_frames [--repetitions 9] [--frames 200] [--size 512]

The emulator serves one series of ``--frames`` 16-bit HTJ2K frames of
``--size`` pixels square from its own process (``--serve``), every codestream
encoded and cached before anything is timed. Each repetition then runs every
candidate once, in an order rotated from one repetition to the next, so that
their ratios are paired and the machine's drift falls on all of them alike:

- ``floor, 1 thread`` and ``floor, 2 threads``: imagecodecs decoding the same
  codestreams, already in memory, in a loop or on a pool of two threads: the
  least this stack can spend, with no HTTP at all;
- ``Client`` and ``AsyncClient``: ``iter_frame_arrays`` over the series
  (fetch, decode, verify the CRC32), at the default concurrency;
- ``Client, volume``: ``get_series_volume`` (fetch, decode and verify into the
  preallocated volume);
- ``boto3 loop``: boto3's ``get_image_frame`` for each frame in turn, the body
  decoded with imagecodecs and its CRC32 compared with the metadata's, as a
  user of boto3 writes it.

Then each step alone, one frame at a time (a bare httpx + SigV4 fetch, the
SDK's fetch, imagecodecs' decode, the SDK's decode_frame, both in the SDK at
one frame at once), for where a frame's CPU goes; ``--sweep`` adds both
clients at 1 to 32 frames at once.

Reported: frames per second, median [first quartile, third quartile]; ratios
as the median [quartiles] of the per-repetition ratios; CPU milliseconds per
frame in this process and in the server's. Peak memory of ``get_series_volume``
is measured in a fresh process per run: the growth of its resident set's high
water mark (reset just before) over its resident set, divided by the volume's
size. The load average is read at the start and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import imagecodecs
import numpy as np

import healthimaging_client as hic
from healthimaging_client._pixel_requests import DEFAULT_FRAME_CONCURRENCY
from healthimaging_client.testing import FrameFormat, LocalHealthImaging

SEED = 15
KEYS = ("endpoint_url", "region_name", "aws_access_key_id", "aws_secret_access_key", "datastore_id", "image_set_id")


# --- the server, in its own process --------------------------------------------------------


def serve(frames: int, size: int) -> None:
    """``--serve``: one series on a loopback port; prints ``KEY=value`` lines, then serves until killed."""
    local = LocalHealthImaging(seed=SEED)
    image_set_id = local.add_image_set(instances=frames, frame_format=FrameFormat(rows=size, columns=size))
    with local.serve() as endpoint_url:
        settings = {**local.client_config(endpoint_url), "datastore_id": local.datastore_id}
        settings["image_set_id"] = image_set_id
        print("\n".join(f"{key}={settings[key]}" for key in KEYS), flush=True)
        threading.Event().wait()


class Server:
    """The ``--serve`` process, and the CPU time it has used."""

    def __init__(self, frames: int, size: int) -> None:
        command = [sys.executable, "-m", "benchmarks.bench_frames", "--serve", "--frames", str(frames)]
        self.process = subprocess.Popen([*command, "--size", str(size)], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.settings = dict(self.process.stdout.readline().strip().partition("=")[::2] for _ in KEYS)

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def client_config(self) -> dict[str, str]:
        return {k: self.settings[k] for k in KEYS[:4]}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# --- the candidates ----------------------------------------------------------------------


class Bench:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.datastore_id = server.settings["datastore_id"]
        self.image_set_id = server.settings["image_set_id"]
        self.client = hic.Client(**server.client_config())
        self.loop = asyncio.new_event_loop()
        self.async_client = hic.AsyncClient(**server.client_config())
        self.pool = ThreadPoolExecutor(2)
        self.http = httpx.Client()
        self.metadata = self.client.get_image_set_metadata(self.datastore_id, self.image_set_id)
        self.series = next(iter(self.metadata.study.series.values()))
        self.frames = list(self.metadata.iter_frames())
        # Every frame once: the emulator encodes and caches it, and the floors get their codestreams.
        self.codestreams = [
            self.client.get_image_frame(self.datastore_id, self.image_set_id, frame.id).data for frame in self.frames
        ]
        import boto3
        from botocore.config import Config

        config = Config(inject_host_prefix=False, retries={"max_attempts": 1}, max_pool_connections=10)
        self.boto = boto3.client("medical-imaging", config=config, **server.client_config())
        self.checksums = {frame.id: frame.pixel_data_checksums[-1].checksum for frame in self.frames}

    def candidates(self) -> dict[str, Callable[[], int]]:
        return {
            "floor, 1 thread": self.floor_serial,
            "floor, 2 threads": self.floor_pool,
            "Client": self.sdk_sync,
            "AsyncClient": self.sdk_async,
            "Client, volume": self.sdk_volume,
            "boto3 loop": self.boto3_loop,
        }

    def floor_serial(self) -> int:
        return sum(imagecodecs.htj2k_decode(data).size > 0 for data in self.codestreams)

    def floor_pool(self) -> int:
        return sum(array.size > 0 for array in self.pool.map(imagecodecs.htj2k_decode, self.codestreams))

    def sdk_sync(self, concurrency: int = DEFAULT_FRAME_CONCURRENCY) -> int:
        ids = self.datastore_id, self.image_set_id
        return sum(1 for _ in self.client.iter_frame_arrays(*ids, self.series, concurrency=concurrency))

    def sdk_async(self, concurrency: int = DEFAULT_FRAME_CONCURRENCY) -> int:
        async def count() -> int:
            frames = self.async_client.iter_frame_arrays(
                self.datastore_id, self.image_set_id, self.series, concurrency=concurrency
            )
            return len([item async for item in frames])

        return self.loop.run_until_complete(count())

    def breakdown(self) -> dict[str, Callable[[], int]]:
        """Where a frame's client CPU goes: each step alone, one frame at a time."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        from healthimaging_client.pixels import decode_frame, iter_frames

        config = self.server.client_config()
        credentials = Credentials(config["aws_access_key_id"], config["aws_secret_access_key"])
        url = f"{config['endpoint_url']}/datastore/{self.datastore_id}/imageSet/{self.image_set_id}/getImageFrame"
        refs = list(iter_frames(self.series))
        outputs = [self.client.get_image_frame(self.datastore_id, self.image_set_id, r.image_frame_id) for r in refs]

        def bare_fetch() -> int:
            for ref in refs:
                body = json.dumps({"imageFrameId": ref.image_frame_id}).encode()
                request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/json"})
                SigV4Auth(credentials, "medical-imaging", config["region_name"]).add_auth(request)
                self.http.post(url, content=body, headers=dict(request.headers)).read()
            return len(refs)

        def sdk_fetch() -> int:
            for ref in refs:
                self.client.get_image_frame(self.datastore_id, self.image_set_id, ref.image_frame_id)
            return len(refs)

        def sdk_decode() -> int:
            for ref, output in zip(refs, outputs, strict=True):
                decode_frame(output.data, ref.instance, ref.frame, content_type=output.content_type)
            return len(refs)

        return {
            "fetch: httpx + botocore SigV4, nothing else": bare_fetch,
            "fetch: SDK get_image_frame": sdk_fetch,
            "decode: imagecodecs htj2k_decode": self.floor_serial,
            "decode: SDK decode_frame (checked, verified, laid out)": sdk_decode,
            "both: SDK iter_frame_arrays, 1 at once": functools.partial(self.sdk_sync, 1),
        }

    def sweep(self) -> dict[str, Callable[[], int]]:
        """``--sweep``: both clients at several concurrencies."""
        found: dict[str, Callable[[], int]] = {}
        for concurrency in (1, 2, 4, 8, 16, 32):
            found[f"Client, {concurrency} at once"] = functools.partial(self.sdk_sync, concurrency)
            found[f"AsyncClient, {concurrency} at once"] = functools.partial(self.sdk_async, concurrency)
        return found

    def sdk_volume(self) -> int:
        volume = self.client.get_series_volume(self.datastore_id, self.image_set_id, self.series)
        return len(volume.frame_ids)

    def boto3_loop(self) -> int:
        done = 0
        for frame in self.frames:
            response = self.boto.get_image_frame(
                datastoreId=self.datastore_id,
                imageSetId=self.image_set_id,
                imageFrameInformation={"imageFrameId": frame.id},
            )
            pixels = imagecodecs.htj2k_decode(response["imageFrameBlob"].read())
            if zlib.crc32(np.ascontiguousarray(pixels)) != self.checksums[frame.id]:
                raise SystemExit("boto3 loop: checksum mismatch")
            done += 1
        return done

    def close(self) -> None:
        self.client.close()
        self.loop.run_until_complete(self.async_client.aclose())
        self.loop.close()
        self.pool.shutdown()
        self.http.close()


# --- measuring ------------------------------------------------------------------------------


def _quartiles(samples: list[float]) -> tuple[float, float, float]:
    if len(samples) < 2:
        return samples[0], samples[0], samples[0]
    q1, median, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q1, median, q3


def _shown(samples: list[float], digits: int = 0) -> str:
    q1, median, q3 = _quartiles(samples)
    return f"{median:.{digits}f} [{q1:.{digits}f}, {q3:.{digits}f}]"


def measure(
    bench: Bench, candidates: dict[str, Callable[[], int]], repetitions: int
) -> dict[str, dict[str, list[float]]]:
    """Per candidate: frames per second, and CPU ms per frame here and in the server, one sample a repetition."""
    names = list(candidates)
    for run in candidates.values():  # warm up: first calls load code, open connections, fill pools
        run()
    samples: dict[str, dict[str, list[float]]] = {name: {"fps": [], "cpu": [], "server": []} for name in names}
    for repetition in range(repetitions):
        for name in names[repetition % len(names) :] + names[: repetition % len(names)]:
            server, cpu, started = bench.server.cpu_seconds(), time.process_time(), time.perf_counter()
            count = candidates[name]()
            wall = time.perf_counter() - started
            if count != len(bench.frames):
                raise SystemExit(f"{name} handled {count} frames, not {len(bench.frames)}")
            samples[name]["fps"].append(count / wall)
            samples[name]["cpu"].append((time.process_time() - cpu) * 1000 / count)
            samples[name]["server"].append((bench.server.cpu_seconds() - server) * 1000 / count)
    return samples


# --- memory, in a fresh process per run ----------------------------------------------------------


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise SystemExit(f"no {field} in /proc/self/status")


def volume_memory(kind: str) -> None:
    """``--memory sync|async`` (settings on stdin): prints the resident set's peak growth / the volume's size."""
    settings = dict(line.strip().partition("=")[::2] for line in sys.stdin if "=" in line)
    config = {k: settings[k] for k in KEYS[:4]}
    datastore_id, image_set_id = settings["datastore_id"], settings["image_set_id"]

    async def assemble() -> float:
        client: Any = hic.AsyncClient(**config) if kind == "async" else hic.Client(**config)

        async def call(method: str, *args: Any, **kwargs: Any) -> Any:
            result = getattr(client, method)(*args, **kwargs)
            return await result if kind == "async" else result

        metadata = await call("get_image_set_metadata", datastore_id, image_set_id)
        series = next(iter(metadata.study.series.values()))
        frame = next(metadata.iter_frames())
        await call("get_frame_array", datastore_id, image_set_id, frame.id, metadata=metadata)  # load codecs, warm up
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # reset the high water mark to the resident set now
        before = _status("VmRSS")
        volume = await call("get_series_volume", datastore_id, image_set_id, series)
        growth = _status("VmHWM") - before
        await call("aclose" if kind == "async" else "close")
        return growth / volume.array.nbytes

    print(f"{asyncio.run(assemble()):.4f}")


def memory_ratios(server: Server, kind: str, runs: int) -> list[float]:
    lines = "".join(f"{key}={value}\n" for key, value in server.settings.items())
    command = [sys.executable, "-m", "benchmarks.bench_frames", "--memory", kind]
    return [
        float(subprocess.run(command, input=lines, capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]


# --- the report ------------------------------------------------------------------------------


def _ratios(samples: dict[str, dict[str, list[float]]], name: str, reference: str) -> str:
    paired = [a / b for a, b in zip(samples[name]["fps"], samples[reference]["fps"], strict=True)]
    return _shown(paired, 2) + "x"


def report(args: argparse.Namespace) -> str:
    load_before = os.getloadavg()
    server = Server(args.frames, args.size)
    try:
        bench = Bench(server)
        try:
            samples = measure(bench, bench.candidates(), args.repetitions)
            swept = measure(bench, bench.sweep(), args.repetitions) if args.sweep else {}
            steps = measure(bench, bench.breakdown(), args.repetitions)
            size = sum(map(len, bench.codestreams)) / len(bench.codestreams)
        finally:
            bench.close()
        memory = {kind: memory_ratios(server, kind, args.memory_runs) for kind in ("sync", "async")}
    finally:
        server.stop()
    load_after = os.getloadavg()
    lines = [
        f"# Frames: a {args.frames}-frame {args.size}x{args.size} 16-bit HTJ2K series, "
        f"{args.repetitions} paired repetitions",
        "",
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, imagecodecs {imagecodecs.__version__}, "
        f"{os.cpu_count()} CPUs; codestreams of {size / 1024:.0f} KiB on average. "
        f"Load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load_before)} at the start, "
        f"{', '.join(f'{x:.1f}' for x in load_after)} at the end.",
        "",
        "| candidate | frames/s | / floor, 1 thread | / floor, 2 threads | / boto3 loop "
        "| CPU ms/frame, client | CPU ms/frame, server |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in samples.items():
        lines.append(
            f"| {name} | {_shown(figures['fps'])} | {_ratios(samples, name, 'floor, 1 thread')} "
            f"| {_ratios(samples, name, 'floor, 2 threads')} | {_ratios(samples, name, 'boto3 loop')} "
            f"| {_shown(figures['cpu'], 2)} | {_shown(figures['server'], 2)} |"
        )
    lines += ["", "| one frame at a time: step | CPU ms/frame, client |", "|---|---|"]
    lines += [f"| {name} | {_shown(f['cpu'], 2)} |" for name, f in steps.items()]
    if swept:
        lines += ["", "| concurrency sweep | frames/s | CPU ms/frame, client |", "|---|---|---|"]
        lines += [f"| {name} | {_shown(f['fps'])} | {_shown(f['cpu'], 2)} |" for name, f in swept.items()]
    lines += [
        "",
        "Peak memory of get_series_volume (growth of the resident set's high water mark / the volume's size), "
        f"{args.memory_runs} fresh processes each: Client {_shown(memory['sync'], 3)}, "
        f"AsyncClient {_shown(memory['async'], 3)}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_frames")
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--memory-runs", type=int, default=3)
    parser.add_argument("--sweep", action="store_true", help="also both clients at 1 to 32 frames at once")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory", choices=["sync", "async"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.frames, args.size)
    elif args.memory:
        volume_memory(args.memory)
    else:
        print(report(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
