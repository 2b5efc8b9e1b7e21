"""The only code that differs between the clients: how a request is sent, bounded in time, and blocking work is run.

Everything above this module is written once, as coroutines. ``AsyncClient``
awaits them on asyncio with :class:`AsyncioBackend`. ``Client`` runs the same
coroutines to completion without an event loop (:func:`run_to_completion`),
which works because :class:`BlockingBackend`'s coroutines do their I/O in
place and never suspend.

Both keep an attempt's deadline (``_deadlines``) whatever the transport does,
each in its own way: ``AsyncioBackend`` with ``asyncio.timeout`` around the
whole exchange, reading the body included, after queueing callers first come,
first served for the pool; ``BlockingBackend`` with the transport's timeouts
capped at the time left and a check between the chunks of the body.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

import httpx

from . import errors
from ._pool_queue import Exchange, FifoGate
from ._transport import DEFAULT_LIMITS
from ._work_pools import bounded_window, cpu_pool, run_in_worker

if TYPE_CHECKING:
    import asyncio
    from contextlib import AbstractAsyncContextManager

    from botocore.credentials import ReadOnlyCredentials

    from ._deadlines import Deadline
    from ._masking import Masked
    from ._signing import Signer

P = ParamSpec("P")
T = TypeVar("T")
X = TypeVar("X")
R = TypeVar("R")

#: Connections in the pool when ``limits`` does not say: httpx's default, and aiohttp's.
DEFAULT_POOL_SIZE = DEFAULT_LIMITS.max_connections or 100


class Backend(Protocol):
    """Send, read and close on one side's HTTP client; run blocking work where that side may."""

    http: httpx.Client | httpx.AsyncClient

    def check_usable(self) -> None: ...
    def exchange(self, deadline: Deadline) -> AbstractAsyncContextManager[None]: ...
    async def send(self, request: httpx.Request) -> httpx.Response: ...
    def raw_chunks(self, response: httpx.Response, deadline: Deadline) -> AsyncIterator[bytes]: ...
    async def close_response(self, response: httpx.Response) -> None: ...
    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
    async def credentials(self, signer: Signer) -> Masked[ReadOnlyCredentials]: ...
    async def close(self, *, close_http: bool) -> None: ...
    def map_bounded(
        self, fn: Callable[[X], Awaitable[R]], items: Iterable[X], *, limit: int, ordered: bool
    ) -> AsyncGenerator[R]: ...
    async def run_cpu_bound(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


class _Lifecycle:
    """Whether a client may still send: both backends refuse at once, and for good, once closed."""

    closed = False

    def _check_open(self, http: httpx.Client | httpx.AsyncClient) -> None:
        if self.closed:
            raise errors.ClientClosedError("the client is closed: nothing was sent (make a new client)")
        if http.is_closed:
            raise errors.ClientClosedError("the httpx client this client sends with is closed: nothing was sent")


class _Unbounded:
    """``BlockingBackend``'s exchange: nothing to wrap, since its reads keep the deadline themselves."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc_info: object) -> None:
        return None


_UNBOUNDED = _Unbounded()


class BlockingBackend(_Lifecycle):
    """``Client``'s side: httpx's sync client, called in place."""

    def __init__(self, http: httpx.Client, limits: httpx.Limits | None = None) -> None:
        self.http = http

    def check_usable(self) -> None:
        self._check_open(self.http)

    def exchange(self, deadline: Deadline) -> AbstractAsyncContextManager[None]:
        return _UNBOUNDED

    async def send(self, request: httpx.Request) -> httpx.Response:
        return self.http.send(request, stream=True)

    async def raw_chunks(self, response: httpx.Response, deadline: Deadline) -> AsyncIterator[bytes]:
        for chunk in response.iter_raw():
            if time.monotonic() > deadline.at:  # each read is bounded too: by the time left when it was sent
                raise deadline.exceeded()
            yield chunk

    async def close_response(self, response: httpx.Response) -> None:
        response.close()

    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return fn(*args, **kwargs)

    async def credentials(self, signer: Signer) -> Masked[ReadOnlyCredentials]:
        return signer.credentials()  # botocore's refreshable credentials hold their own lock

    async def close(self, *, close_http: bool) -> None:
        self.closed = True
        if close_http:
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

        return bounded_window(
            lambda item: pool.submit(run_in_worker, fn, item), first_done, stop, items, limit, ordered
        )

    async def run_cpu_bound(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` on the process's CPU pool (:func:`cpu_pool`); the calling thread waits for it."""
        return cpu_pool().submit(fn, *args, **kwargs).result()


class AsyncioBackend(_Lifecycle):
    """``AsyncClient``'s side: httpx's async client, a fair queue for its pool, and a worker thread for blocking work.

    It belongs to the event loop it first runs on (its connections do); another
    loop is told so at once.
    """

    def __init__(self, http: httpx.AsyncClient, limits: httpx.Limits | None = None) -> None:
        self.http = http
        # Unset, the pool holds 100 connections: httpx's default, and aiohttp's (httpx-aiohttp passes no limit then).
        given = limits.max_connections if limits is not None else None
        self._gate = FifoGate(given if given is not None else DEFAULT_POOL_SIZE)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._credentials_lock: asyncio.Lock | None = None

    def check_usable(self) -> None:
        self._check_open(self.http)
        self._check_loop()

    def exchange(self, deadline: Deadline) -> AbstractAsyncContextManager[None]:
        return Exchange(self._gate, deadline)

    async def send(self, request: httpx.Request) -> httpx.Response:
        return await self.http.send(request, stream=True)

    def raw_chunks(self, response: httpx.Response, deadline: Deadline) -> AsyncIterator[bytes]:
        return response.aiter_raw()  # the exchange's timeout bounds the reads

    async def close_response(self, response: httpx.Response) -> None:
        await response.aclose()

    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        import asyncio  # here, not at module level: a sync-only program never loads asyncio

        return await asyncio.to_thread(fn, *args, **kwargs)

    async def credentials(self, signer: Signer) -> Masked[ReadOnlyCredentials]:
        """Current credentials; resolving or refreshing them (files, network) runs in a worker thread, one at a time."""
        if not signer.needs_io():
            return signer.credentials()
        import asyncio

        if self._credentials_lock is None:
            self._credentials_lock = asyncio.Lock()
        async with self._credentials_lock:
            return await asyncio.to_thread(signer.credentials)

    async def close(self, *, close_http: bool) -> None:
        """Close on the loop the client ran on; once that loop has ended, on any (releasing what still can be)."""
        if self.closed:
            return
        home_ended = self._loop is not None and self._loop.is_closed()
        if not home_ended:
            self._check_loop()
        self.closed = True
        if close_http:
            try:
                await self.http.aclose()
            except RuntimeError:
                if not home_ended:
                    raise  # only a connection of the ended loop may fail to close ("Event loop is closed")

    def _check_loop(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            which = "which has closed" if self._loop.is_closed() else "not the running one"
            raise errors.WrongEventLoopError(
                f"this AsyncClient and its connections belong to the event loop it first ran on, {which}: nothing"
                " was sent (make one AsyncClient per event loop, and close it before its loop ends)"
            )

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

        return bounded_window(lambda item: asyncio.ensure_future(fn(item)), first_done, stop, items, limit, ordered)

    async def run_cpu_bound(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` on the process's CPU pool (:func:`cpu_pool`), off the event loop."""
        import asyncio
        import functools

        return await asyncio.get_running_loop().run_in_executor(cpu_pool(), functools.partial(fn, *args, **kwargs))
