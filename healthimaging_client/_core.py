"""The engine both clients run on: one send loop, written once as coroutines.

How one call runs::

    AsyncClient.<method>                    hand-written; Client derives its method from it
      -> _operations.<op>(...)              validate the input, build a Call (pure, no I/O)
      -> Core.request(call)                 refuse at once if the client is closed (or on another loop), then
                                            for each attempt (tenacity once one fails; policy: _retry), in its deadline:
             pace (_pacing), credentials and SigV4 (_signing), wait for the pool and send (the backend: the
             only I/O), read the body within its cap (_wire.limits), Call.parse -> the typed output, or the
             typed error; a refusal that earns one gets its fix (fresh credentials, the service's clock)
         Core.download(call, consume)       the same loop, streaming a successful body to ``consume``

``AsyncClient`` awaits the loop on asyncio; ``Client`` runs the same
coroutines to completion with a backend that never suspends (_backends).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs
import httpx

from . import _logging, errors
from ._backends import Backend
from ._clock import Clock
from ._deadlines import CallDeadline, Deadline
from ._endpoints import Endpoint
from ._masking import Masked, masked_body
from ._operations import Call, Page, Paginator
from ._pacing import Pacer
from ._retry import AttemptLog, Recovery, RetryPolicy
from ._signing import Signer
from ._transport import transport_error
from ._version import __version__
from ._wire.bodies import JSON_CONTENT_TYPE
from ._wire.limits import DEFAULT_MAX_RESPONSE_BYTES, BodyBuffer, Cap, body_limit, inflate_document, reading_within

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


@attrs.frozen
class Attempt:
    """One attempt of a call: its number (1-based), when it started (for the log), and its deadline."""

    number: int
    started: float
    deadline: Deadline


#: What the loop does with a response: (response, the attempt) -> the result.
Handler = Callable[[httpx.Response, Attempt], Awaitable[T]]


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
    #: False when the pool was passed in, or for views made by ``with_options``: closing leaves it open.
    owns_http: bool

    # --- integrity: deadlines, the body cap, views (issue 13) ---
    #: Seconds a whole call may take, its retries and the waits between them included (None: no limit).
    total_timeout: float | None = None
    #: The most a response body may decode to (None: no cap); streamed downloads to a file are not capped.
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES
    #: True for views made by ``with_options``: closing one leaves the client open.
    view: bool = False

    # --- the two paths -----------------------------------------------------------------

    async def request(self, call: Call[T]) -> T:
        """Send ``call`` with retries; the typed output of a 2xx response, or the typed error."""

        async def parse(response: httpx.Response, attempt: Attempt) -> T:
            body = await self._body(call, response, attempt)  # masked: patient data, shown by no traceback
            with reading_within(self._cap(call)):  # a raw body is inflated by its reader, within the cap
                self._log(call, response, attempt, body)
                return call.parse(response.status_code, response.headers, body)

        return await self._with_retries(call, parse)

    async def download(
        self, call: Call[Any], consume: Callable[[AsyncIterator[Masked[bytes]]], Awaitable[None]]
    ) -> None:
        """Send ``call`` with retries; a 2xx body streams (as sent, not capped, chunks masked) to ``consume``, an error
        body raises."""

        async def stream(response: httpx.Response, attempt: Attempt) -> None:
            if not response.is_success:
                body = await self._body(call, response, attempt)
                self._log(call, response, attempt, body)
                call.parse(response.status_code, response.headers, body)  # raises the service's error
            await consume(self._chunks(call, response, attempt))
            self._log(call, response, attempt, None)

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
        """Refuse calls from now on, and close the connection pool if this client opened it (a view does nothing)."""
        if not self.view:
            await self.backend.close(close_http=self.owns_http)

    # --- the retry loop ------------------------------------------------------------------

    async def _with_retries(self, call: Call[Any], handle: Handler[T]) -> T:
        self.backend.check_usable()  # a closed client, another event loop: said at once, never retried
        log = AttemptLog(call, credentials_refreshable=self.signer.credentials_refreshable)
        ends = self._call_deadline()
        try:
            return await self._recorded_attempt(call, 1, handle, ends, log)
        except errors.HealthImagingError as exc:
            first = exc
        # Most calls end at their first attempt; tenacity (imported now) decides what follows a failed one, from
        # that failure replayed as its first attempt, exactly as if it had made that attempt itself.
        import tenacity

        policy = self.retry.tenacity_args(log, ends, self.clock.monotonic)
        async for attempt in tenacity.AsyncRetrying(sleep=self.clock.sleep, **policy):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number == 1:
                    raise first
                return await self._recorded_attempt(call, number, handle, ends, log)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _recorded_attempt(
        self, call: Call[Any], number: int, handle: Handler[T], ends: CallDeadline | None, log: AttemptLog
    ) -> T:
        """Attempt ``number``; a failure is logged, recorded in ``log`` and given the fix it earns, then raised."""
        started = time.perf_counter()
        try:
            return await self._attempt(call, number, handle, ends)
        except errors.HealthImagingError as exc:
            # What an error chains is a value-free summary (__cause__); what it happened during (a
            # transport's cancelled read, holding the request) is dropped, here at the one boundary.
            exc.__context__ = None
            _log_failure(call, exc, number, started)
            self._recover(log.failed(exc, number), exc)
            raise

    def _recover(self, recovery: Recovery | None, exc: errors.HealthImagingError) -> None:
        """Make the fix a refusal earned before its one retry."""
        if recovery is Recovery.REFRESH_CREDENTIALS:
            self.signer.forget_credentials()
        elif recovery is Recovery.CORRECT_CLOCK and isinstance(exc, errors.ServiceError) and exc.server_time:
            self.signer.correct_clock(exc.server_time)

    def _call_deadline(self) -> CallDeadline | None:
        if self.total_timeout is None:
            return None
        return CallDeadline(self.clock.monotonic() + self.total_timeout, self.total_timeout)

    def _deadline(self, ends: CallDeadline | None) -> Deadline:
        """This attempt's deadline: its own budget, within what is left of the call's (none left: nothing is sent)."""
        call_left = None if ends is None else ends.left(self.clock.monotonic())
        deadline = Deadline.for_attempt(self.timeout, time.monotonic(), call_left, self.total_timeout)
        if deadline.left(time.monotonic()) <= 0:
            raise deadline.exceeded(request_sent=False)
        return deadline

    # --- one attempt -------------------------------------------------------------------

    async def _attempt(self, call: Call[Any], number: int, handle: Handler[T], ends: CallDeadline | None) -> T:
        if self.pacer is not None and (pause := self.pacer.reserve(call.operation)):
            await self.clock.sleep(pause)
        credentials = await self.backend.credentials(self.signer)
        deadline = self._deadline(ends)
        attempt = Attempt(number, time.perf_counter(), deadline)
        request = self._build_request(call, credentials, deadline)
        async with self.backend.exchange(deadline):  # the fair wait for the pool, then everything within the deadline
            response = await self._send(call, request, deadline)
            try:
                return await handle(response, attempt)
            finally:
                await self.backend.close_response(response)

    def _build_request(
        self, call: Call[Any], credentials: Masked[ReadOnlyCredentials], deadline: Deadline
    ) -> httpx.Request:
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
                "Accept-Encoding": "gzip",  # the one encoding _wire.limits decodes within the cap
            },
            content=call.body or b"",
            timeout=deadline.timeout,
        )

    async def _send(self, call: Call[Any], request: httpx.Request, deadline: Deadline) -> httpx.Response:
        try:
            return await self.backend.send(request)
        except Exception as exc:
            failure = _failure(call, exc, deadline, request.url)
        raise failure  # outside the except block: the transport's exception (it holds the request) is no __context__

    # --- reading the body --------------------------------------------------------------

    def _cap(self, call: Call[Any]) -> Cap:
        return Cap(body_limit(self.max_response_bytes, call.max_body_bytes))

    async def _body(self, call: Call[Any], response: httpx.Response, attempt: Attempt) -> Masked[bytes]:
        """The whole body within its cap (masked: patient data): as sent for a raw call's 2xx (its reader inflates
        it), else decoded."""
        buffer = BodyBuffer(self._cap(call), response.headers, decoded=response.is_stream_consumed)
        async with contextlib.aclosing(self._chunks(call, response, attempt)) as chunks:
            async for chunk in chunks:
                buffer.add(chunk.value)
        return masked_body(buffer.raw() if call.raw_body and response.is_success else buffer.decoded())

    async def _chunks(
        self, call: Call[Any], response: httpx.Response, attempt: Attempt
    ) -> AsyncGenerator[Masked[bytes], None]:
        """The body as sent, chunk by chunk (masked); a failure while reading it is the transport's (a consumer's
        own errors are not)."""
        if response.is_stream_consumed:  # read when it was made (a mock transport's response): decoded already
            yield masked_body(response.content)
            return
        try:
            async for chunk in self.backend.raw_chunks(response, attempt.deadline):
                yield masked_body(chunk)
        except errors.TimeoutError:
            raise  # the attempt's deadline, kept between chunks
        except Exception as exc:
            failure = _failure(call, exc, attempt.deadline, response.request.url)
        else:
            return
        raise failure  # outside the except block, as in _send

    def _log(self, call: Call[Any], response: httpx.Response, attempt: Attempt, body: Masked[bytes] | None) -> None:
        request_id = response.headers.get("x-amzn-requestid")
        elapsed = time.perf_counter() - attempt.started
        _logging.log_response(call.operation, response.status_code, request_id, attempt.number, elapsed)
        if self.log_bodies and body is not None:
            shown = body.value
            if call.raw_body and response.is_success:  # a raw metadata body is gzip: log the JSON it holds
                with contextlib.suppress(Exception):  # one that cannot be read is logged as sent; parsing says why
                    shown = inflate_document(body.value)
            _logging.log_bodies(call.operation, call.body, shown)


def _failure(call: Call[Any], exc: Exception, deadline: Deadline, url: httpx.URL) -> errors.HealthImagingError:
    """The SDK error for what sending or reading raised; a transport timeout cut to the deadline names the deadline.

    Either way its ``__cause__`` is a value-free summary of ``exc`` (``transport_error``), never ``exc``.
    """
    failure = transport_error(call.operation, exc, url)
    if isinstance(failure, errors.TimeoutError) and deadline.left(time.monotonic()) <= 0:
        exceeded = deadline.exceeded(request_sent=failure.request_sent)
        exceeded.__cause__ = failure.__cause__
        return exceeded
    return failure


def _log_failure(call: Call[Any], exc: errors.HealthImagingError, attempt: int, started: float) -> None:
    """Log an attempt that no response ended: what the transport raised, or the deadline that passed."""
    if isinstance(exc, errors.TransportError):
        cause = exc.__cause__
        # The transport's own exception is not chained: its summary names its type.
        name = cause.type_names[0].rsplit(".", 1)[-1] if isinstance(cause, errors.CauseSummary) else type(exc).__name__
        _logging.log_transport_failure(call.operation, name, attempt, time.perf_counter() - started)
