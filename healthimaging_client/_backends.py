"""The only code that differs between the clients: how a request is sent and blocking work is run.

Everything above this module is written once, as coroutines. ``AsyncClient``
awaits them on asyncio with :class:`AsyncioBackend`. ``Client`` runs the same
coroutines to completion without an event loop (:func:`run_to_completion`),
which works because :class:`BlockingBackend`'s coroutines do their I/O in
place and never suspend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

import httpx

if TYPE_CHECKING:
    import asyncio

    from botocore.credentials import ReadOnlyCredentials

    from ._masking import Masked
    from ._signing import Signer

P = ParamSpec("P")
T = TypeVar("T")


class Backend(Protocol):
    """Send, read and close on one side's HTTP client; run blocking work where that side may."""

    http: httpx.Client | httpx.AsyncClient

    async def send(self, request: httpx.Request) -> httpx.Response: ...
    def raw_chunks(self, response: httpx.Response) -> AsyncIterator[bytes]: ...
    async def read(self, response: httpx.Response) -> bytes: ...
    async def close_response(self, response: httpx.Response) -> None: ...
    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...
    async def credentials(self, signer: Signer) -> Masked[ReadOnlyCredentials]: ...
    async def close(self) -> None: ...


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

    async def credentials(self, signer: Signer) -> Masked[ReadOnlyCredentials]:
        return signer.credentials()  # botocore's refreshable credentials hold their own lock

    async def close(self) -> None:
        self.http.close()


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

    async def credentials(self, signer: Signer) -> Masked[ReadOnlyCredentials]:
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
