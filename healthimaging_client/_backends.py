"""The only code that differs between the clients: how a request is sent and blocking work is run.

Everything above this module is written once, as coroutines. ``AsyncClient``
awaits them on asyncio with :class:`AsyncioBackend`. ``Client`` runs the same
coroutines to completion without an event loop (:func:`run_to_completion`),
which works because :class:`BlockingBackend`'s coroutines do their I/O in
place and never suspend.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

import httpx

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from botocore.credentials import ReadOnlyCredentials

    from ._signing import Signer

P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
X = TypeVar("X")
R = TypeVar("R")


class Backend(Protocol):
    """Send, read and close on one side's HTTP client; run blocking work where that side may."""

    http: httpx.Client | httpx.AsyncClient

    async def send(self, request: httpx.Request) -> httpx.Response: ...
    def raw_chunks(self, response: httpx.Response) -> AsyncIterator[bytes]: ...
    async def read(self, response: httpx.Response) -> bytes: ...
    async def close_response(self, response: httpx.Response) -> None: ...
    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
    async def credentials(self, signer: Signer) -> ReadOnlyCredentials: ...
    async def close(self) -> None: ...
    def map_bounded(
        self, fn: Callable[[X], Awaitable[R]], items: Iterable[X], *, limit: int, ordered: bool
    ) -> AsyncGenerator[R]: ...
    async def run_cpu_bound(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


class BlockingBackend:
    """``Client``'s side: httpx's sync client, called in place."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    async def send(self, request: httpx.Request) -> httpx.Response:
        return self.http.send(request, stream=True)

    async def raw_chunks(self, response: httpx.Response) -> AsyncIterator[bytes]:
        for chunk in response.iter_raw():
            yield chunk

    async def read(self, response: httpx.Response) -> bytes:
        return response.read()

    async def close_response(self, response: httpx.Response) -> None:
        response.close()

    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return fn(*args, **kwargs)

    async def credentials(self, signer: Signer) -> ReadOnlyCredentials:
        return signer.credentials()  # botocore's refreshable credentials hold their own lock

    async def close(self) -> None:
        self.http.close()

    def map_bounded(
        self, fn: Callable[[X], Awaitable[R]], items: Iterable[X], *, limit: int, ordered: bool
    ) -> AsyncGenerator[R]:
        """``fn`` of each item, ``limit`` at a time on worker threads (each runs its coroutine to completion).

        Results come in completion order, or in the items' order with ``ordered``;
        the first failure ends the iteration. Leaving it (or a failure) cancels
        what has not started and waits for what has, so no thread outlives it.
        """
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        pool = ThreadPoolExecutor(limit, thread_name_prefix="healthimaging-client")

        async def first_done(running: list[Any]) -> Collection[object]:
            return wait(running, return_when=FIRST_COMPLETED).done

        async def stop(running: Iterable[Any]) -> None:
            for future in running:
                future.cancel()
            pool.shutdown(wait=True)

        return _window(lambda item: pool.submit(_run, fn, item), first_done, stop, items, limit, ordered)

    async def run_cpu_bound(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` on the process's CPU pool (:func:`cpu_pool`); the calling thread waits for it."""
        return cpu_pool().submit(fn, *args, **kwargs).result()


class AsyncioBackend:
    """``AsyncClient``'s side: httpx's async client, and a worker thread for anything that blocks."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self._credentials_lock: asyncio.Lock | None = None

    async def send(self, request: httpx.Request) -> httpx.Response:
        return await self.http.send(request, stream=True)

    def raw_chunks(self, response: httpx.Response) -> AsyncIterator[bytes]:
        return response.aiter_raw()

    async def read(self, response: httpx.Response) -> bytes:
        return await response.aread()

    async def close_response(self, response: httpx.Response) -> None:
        await response.aclose()

    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        import asyncio  # here, not at module level: a sync-only program never loads asyncio

        return await asyncio.to_thread(fn, *args, **kwargs)

    async def credentials(self, signer: Signer) -> ReadOnlyCredentials:
        """Current credentials; resolving or refreshing them (files, network) runs in a worker thread, one at a time."""
        if not signer.needs_io():
            return signer.credentials()
        import asyncio

        if self._credentials_lock is None:
            self._credentials_lock = asyncio.Lock()
        async with self._credentials_lock:
            return await asyncio.to_thread(signer.credentials)

    async def close(self) -> None:
        await self.http.aclose()

    def map_bounded(
        self, fn: Callable[[X], Awaitable[R]], items: Iterable[X], *, limit: int, ordered: bool
    ) -> AsyncGenerator[R]:
        """``fn`` of each item, ``limit`` at a time as tasks; results as :meth:`BlockingBackend.map_bounded` says."""
        import asyncio

        async def first_done(running: list[Any]) -> Collection[object]:
            return (await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED))[0]

        async def stop(running: Iterable[Any]) -> None:
            tasks = list(running)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        return _window(lambda item: asyncio.ensure_future(fn(item)), first_done, stop, items, limit, ordered)

    async def run_cpu_bound(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` on the process's CPU pool (:func:`cpu_pool`), off the event loop."""
        import asyncio
        import functools

        return await asyncio.get_running_loop().run_in_executor(cpu_pool(), functools.partial(fn, *args, **kwargs))


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


class _Pending(Protocol[T_co]):
    """A started piece of work: a thread pool's future, or an asyncio task."""

    def result(self) -> T_co: ...
    def cancel(self) -> bool: ...


async def _window(
    start: Callable[[X], _Pending[R]],
    first_done: Callable[[list[Any]], Awaitable[Collection[object]]],
    stop: Callable[[Iterable[_Pending[R]]], Awaitable[None]],
    items: Iterable[X],
    limit: int,
    ordered: bool,
) -> AsyncGenerator[R]:
    """The bounded map both backends run, over their own way of starting work and waiting for it.

    At most ``limit`` items are in flight. With ``ordered`` the next result
    handed out is always the oldest item's, so at most ``limit`` results wait.
    """
    pending = iter(items)
    running: deque[_Pending[R]] = deque()

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


def _run(fn: Callable[[X], Awaitable[R]], item: X) -> R:
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
