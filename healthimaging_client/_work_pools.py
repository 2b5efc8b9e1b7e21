"""Where work runs besides the request: the process's CPU pool, the bounded map both backends share, and
running a coroutine that never suspends to completion (how ``Client`` runs ``AsyncClient``'s methods)."""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
X = TypeVar("X")
R = TypeVar("R")


_cpu_pool: ThreadPoolExecutor | None = None
_cpu_pool_lock = threading.Lock()


def cpu_pool() -> ThreadPoolExecutor:
    """One pool of as many threads as the process may use cores, for CPU-bound work that releases the GIL (decoding).

    Shared by every client in the process: frames fetched on many connections
    are decoded no more at once than there are cores to run them, so threads
    do not contend for cores, and the decoders' working memory stays in a
    few threads (glibc keeps freed memory per thread arena).
    """
    global _cpu_pool
    with _cpu_pool_lock:
        if _cpu_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            _cpu_pool = ThreadPoolExecutor(max(1, cores or 1), thread_name_prefix="healthimaging-client-cpu")
        return _cpu_pool


class Pending(Protocol[T_co]):
    """A started piece of work: a thread pool's future, or an asyncio task."""

    def result(self) -> T_co: ...
    def cancel(self) -> bool: ...


async def bounded_window(
    start: Callable[[X], Pending[R]],
    first_done: Callable[[list[Any]], Awaitable[Collection[object]]],
    stop: Callable[[Iterable[Pending[R]]], Awaitable[None]],
    items: Iterable[X],
    limit: int,
    ordered: bool,
) -> AsyncGenerator[R]:
    """The bounded map both backends run, over their own way of starting work and waiting for it.

    At most ``limit`` items are in flight. With ``ordered`` the next result
    handed out is always the oldest item's, so at most ``limit`` results wait.
    """
    pending = iter(items)
    running: deque[Pending[R]] = deque()

    def start_next() -> None:
        for item in pending:
            running.append(start(item))
            return

    try:
        for _ in range(limit):
            start_next()
        while running:
            done = await first_done([running[0]] if ordered else list(running))
            for finished in [work for work in running if work in done]:
                running.remove(finished)
                result = finished.result()  # the first failure ends the map
                start_next()
                yield result
    finally:
        await stop(running)


def run_in_worker(fn: Callable[[X], Awaitable[R]], item: X) -> R:
    """In a worker thread: ``fn(item)`` run to completion on the blocking backend."""
    return run_to_completion(fn(item))


def run_to_completion(awaitable: Awaitable[T]) -> T:
    """Run an awaitable that never suspends (one driven by :class:`BlockingBackend`) and return its result."""
    steps = awaitable.__await__()
    try:
        suspended_on = steps.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    steps.close()
    raise RuntimeError(f"a blocking call suspended on {suspended_on!r}: it awaited something other than its backend")
