"""The engine both clients run on: one send loop, written once as coroutines.

How one call runs::

    AsyncClient.<method>                    hand-written; Client derives its method from it
      -> _operations.<op>(...)              validate the input, build a Call (pure, no I/O)
      -> Core.request(call)                 for each attempt (tenacity; policy in _retry):
             pace (_pacing), credentials and SigV4 (_signing), send (the backend: the only I/O),
             read the body, Call.parse -> the typed output, or the typed error
         Core.download(call, consume)       the same loop, streaming a successful body to ``consume``

``AsyncClient`` awaits the loop on asyncio; ``Client`` runs the same
coroutines to completion with a backend that never suspends (_backends).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs
import httpx
import tenacity

from . import _logging, errors
from ._backends import Backend
from ._clock import Clock
from ._endpoints import Endpoint
from ._masking import Masked, masked_body
from ._operations import Call, Page, Paginator
from ._pacing import Pacer
from ._retry import AttemptLog, RetryPolicy
from ._signing import Signer
from ._transport import transport_error
from ._version import __version__
from ._wire.bodies import JSON_CONTENT_TYPE

if TYPE_CHECKING:
    from botocore.credentials import ReadOnlyCredentials

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Item = TypeVar("Item")
Output = TypeVar("Output")

USER_AGENT = f"healthimaging-client/{__version__}"


class Waiter(Protocol[T_co]):
    """A pure waiting state machine (``_waiter``): which call to make, what each answer means, how long to sleep."""

    def next_call(self) -> Call[Any]: ...
    def accept(self, output: Any) -> T_co | None: ...
    def throttled(self, exc: errors.ThrottlingException) -> None: ...
    def delay(self) -> float: ...


#: What the loop does with a response: (response, attempt number, start time) -> the result.
Handler = Callable[[httpx.Response, int, float], Awaitable[T]]


@attrs.frozen
class Core:
    """A client's settings and its send loop. Immutable: ``with_options`` makes another over the same pool."""

    region_name: str
    endpoint: Endpoint
    signer: Signer
    backend: Backend
    clock: Clock
    retry: RetryPolicy
    pacer: Pacer | None
    timeout: httpx.Timeout
    log_bodies: bool
    #: False for views made by ``with_options``: closing them leaves the pool open.
    owns_http: bool

    # --- the two paths -----------------------------------------------------------------

    async def request(self, call: Call[T]) -> T:
        """Send ``call`` with retries; the typed output of a 2xx response, or the typed error."""

        async def parse(response: httpx.Response, attempt: int, started: float) -> T:
            body = await self._body(call, response, attempt, started)
            self._log(call, response, attempt, started, body)
            return call.parse(response.status_code, response.headers, body)

        return await self._with_retries(call, parse)

    async def download(
        self, call: Call[Any], consume: Callable[[AsyncIterator[Masked[bytes]]], Awaitable[None]]
    ) -> None:
        """Send ``call`` with retries; a 2xx body streams (as sent) to ``consume``, an error body raises."""

        async def stream(response: httpx.Response, attempt: int, started: float) -> None:
            if not response.is_success:
                body = await self._body(call, response, attempt, started)
                self._log(call, response, attempt, started, body)
                call.parse(response.status_code, response.headers, body)  # raises the service's error
            await consume(self._chunks(call, response, attempt, started))
            self._log(call, response, attempt, started, None)

        await self._with_retries(call, stream)

    # --- composed of requests ----------------------------------------------------------

    async def pages(self, paginator: Paginator[Item, Output]) -> AsyncIterator[Page[Item, Output]]:
        """Every page a paginator asks for, one request each."""
        while (call := paginator.next_call()) is not None:
            yield paginator.accept(await self.request(call))

    async def wait(self, waiter: Waiter[T]) -> T:
        """Poll as ``waiter`` says until it has an answer (it raises on failure or timeout)."""
        while True:
            try:
                done = waiter.accept(await self.request(waiter.next_call()))
            except errors.ThrottlingException as exc:
                waiter.throttled(exc)
                done = None
            if done is not None:
                return done
            await self.clock.sleep(waiter.delay())

    async def close(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self.owns_http:
            await self.backend.close()

    # --- one attempt -------------------------------------------------------------------

    async def _with_retries(self, call: Call[Any], handle: Handler[T]) -> T:
        log = AttemptLog(call)
        retrying = tenacity.AsyncRetrying(sleep=self.clock.sleep, **self.retry.tenacity_args(call.operation))
        async for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                try:
                    return await self._attempt(call, number, handle)
                except errors.HealthImagingError as exc:
                    log.failed(exc, number)
                    raise
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _attempt(self, call: Call[Any], number: int, handle: Handler[T]) -> T:
        if self.pacer is not None and (pause := self.pacer.reserve(call.operation)):
            await self.clock.sleep(pause)
        request = self._build_request(call, await self.backend.credentials(self.signer))
        started = time.perf_counter()
        try:
            response = await self.backend.send(request)
        except Exception as exc:
            failure = self._transport_failure(call, request.url, exc, number, started)
        else:
            try:
                return await handle(response, number, started)
            finally:
                await self.backend.close_response(response)
        raise failure  # outside the except block: the transport's exception is not its __context__

    def _build_request(self, call: Call[Any], credentials: Masked[ReadOnlyCredentials]) -> httpx.Request:
        url = self.endpoint.url(call.host_prefix) + call.path
        if call.query:
            url += "?" + call.query
        unsigned = {"Content-Type": JSON_CONTENT_TYPE} if call.body is not None else {}
        # The signed headers (token, signature) go straight into the request, never into a local of this frame.
        return self.backend.http.build_request(
            call.method,
            url,
            headers={
                **unsigned,
                **self.signer.sign(call.method, url, unsigned, call.body, credentials).value,
                "User-Agent": USER_AGENT,
            },
            content=call.body or b"",
            timeout=self.timeout,
        )

    # --- reading the body --------------------------------------------------------------

    async def _body(self, call: Call[Any], response: httpx.Response, attempt: int, started: float) -> Masked[bytes]:
        """The whole body (masked: patient data): as sent when the call reads it raw (a 2xx metadata document),
        else decoded."""
        if call.raw_body and response.is_success:
            return masked_body(b"".join([c.value async for c in self._chunks(call, response, attempt, started)]))
        try:
            return masked_body(await self.backend.read(response))  # decoding (gzip) can fail too
        except Exception as exc:
            failure = self._transport_failure(call, response.request.url, exc, attempt, started)
        raise failure

    async def _chunks(
        self, call: Call[Any], response: httpx.Response, attempt: int, started: float
    ) -> AsyncIterator[Masked[bytes]]:
        """The body as sent, chunk by chunk (masked: patient data); a failure while reading it is the transport's
        (a consumer's own errors are not)."""
        try:
            async for chunk in self.backend.raw_chunks(response):
                yield masked_body(chunk)
        except Exception as exc:
            failure = self._transport_failure(call, response.request.url, exc, attempt, started)
        else:
            return
        raise failure

    def _transport_failure(
        self, call: Call[Any], url: httpx.URL, exc: Exception, attempt: int, started: float
    ) -> errors.HealthImagingError:
        _logging.log_transport_failure(call.operation, exc, attempt, time.perf_counter() - started)
        return transport_error(call.operation, exc, url)

    def _log(
        self, call: Call[Any], response: httpx.Response, attempt: int, started: float, body: Masked[bytes] | None
    ) -> None:
        request_id = response.headers.get("x-amzn-requestid")
        elapsed = time.perf_counter() - started
        _logging.log_response(call.operation, response.status_code, request_id, attempt, elapsed)
        if self.log_bodies and body is not None:
            _logging.log_bodies(call.operation, call.body, body.value, gzipped=call.raw_body and response.is_success)
