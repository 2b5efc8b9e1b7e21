"""Fair pool waiting under load: many tasks calling in a loop, for a bounded time, against a loopback server.

``python -m benchmarks.bench_fairness [--tasks 256 1024] [--seconds 20] [--json]``

For each task count, two clients take turns in one run, each on the default pool
of 100 connections: ``ours`` (``AsyncClient``, which queues callers first come,
first served) and ``floor`` (httpx's ``AsyncClient`` on httpx-aiohttp's
transport, the SDK's default stack, sending the same request without the SDK's
queue). Each task calls SearchImageSets in a loop until the time is up. The
table gives calls per second, the median and slowest call (pool wait
included), slowest / median (target: 5x at most), the calls past the 60 s
timeout, how many calls the unluckiest task completed, and the process's open
file descriptors before the client was made and after it was closed. The
server runs in its own process and answers at once, so the pool is what waits.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ._loopback import serving

DATASTORE_ID = "0123456789abcdef0123456789abcdef"
BODY = b'{"imageSetsMetadataSummaries":[{"imageSetId":"fedcba9876543210fedcba9876543210","version":1}]}'
TIMEOUT = 60.0
TARGET_RATIO = 5.0


# --- the server (its own process) ---------------------------------------------------------


class _Answer(asyncio.Protocol):
    """Answers every request on a kept-alive connection with the same small 200."""

    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(BODY)).encode()
        + b"\r\n\r\n"
        + BODY
    )

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            head = self._buffer[:end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            assert self._transport is not None
            self._transport.write(self.response)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Answer, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


# --- the clients ----------------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _load(call: Callable[[], Awaitable[object]], tasks: int, seconds: float) -> tuple[list[float], list[int]]:
    """Every call's time, and each task's number of calls, with ``tasks`` tasks calling until ``seconds`` pass."""
    latencies: list[float] = []
    counts = [0] * tasks
    stop = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)
            counts[index] += 1

    await asyncio.gather(*(worker(index) for index in range(tasks)))
    return latencies, counts


async def _ours(endpoint: str, tasks: int, seconds: float) -> tuple[list[float], list[int]]:
    import healthimaging_client as hic

    async with hic.AsyncClient(
        region_name="us-east-1",
        aws_access_key_id="AKIDBENCHMARKFAIRNESS",
        aws_secret_access_key="benchmark-secret-not-a-real-key-000000000",
        endpoint_url=endpoint,
        timeout=TIMEOUT,
    ) as client:
        return await _load(lambda: client.search_image_sets(DATASTORE_ID), tasks, seconds)


async def _floor(endpoint: str, tasks: int, seconds: float) -> tuple[list[float], list[int]]:
    from httpx_aiohttp import AiohttpTransport

    url = f"{endpoint}/datastore/{DATASTORE_ID}/searchImageSets"
    async with httpx.AsyncClient(transport=AiohttpTransport(limits=httpx.Limits()), timeout=TIMEOUT) as http:

        async def call() -> None:
            response = await http.post(url, content=b"{}", headers={"Content-Type": "application/json"})
            response.raise_for_status()

        return await _load(call, tasks, seconds)


VARIANTS = {"ours": _ours, "floor": _floor}


def measure(variant: str, endpoint: str, tasks: int, seconds: float) -> dict[str, Any]:
    gc.collect()
    before = _open_fds()
    started = time.perf_counter()
    latencies, counts = asyncio.run(VARIANTS[variant](endpoint, tasks, seconds))
    elapsed = time.perf_counter() - started
    gc.collect()
    median = statistics.median(latencies)
    return {
        "variant": variant,
        "tasks": tasks,
        "calls": len(latencies),
        "calls_per_s": len(latencies) / elapsed,
        "median_s": median,
        "slowest_s": max(latencies),
        "slowest_over_median": max(latencies) / median,
        "past_timeout": sum(1 for latency in latencies if latency > TIMEOUT),
        "fewest_calls_by_a_task": min(counts),
        "median_calls_per_task": statistics.median(counts),
        "fds_before": before,
        "fds_after": _open_fds(),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| tasks | client | calls/s | median call (ms) | slowest call (ms) | slowest / median | past 60 s "
        "| fewest calls by a task | open fds before / after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['tasks']} | {r['variant']} | {r['calls_per_s']:.0f} | {r['median_s'] * 1000:.1f} "
            f"| {r['slowest_s'] * 1000:.1f} | {r['slowest_over_median']:.2f}x | {r['past_timeout']} "
            f"| {r['fewest_calls_by_a_task']} | {r['fds_before']} / {r['fds_after']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
        return
    with serving("benchmarks.bench_fairness", "--serve") as endpoint:
        rows = [measure(v, endpoint, tasks, args.seconds) for tasks in args.tasks for v in VARIANTS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(_table(rows))
    for r in rows:
        if r["variant"] == "ours":
            met = r["slowest_over_median"] <= TARGET_RATIO and r["past_timeout"] == 0
            print(f"{r['tasks']} tasks: slowest / median {r['slowest_over_median']:.2f}x, target met: {met}")


if __name__ == "__main__":
    main()
