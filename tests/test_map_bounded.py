"""``map_bounded`` and ``run_cpu_bound``, the primitives the pixel methods need that differ between the clients.

``BlockingBackend`` runs each coroutine to completion on a worker thread,
``AsyncioBackend`` runs each as a task; both keep at most ``limit`` in flight,
hand results out in completion order (or the items' order with ``ordered``),
end at the first failure, and leave nothing running once closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from healthimaging_client._backends import AsyncioBackend, BlockingBackend
from healthimaging_client._work_pools import run_to_completion


class Side:
    """One backend, and how to drive its coroutines and to wait inside a mapped function."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.loop = asyncio.new_event_loop() if kind == "async" else None
        self.backend: Any = AsyncioBackend(httpx.AsyncClient()) if kind == "async" else BlockingBackend(httpx.Client())

    def run(self, awaitable: Awaitable[Any]) -> Any:
        return run_to_completion(awaitable) if self.loop is None else self.loop.run_until_complete(awaitable)

    async def pause(self, seconds: float) -> None:
        """Inside a mapped function: the wait that each side's work does (a thread blocks, a task suspends)."""
        if self.loop is None:
            time.sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    def collect(self, iterator: AsyncIterator[Any], stop_after: int | None = None) -> list[Any]:
        async def drain() -> list[Any]:
            found: list[Any] = []
            async with contextlib.aclosing(iterator):  # type: ignore[type-var]
                async for item in iterator:
                    found.append(item)
                    if stop_after is not None and len(found) == stop_after:
                        break
            return found

        return self.run(drain())

    def close(self) -> None:
        self.run(self.backend.close(close_http=True))
        if self.loop is not None:
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def side(request: pytest.FixtureRequest) -> Any:
    side = Side(request.param)
    yield side
    side.close()


class Probe:
    """Counts what runs at once, and where."""

    def __init__(self, side: Side, delays: Callable[[int], float]) -> None:
        self.side = side
        self.delays = delays
        self.lock = threading.Lock()
        self.running = self.peak = self.started = self.finished = self.completed = 0
        self.threads: set[int] = set()

    async def __call__(self, item: int) -> int:
        with self.lock:
            self.running += 1
            self.started += 1
            self.peak = max(self.peak, self.running)
            self.threads.add(threading.get_ident())
        try:
            await self.side.pause(self.delays(item))
            if item < 0:
                raise ValueError(f"item {item}")
            with self.lock:
                self.completed += 1
            return item * 10
        finally:
            with self.lock:
                self.running -= 1
                self.finished += 1


def test_completion_order_within_the_bound(side: Side) -> None:
    probe = Probe(side, lambda item: 0.002)
    slow_first = Probe(side, lambda item: 0.0)

    async def first_waits_for_the_rest(item: int) -> int:
        deadline = time.monotonic() + 5
        while item == 0 and probe.finished < 11 and time.monotonic() < deadline:
            await side.pause(0.002)
        return await (slow_first if item == 0 else probe)(item)

    results = side.collect(side.backend.map_bounded(first_waits_for_the_rest, range(12), limit=3, ordered=False))
    assert sorted(results) == [i * 10 for i in range(12)]
    assert results[0] != 0 and results[-1] == 0  # the slow first item came last
    assert probe.peak <= 2  # the first item held the third place all along
    if side.kind == "sync":
        assert threading.get_ident() not in probe.threads and len(probe.threads) <= 3


def test_item_order_on_request(side: Side) -> None:
    probe = Probe(side, lambda item: 0.002 * ((7 * item) % 5))
    results = side.collect(side.backend.map_bounded(probe, range(15), limit=4, ordered=True))
    assert results == [i * 10 for i in range(15)]
    assert probe.peak <= 4


def test_the_first_failure_ends_the_map_and_nothing_keeps_running(side: Side) -> None:
    probe = Probe(side, lambda item: 0.0 if item < 0 else 0.03)
    with pytest.raises(ValueError, match="item -1"):
        side.collect(side.backend.map_bounded(probe, [1, 2, -1, *range(3, 40)], limit=3, ordered=False))
    assert probe.running == 0  # no thread or task outlives the iteration
    assert probe.started <= 3 + 3  # what was in flight, and at most one replacement each


def test_leaving_early_stops_the_rest(side: Side) -> None:
    """Items 0 and 1 may finish; the rest wait for a gate that never opens (sync threads give up after a while)."""
    opened = {0, 1}
    started: list[int] = []
    completed: list[int] = []

    cancelled: list[int] = []

    async def gated(item: int) -> int:
        started.append(item)
        deadline = time.monotonic() + 0.3
        try:
            while item not in opened and time.monotonic() < deadline:
                await side.pause(0.005)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        if item in opened:
            completed.append(item)
        return item

    results = side.collect(side.backend.map_bounded(gated, range(100), limit=4, ordered=False), stop_after=2)
    assert sorted(results) == [0, 1]
    assert sorted(completed) == [0, 1]
    assert len(started) <= 6  # four at first, one more after each result handed out
    if side.kind == "async":
        assert max(started) <= 5
        assert {2, 3} <= set(cancelled)  # in flight when the iteration was left: cancelled, not waited out
    # Nothing still runs: a later item never completes (async: cancelled; sync: its thread was waited for).
    time.sleep(0.05)
    assert sorted(completed) == [0, 1]


def test_nothing_is_started_before_iteration_and_empty_input_yields_nothing(side: Side) -> None:
    probe = Probe(side, lambda item: 0.0)
    iterator = side.backend.map_bounded(probe, range(5), limit=2, ordered=False)
    assert probe.started == 0
    assert sorted(side.collect(iterator)) == [0, 10, 20, 30, 40]
    assert side.collect(side.backend.map_bounded(probe, [], limit=2, ordered=True)) == []


def test_cpu_bound_work_runs_on_one_shared_pool_of_a_thread_per_core(side: Side) -> None:
    """Many frames in flight, but no more decoding at once than there are cores (and never on the event loop)."""
    lock = threading.Lock()
    running = peak = 0
    names: set[str] = set()

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            names.add(threading.current_thread().name)
        time.sleep(0.01)
        with lock:
            running -= 1
        return item * 2

    async def fetch_then_decode(item: int) -> int:
        return int(await side.backend.run_cpu_bound(work, item))

    results = side.collect(side.backend.map_bounded(fetch_then_decode, range(24), limit=8, ordered=True))
    assert results == [i * 2 for i in range(24)]
    cores = len(os.sched_getaffinity(0))
    assert 1 <= peak <= cores
    assert all(name.startswith("healthimaging-client-cpu") for name in names)
