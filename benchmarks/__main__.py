"""Run every benchmark against one loopback server and print (and write) the table.

``python -m benchmarks [--reps N] [--calls N] [--output docs/performance.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

from . import _profile, _report, _responses, _sdks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: No AWS files or instance metadata: every SDK sees only the fake credentials it is given.
ISOLATED_ENV = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class Server:
    """The canned-response server, in its own process; reports its own CPU time."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server"], stdout=subprocess.PIPE, cwd=ROOT, text=True
        )
        assert self._process.stdout is not None
        self.endpoint = f"http://127.0.0.1:{int(self._process.stdout.readline())}"
        self.busiest = 0.0  # highest share of one core the server used during a measurement

    def cpu(self) -> float:
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @contextmanager
    def watch(self) -> Iterator[None]:
        cpu, wall = self.cpu(), time.perf_counter()
        yield
        elapsed = time.perf_counter() - wall
        if elapsed > 0.2:  # too short a window says nothing at clock-tick resolution
            self.busiest = max(self.busiest, (self.cpu() - cpu) / elapsed)

    def close(self) -> None:
        self._process.terminate()
        self._process.wait()


def _measure(server: Server, fn: Callable[[], object], n: int, budget: float = 2.0) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per call of ``fn`` over ``n`` calls, or fewer if they take over ``budget`` s."""
    with server.watch():
        cpu, wall = time.process_time(), time.perf_counter()
        done = 0
        while done < n and (done < 10 or time.perf_counter() - wall < budget):
            fn()
            done += 1
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / done, wall / done


def _median(samples: dict[Any, list[float]]) -> dict[Any, float]:
    return {key: statistics.median(values) for key, values in samples.items()}


def cold_starts(server: Server, sdks: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Median seconds to the first completed call, and RSS after it, in fresh processes (interleaved)."""
    seconds: dict[str, list[float]] = {sdk: [] for sdk in sdks}
    rss: dict[str, list[float]] = {sdk: [] for sdk in sdks}
    env = {**os.environ, **ISOLATED_ENV}
    for _ in range(runs):
        for sdk in sdks:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks._cold", sdk, server.endpoint],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env=env,
            )
            result = json.loads(out.stdout)
            seconds[sdk].append(result["seconds"])
            rss[sdk].append(result["rss_kib"] / 1024)
    return {sdk: {"seconds": statistics.median(seconds[sdk]), "rss_mib": statistics.median(rss[sdk])} for sdk in sdks}


def sequential(server: Server, sdks: list[str], reps: int, calls: int) -> dict[tuple[str, str], tuple[float, float]]:
    """Median (CPU, wall) per call for each SDK and operation, one client and connection each."""
    clients = {sdk: _sdks.SYNC[sdk][1](_sdks.SYNC[sdk][0](server.endpoint)) for sdk in sdks}
    cpu: dict[tuple[str, str], list[float]] = {}
    wall: dict[tuple[str, str], list[float]] = {}
    for ops in clients.values():
        for fn in ops.values():
            for _ in range(20):
                fn()
    for rep in range(reps):
        order = sdks[rep % len(sdks) :] + sdks[: rep % len(sdks)]
        for operation in _sdks.OPERATIONS:
            for sdk in order:
                c, w = _measure(server, clients[sdk][operation], calls)
                cpu.setdefault((sdk, operation), []).append(c)
                wall.setdefault((sdk, operation), []).append(w)
    cpu_m, wall_m = _median(cpu), _median(wall)
    return {key: (cpu_m[key], wall_m[key]) for key in cpu_m}


def pagination(server: Server, sdks: list[str], reps: int, page_size: int = 50) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) per item when iterating all search results."""
    clients = {sdk: _sdks.SYNC[sdk][0](server.endpoint) for sdk in sdks}
    cpu: dict[str, list[float]] = {}
    wall: dict[str, list[float]] = {}
    for rep in range(reps):
        order = sdks[rep % len(sdks) :] + sdks[: rep % len(sdks)]
        for sdk in order:
            with server.watch():
                c, w = time.process_time(), time.perf_counter()
                count = _sdks.SYNC[sdk][2](clients[sdk], page_size)
                c, w = time.process_time() - c, time.perf_counter() - w
            assert count == _responses.TOTAL_SEARCH_ITEMS, (sdk, count)
            cpu.setdefault(sdk, []).append(c / count)
            wall.setdefault(sdk, []).append(w / count)
    cpu_m, wall_m = _median(cpu), _median(wall)
    return {sdk: (cpu_m[sdk], wall_m[sdk]) for sdk in sdks}


async def _fan_out(sdk: str, endpoint: str, operation: str, tasks: int, calls: int) -> tuple[float, float]:
    make_client, make_ops = _sdks.ASYNC[sdk]
    client = make_client(endpoint, tasks)
    async with client as opened:
        fn = make_ops(opened)[operation]
        remaining = calls

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await fn()

        await asyncio.gather(*(fn() for _ in range(tasks)))  # open the connections
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(tasks)))
        return calls / (time.perf_counter() - wall), (time.process_time() - cpu) / calls


def fan_out(server: Server, sdks: list[str], reps: int, calls: int) -> dict[tuple[str, str, int], tuple[float, float]]:
    """Median (calls/s, CPU per call) for each SDK, operation and number of concurrent tasks."""
    rate: dict[tuple[str, str, int], list[float]] = {}
    cpu: dict[tuple[str, str, int], list[float]] = {}
    for rep in range(reps):
        order = sdks[rep % len(sdks) :] + sdks[: rep % len(sdks)]
        for tasks in (32, 128):
            for operation in ("GetImageSetMetadata", "SearchImageSets"):
                for sdk in order:
                    with server.watch():
                        r, c = asyncio.run(_fan_out(sdk, server.endpoint, operation, tasks, calls))
                    rate.setdefault((sdk, operation, tasks), []).append(r)
                    cpu.setdefault((sdk, operation, tasks), []).append(c)
    rate_m, cpu_m = _median(rate), _median(cpu)
    return {key: (rate_m[key], cpu_m[key]) for key in rate_m}


def profiles(server: Server) -> dict[str, dict[str, float]]:
    """Where our SDK's client CPU goes, per package (cProfile), for the runs the targets are about."""
    client = _sdks.ours_client(server.endpoint)
    ops = _sdks.ours_ops(client)
    out: dict[str, dict[str, float]] = {}
    for operation in ("GetImageSetMetadata", "SearchImageSets"):
        fn = ops[operation]
        out[operation] = _profile.shares(lambda fn=fn: [fn() for _ in range(500)])
    out["pagination"] = _profile.shares(lambda: _sdks.ours_paginate(client, 50))
    out["async GetImageSetMetadata, 32 tasks"] = _profile.shares(
        lambda: asyncio.run(_fan_out("ours", server.endpoint, "GetImageSetMetadata", 32, 1500))
    )
    client.close()
    return out


def _available(names: list[str], modules: dict[str, str]) -> tuple[list[str], list[str]]:
    found, missing = [], []
    for name in names:
        try:
            __import__(modules[name])
            found.append(name)
        except ImportError as exc:
            missing.append(f"{name}: not installed ({exc})")
    return found, missing


def machine() -> dict[str, str]:
    with open("/proc/cpuinfo") as cpuinfo:
        models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    model = models[0] if models else platform.processor()
    versions = []
    for dist in (
        "healthimaging-client",
        "httpx",
        "httpx-aiohttp",
        "aiohttp",
        "botocore",
        "boto3",
        "aioboto3",
        "aiobotocore",
        "capo-medical-imaging",
        "zapros",
        "attrs",
        "cattrs",
        "tenacity",
    ):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "os": platform.platform(),
        "packages": ", ".join(versions),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--reps", type=int, default=5, help="repetitions per measurement (medians are reported)")
    parser.add_argument("--calls", type=int, default=300, help="calls per operation per repetition")
    parser.add_argument("--async-calls", type=int, default=3000, help="calls per async measurement")
    parser.add_argument("--cold-runs", type=int, default=9, help="fresh processes per SDK for cold start")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "performance.md"))
    args = parser.parse_args(argv)
    os.environ.update(ISOLATED_ENV)
    modules = {
        "ours": "healthimaging_client",
        "boto3": "boto3",
        "aioboto3": "aioboto3",
        "capo": "capo_medical_imaging",
        "floor": "httpx",
    }
    sync_sdks, missing = _available(["ours", "boto3", "capo", "floor"], modules)
    async_sdks, missing_async = _available(["ours", "aioboto3", "capo"], modules)
    if "ours" in async_sdks:
        async_sdks.insert(1, "ours-httpx")
    notes = sorted(set(missing + missing_async))
    server = Server()
    try:
        print("cold start ...", file=sys.stderr)
        cold = cold_starts(server, sync_sdks, args.cold_runs)
        print("sequential calls ...", file=sys.stderr)
        seq = sequential(server, sync_sdks, args.reps, args.calls)
        print("pagination ...", file=sys.stderr)
        pages = pagination(server, sync_sdks, max(3, args.reps // 2))
        print("async fan-out ...", file=sys.stderr)
        fan = fan_out(server, async_sdks, max(3, args.reps // 2), args.async_calls)
        busiest = server.busiest
        print("profiles ...", file=sys.stderr)
        profiled = profiles(server)
    finally:
        server.close()
    command = " ".join(["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)])
    text = _report.render(
        command=command,
        machine=machine(),
        cold=cold,
        sequential=seq,
        pagination=pages,
        fan_out=fan,
        server_busiest=busiest,
        profiles=profiled,
        notes=notes,
    )
    print(text)
    with open(args.output, "w") as out:
        out.write(text)
    print(f"written to {os.path.relpath(args.output, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
