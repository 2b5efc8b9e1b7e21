"""The measurements, each in paired repetitions: within a repetition every variant runs once,
in a shuffled order, so that a ratio of two variants compares runs made side by side.

Each returns samples by key, one per repetition, in repetition order; ``_stats.ratios`` pairs them.
CPU time is the client process's (``time.process_time``), which other processes on the
machine cannot inflate; wall time is kept for the calls/s figures.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import _inputs, _responses, _sdks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: No AWS files or instance metadata: every SDK sees only the fake credentials it is given.
ISOLATED_ENV = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
Samples = dict[Any, list[float]]


class Server:
    """The replay server, in its own process; watches its own share of a core."""

    def __init__(self, loop: str = "uvloop") -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server", "--loop", loop, "--verify-every", "1"],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
        )
        assert self._process.stdout is not None
        self.endpoint = f"http://127.0.0.1:{int(self._process.stdout.readline())}"
        self.shares: list[float] = []  # the server's share of one core in each measurement window

    def cpu(self) -> float:
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def control(self, path: str) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(f"{self.endpoint}/__bench/{path}") as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    @contextmanager
    def watch(self) -> Iterator[None]:
        cpu, wall = self.cpu(), time.perf_counter()
        yield
        elapsed = time.perf_counter() - wall
        if elapsed > 0.5:  # shorter windows say nothing at clock-tick resolution
            self.shares.append((self.cpu() - cpu) / elapsed)

    def close(self) -> None:
        self._process.terminate()
        self._process.wait()


def _shuffled(items: list[Any], rng: random.Random) -> list[Any]:
    items = list(items)
    rng.shuffle(items)
    return items


def check_all(server: Server, sync: list[str], asyncs: list[str]) -> list[str]:
    """Run every variant's every call against a server verifying every request; problems found."""
    problems: list[str] = []
    for name in sync:
        make, ops, paginate = _sdks.SYNC[name]
        client = make(server.endpoint)
        for row, fn in ops(client).items():
            for _ in range(3):
                problems += _check_result(name, row, fn())
        if paginate is not None and paginate(client) != _responses.TOTAL_SEARCH_ITEMS:
            problems.append(f"{name}: pagination did not return every item")
        _sdks.close(client)

    async def check_async(name: str) -> None:
        make, ops = _sdks.ASYNC[name]
        async with make(server.endpoint, 4) as client:
            for row, fn in ops(client).items():
                for result in await asyncio.gather(*(fn() for _ in range(4))):
                    problems.extend(_check_result(f"{name} (async)", row, result))

    for name in asyncs:
        asyncio.run(check_async(name))
    stats = server.control("stats")
    problems += [f"server: {reason} ({count}x)" for reason, count in stats["failures"].items()]
    return problems


def _check_result(name: str, row: str, result: object) -> list[str]:
    found = _sdks.summary(row, result)
    expected = _responses.expected_summary(row)
    if found[:1] == ("bytes",):
        expected = ("bytes", _responses.body_length(row))
    return [] if found == expected else [f"{name}: {row} returned {found[:2]}, expected {expected[:2]}"]


def _timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """(CPU, wall) seconds per call over ``n`` calls."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        fn()
    return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


def sequential(server: Server, variants: list[str], reps: int, calls: int, seed: int) -> tuple[Samples, Samples]:
    """CPU and wall per call, by (variant, row): one client and connection each, ``calls`` calls a sample."""
    rng = random.Random(seed)
    clients = {name: _sdks.SYNC[name][0](server.endpoint) for name in variants}
    ops = {name: _sdks.SYNC[name][1](clients[name]) for name in variants}
    for name in variants:
        for fn in ops[name].values():
            _timed(fn, 20)
    cpu: Samples = {}
    wall: Samples = {}
    for _ in range(reps):
        for row in _shuffled(list(_inputs.CALLS), rng):
            for name in _shuffled(variants, rng):
                with server.watch():
                    c, w = _timed(ops[name][row], calls)
                cpu.setdefault((name, row), []).append(c)
                wall.setdefault((name, row), []).append(w)
    for client in clients.values():
        _sdks.close(client)
    return cpu, wall


def pagination(server: Server, variants: list[str], reps: int, seed: int) -> Samples:
    """CPU per item when iterating all 10,000 search results, by variant."""
    rng = random.Random(seed)
    paginating = [name for name in variants if _sdks.SYNC[name][2] is not None]
    clients = {name: _sdks.SYNC[name][0](server.endpoint) for name in paginating}
    cpu: Samples = {}
    for _ in range(reps):
        for name in _shuffled(paginating, rng):
            paginate = _sdks.SYNC[name][2]
            assert paginate is not None
            gc.collect()
            with server.watch():
                started = time.process_time()
                count = paginate(clients[name])
                cpu.setdefault(name, []).append((time.process_time() - started) / count)
    for client in clients.values():
        _sdks.close(client)
    return cpu


def cold_starts(server: Server, variants: list[str], reps: int, seed: int) -> tuple[Samples, Samples]:
    """Seconds to the first completed call and RSS (MiB) after it, by variant, each in a fresh process."""
    rng = random.Random(seed)
    seconds: Samples = {}
    rss: Samples = {}
    env = {**os.environ, **ISOLATED_ENV}
    for _ in range(reps):
        for name in _shuffled(variants, rng):
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks._cold", name, server.endpoint],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env=env,
            )
            result = json.loads(out.stdout)
            seconds.setdefault(name, []).append(result["seconds"])
            rss.setdefault(name, []).append(result["rss_kib"] / 1024)
    return seconds, rss


#: Concurrent tasks in the async table, and the pool every SDK gets at each (the same for all).
TASKS = (1, 32, 128, 512)
MAX_POOL = 100


def pool_size(tasks: int) -> int:
    return min(tasks, MAX_POOL)


async def drive(fn: Callable[[], Awaitable[object]], tasks: int, calls: int) -> None:
    """``calls`` calls of ``fn`` by ``tasks`` concurrent tasks, each starting its next call when one ends."""
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await fn()

    await asyncio.gather(*(worker() for _ in range(tasks)))


async def _fan_out(name: str, endpoint: str, row: str, tasks: int, calls: int) -> tuple[float, float]:
    make, make_ops = _sdks.ASYNC[name]
    async with make(endpoint, pool_size(tasks)) as client:
        fn = make_ops(client)[row]
        await asyncio.gather(*(fn() for _ in range(min(tasks, MAX_POOL))))  # open the connections
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        await drive(fn, tasks, calls)
        return calls / (time.perf_counter() - wall), (time.process_time() - cpu) / calls


def fan_out(server: Server, variants: list[str], reps: int, calls: int, seed: int) -> tuple[Samples, Samples]:
    """Calls/s and CPU per call, by (variant, row, tasks); a fresh client and event loop per sample."""
    rng = random.Random(seed)
    rate: Samples = {}
    cpu: Samples = {}
    blocks = [(row, tasks) for row in _inputs.ASYNC_CALLS for tasks in TASKS]
    for _ in range(reps):
        for row, tasks in _shuffled(blocks, rng):
            n = calls if tasks > 1 else calls // 3
            for name in _shuffled(variants, rng):
                with server.watch():
                    r, c = asyncio.run(_fan_out(name, server.endpoint, row, tasks, n))
                rate.setdefault((name, row, tasks), []).append(r)
                cpu.setdefault((name, row, tasks), []).append(c)
    return rate, cpu


def large_metadata(mb: float, reps: int, seed: int) -> dict[str, list[float]]:
    """The 50 MB document: per-repetition samples from ``bench_metadata`` in a fresh process."""
    arguments = ["--json", "--mb", str(mb), "--reps", str(reps), "--seed", str(seed)]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_metadata", *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]
