"""``Client`` and ``AsyncClient``: a short send loop each over shared, pure logic.

How one call runs::

    method -> _operations.<op>(...)      validate the input, build a Call (no I/O)
           -> for each attempt (tenacity, policy in _retry):
                  sign the request afresh (_signing), send it (the only I/O),
                  Call.parse(status, headers, body) -> output or typed error
                  (a download streams a successful body to a consumer instead)

Everything but "send" and "sleep" lives in :class:`_BaseClient` and the
modules it calls, so the two clients cannot drift apart.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import os
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx
import tenacity

from . import _logging, errors
from . import _operations as ops
from . import models as m
from ._download import MetadataFile
from ._endpoints import configured_endpoint, resolve_endpoint
from ._pacing import Pacer, RateLimit
from ._pagination import Page, Paginator
from ._retry import RetryConfig, RetryPolicy
from ._signing import Signer, new_session
from ._validation import positive_int
from ._version import __version__
from ._waiter import ImageSetWaiter
from .metadata import ImageSetMetadata

if TYPE_CHECKING:
    import asyncio

    import botocore.session
    from botocore.credentials import ReadOnlyCredentials


T = TypeVar("T")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_WAIT_TIMEOUT = 600.0
DEFAULT_POLL_INTERVAL = 5.0
USER_AGENT = f"healthimaging-client/{__version__}"


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()

SearchPage = Page[m.ImageSetsMetadataSummary, m.SearchImageSetsOutput]
VersionsPage = Page[m.ImageSetProperties, m.ListImageSetVersionsOutput]


def _transport_error(call: ops.Call[Any], exc: Exception, attempt: int, started: float) -> errors.HealthImagingError:
    """The SDK error for whatever sending raised (logged here); the caller chains the original.

    This is the one boundary where transport failures become typed errors:
    httpx's own, and those httpx-aiohttp lets through unmapped (a malformed
    status line or header raises ``aiohttp.ClientResponseError``).
    """
    _logging.log_transport_failure(call.operation, exc, attempt, time.perf_counter() - started)
    name = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        if _timed_out(exc):
            return errors.TimeoutError(f"timed out ({name})", operation=call.operation)
        name = type(exc.__cause__).__name__
    elif isinstance(exc, httpx.ConnectError):
        return errors.ConnectError(f"could not connect ({name})", operation=call.operation)
    elif isinstance(exc, httpx.DecodingError):
        return errors.InvalidResponseError("the response body could not be decoded", operation=call.operation)
    return errors.TransportError(f"the exchange failed ({name})", operation=call.operation)


def _timed_out(exc: httpx.TimeoutException) -> bool:
    """Whether a timeout really was one: httpx-aiohttp reports every aiohttp connection
    failure (a reset, a server hanging up) as ``ConnectTimeout``; of those, only aiohttp's own timeouts count."""
    cause = exc.__cause__
    return not type(cause).__module__.startswith("aiohttp.") or isinstance(cause, builtins.TimeoutError)


def _environment_proxies() -> bool:
    import urllib.request

    return any(scheme in ("http", "https", "all") for scheme in urllib.request.getproxies())


class _BaseClient(Generic[HttpT]):
    """Configuration, signing, request building and response handling shared by both clients."""

    _http: HttpT
    #: The clock of waits (tests give a fake one to an instance).
    _clock: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(
        self,
        *,
        region_name: str | None = None,
        profile_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        botocore_session: botocore.session.Session | None = None,
        endpoint_url: str | None = None,
        use_fips_endpoint: bool = False,
        use_dualstack_endpoint: bool = False,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        retry: RetryConfig | None = None,
        rate_limits: Mapping[str, RateLimit] | None = None,
        limits: httpx.Limits | None = None,
        http_client: HttpT | None = None,
        log_bodies: bool = False,
    ) -> None:
        """``log_bodies=True`` logs request and response bodies, which are patient data (see ``_logging``)."""
        from botocore.credentials import Credentials

        if botocore_session is not None and profile_name is not None:
            raise errors.ParamValidationError(["profile_name: pass it or botocore_session, not both"])
        # botocore.session is slow to import: only made when the region or the credentials must come from it.
        session = botocore_session
        if not region_name or aws_access_key_id is None:
            session = session or new_session(profile_name)
        # boto3's chain (AWS_DEFAULT_REGION, then the profile), then AWS_REGION as the other AWS SDKs read it.
        region = region_name or (session and session.get_config_variable("region")) or os.environ.get("AWS_REGION")
        if not region:
            raise errors.ParamValidationError(
                ["region_name: none given or configured (pass region_name, set AWS_DEFAULT_REGION, or use a profile)"]
            )
        explicit = None
        if (aws_access_key_id is None) != (aws_secret_access_key is None):
            raise errors.ParamValidationError(
                ["aws_access_key_id: pass aws_access_key_id and aws_secret_access_key together"]
            )
        if aws_access_key_id is not None and aws_secret_access_key is not None:
            explicit = Credentials(aws_access_key_id, aws_secret_access_key, aws_session_token)
        if endpoint_url is None and not (use_fips_endpoint or use_dualstack_endpoint):
            endpoint_url = configured_endpoint()
        self.region_name: str = region
        self.endpoint_url: str = resolve_endpoint(
            region,
            endpoint_url=endpoint_url,
            use_fips_endpoint=use_fips_endpoint,
            use_dualstack_endpoint=use_dualstack_endpoint,
        )
        self._signer = Signer(session, region, explicit, profile_name=profile_name)
        self._retry = RetryPolicy(retry or RetryConfig())
        self._pacer = Pacer(rate_limits) if rate_limits else None
        if timeout is NOT_GIVEN:
            timeout = http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
        self._timeout = httpx.Timeout(timeout)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else self._default_http(limits)
        self._log_bodies = log_bodies
        if log_bodies:
            _logging.warn_body_logging()

    def _default_http(self, limits: httpx.Limits | None) -> HttpT:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region_name={self.region_name!r}, endpoint_url={self.endpoint_url!r})"

    def with_options(
        self,
        *,
        retry: RetryConfig | None = None,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
    ) -> Self:
        """A view of this client with other retry or timeout settings, sharing its connection pool.

        The view does not own the pool: close the original client, not the view.
        """
        view = copy.copy(self)
        view._owns_http = False
        if retry is not None:
            view._retry = self._retry.with_config(retry)
        if timeout is not NOT_GIVEN:
            view._timeout = httpx.Timeout(timeout)
        return view

    # --- one attempt, minus the I/O ------------------------------------------

    def _pacing_delay(self, call: ops.Call[Any]) -> float:
        """Seconds to wait before this attempt so that the operation keeps to its rate limit (0 if none)."""
        return self._pacer.reserve(call.operation) if self._pacer is not None else 0.0

    def _build_request(self, call: ops.Call[Any], credentials: ReadOnlyCredentials) -> httpx.Request:
        url = self.endpoint_url + call.path
        if call.query:
            url += "?" + call.query
        headers: dict[str, str] = {}
        if call.body is not None:
            headers["Content-Type"] = ops.JSON_CONTENT_TYPE
        headers.update(self._signer.sign(url, headers, call.body, credentials))
        headers["User-Agent"] = USER_AGENT
        return self._http.build_request("POST", url, headers=headers, content=call.body or b"", timeout=self._timeout)

    def _log_response(self, call: ops.Call[Any], response: httpx.Response, attempt: int, started: float) -> None:
        request_id = response.headers.get("x-amzn-requestid")
        _logging.log_response(call.operation, response.status_code, request_id, attempt, time.perf_counter() - started)

    def _finish(self, call: ops.Call[T], response: httpx.Response, content: bytes, attempt: int, started: float) -> T:
        self._log_response(call, response, attempt, started)
        if self._log_bodies:
            # A raw metadata body is gzip: log the JSON it holds.
            shown = ops.decompress_metadata(content) if self._reads_raw(call, response) else content
            _logging.log_bodies(call.operation, call.body, shown)
        return call.parse(response.status_code, response.headers, content)

    @staticmethod
    def _streams_to(response: httpx.Response, consume: object) -> bool:
        """Whether this response's body goes to ``consume`` as a stream (only a successful one does)."""
        return consume is not None and response.is_success

    @staticmethod
    def _reads_raw(call: ops.Call[Any], response: httpx.Response) -> bool:
        """Whether to read the body without undoing its Content-Encoding (error bodies are always decoded)."""
        return call.raw_body and response.is_success

    def _waiter(
        self,
        datastore_id: str,
        image_set_id: str,
        version_id: int | str | None,
        timeout: float,
        poll_interval: float,
    ) -> ImageSetWaiter:
        return ImageSetWaiter(
            datastore_id,
            image_set_id,
            version_id=version_id,
            timeout=timeout,
            poll_interval=poll_interval,
            clock=self._clock,
        )

    # --- paginators: state shared by both clients ------------------------------

    def _search_paginator(
        self,
        datastore_id: str,
        filters: Sequence[m.SearchFilter] | None,
        sort: m.Sort | None,
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> Paginator[m.ImageSetsMetadataSummary, m.SearchImageSetsOutput]:
        return Paginator(
            lambda token, size: ops.search_image_sets(
                datastore_id, filters=filters, sort=sort, max_results=size, next_token=token
            ),
            lambda out: out.image_sets_metadata_summaries,
            lambda out: out.next_token,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )

    def _versions_paginator(
        self,
        datastore_id: str,
        image_set_id: str,
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> Paginator[m.ImageSetProperties, m.ListImageSetVersionsOutput]:
        return Paginator(
            lambda token, size: ops.list_image_set_versions(
                datastore_id, image_set_id, max_results=size, next_token=token
            ),
            lambda out: out.image_set_properties_list,
            lambda out: out.next_token,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )


class Client(_BaseClient[httpx.Client]):
    """The synchronous HealthImaging client.

    Region and credentials resolve through botocore's standard chain unless
    given. Pass ``http_client`` to bring your own ``httpx.Client`` (proxies,
    HTTP/2, a custom transport); a client you pass is never closed here.
    ``retry`` says how failures are retried (:class:`RetryConfig`);
    ``rate_limits`` paces operations client-side (:class:`RateLimit`; off by default).
    """

    def _default_http(self, limits: httpx.Limits | None) -> httpx.Client:
        return httpx.Client(timeout=self._timeout, limits=limits or httpx.Limits())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._owns_http:
            self._http.close()

    def _send(self, call: ops.Call[T]) -> T:
        return self._exchange(call, None)  # type: ignore[no-any-return]

    @staticmethod
    def _raw_chunks(call: ops.Call[Any], response: httpx.Response, attempt: int, started: float) -> Iterator[bytes]:
        """The body as sent; a failure while reading it is the transport's (a consumer's own errors are not)."""
        try:
            yield from response.iter_raw()
        except Exception as exc:
            raise _transport_error(call, exc, attempt, started) from exc

    def _exchange(self, call: ops.Call[Any], consume: Callable[[Iterator[bytes]], Any] | None) -> Any:
        """Send with retries; a successful body streams (raw) to ``consume`` if given, else ``call`` parses it."""
        for attempt in tenacity.Retrying(sleep=self._retry.sleep, **self._retry.tenacity_args(call)):
            with attempt:
                if pause := self._pacing_delay(call):
                    self._retry.sleep(pause)
                request = self._build_request(call, self._signer.credentials())
                started = time.perf_counter()
                number = attempt.retry_state.attempt_number
                try:
                    response = self._http.send(request, stream=True)
                except Exception as exc:
                    raise _transport_error(call, exc, number, started) from exc
                try:
                    if self._streams_to(response, consume):
                        assert consume is not None
                        result = consume(self._raw_chunks(call, response, number, started))
                        self._log_response(call, response, number, started)
                        return result
                    if self._reads_raw(call, response):
                        content = b"".join(self._raw_chunks(call, response, number, started))
                    else:
                        try:
                            content = response.read()  # decoding (gzip) can fail too
                        except Exception as exc:
                            raise _transport_error(call, exc, number, started) from exc
                finally:
                    response.close()
                return self._finish(call, response, content, number, started)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def search_image_sets(
        self,
        datastore_id: str,
        *,
        filters: Sequence[m.SearchFilter] | None = None,
        sort: m.Sort | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> m.SearchImageSetsOutput:
        """Search a datastore's image sets by up to two filters (ANDed), in the given order."""
        return self._send(
            ops.search_image_sets(
                datastore_id, filters=filters, sort=sort, max_results=max_results, next_token=next_token
            )
        )

    def get_image_set_metadata(
        self, datastore_id: str, image_set_id: str, *, version_id: int | str | None = None
    ) -> ImageSetMetadata:
        """The image set's metadata document (the latest version unless ``version_id`` is given)."""
        return self._send(ops.get_image_set_metadata(datastore_id, image_set_id, version_id=version_id))

    def download_image_set_metadata(
        self,
        datastore_id: str,
        image_set_id: str,
        path: str | os.PathLike[str],
        *,
        version_id: int | str | None = None,
        decompress: bool = True,
    ) -> None:
        """Stream the metadata document to ``path``: JSON, or the gzip bytes as sent with ``decompress=False``.

        The body is never held in memory.
        """
        call = ops.get_image_set_metadata(datastore_id, image_set_id, version_id=version_id)

        def consume(chunks: Iterator[bytes]) -> None:
            file = MetadataFile(path, decompress=decompress, operation=call.operation)
            try:
                for chunk in chunks:
                    file.write(chunk)
                file.commit()
            except BaseException:
                file.abort()
                raise

        self._exchange(call, consume)

    def wait_for_image_set(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        version_id: int | str | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> m.ImageSetProperties:
        """Wait until a version (the latest by default) is no longer locked by an update or copy; its properties.

        Raises :class:`~healthimaging_client.WaiterError` (with the service's message) when the write
        failed, and :class:`~healthimaging_client.WaiterTimeoutError` when ``timeout`` seconds pass.
        """
        waiter = self._waiter(datastore_id, image_set_id, version_id, timeout, poll_interval)
        while True:
            try:
                done = waiter.accept(self._send(waiter.next_call()))
            except errors.ThrottlingException as exc:
                waiter.throttled(exc)
                done = None
            if done is not None:
                return done
            self._retry.sleep(waiter.delay())

    def list_image_set_versions(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> m.ListImageSetVersionsOutput:
        """One page of an image set's versions, newest first."""
        return self._send(
            ops.list_image_set_versions(datastore_id, image_set_id, max_results=max_results, next_token=next_token)
        )

    def update_image_set_metadata(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        latest_version_id: int | str,
        updates: ops.UpdatesInput | None = None,
        revert_to_version_id: int | str | None = None,
        force: bool | None = None,
        include_study_image_sets: bool | None = None,
    ) -> m.UpdateImageSetMetadataOutput:
        """Apply DICOM updates, or revert to an earlier version; pass exactly one of the two."""
        return self._send(
            ops.update_image_set_metadata(
                datastore_id,
                image_set_id,
                latest_version_id=latest_version_id,
                updates=updates,
                revert_to_version_id=revert_to_version_id,
                force=force,
                include_study_image_sets=include_study_image_sets,
            )
        )

    def copy_image_set(
        self,
        datastore_id: str,
        source_image_set_id: str,
        *,
        source_latest_version_id: int | str,
        copiable_attributes: ops.CopiableInput | None = None,
        destination_image_set_id: str | None = None,
        destination_latest_version_id: int | str | None = None,
        force: bool | None = None,
        promote_to_primary: bool | None = None,
    ) -> m.CopyImageSetOutput:
        """Copy an image set (or the subset ``copiable_attributes`` names) into a new or existing one."""
        return self._send(
            ops.copy_image_set(
                datastore_id,
                source_image_set_id,
                source_latest_version_id=source_latest_version_id,
                copiable_attributes=copiable_attributes,
                destination_image_set_id=destination_image_set_id,
                destination_latest_version_id=destination_latest_version_id,
                force=force,
                promote_to_primary=promote_to_primary,
            )
        )

    def _pages(self, paginator: Paginator[Any, Any]) -> Iterator[Page[Any, Any]]:
        while (call := paginator.next_call()) is not None:
            yield paginator.accept(self._send(call))

    def iter_image_set_pages(
        self,
        datastore_id: str,
        *,
        filters: Sequence[m.SearchFilter] | None = None,
        sort: m.Sort | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> Iterator[SearchPage]:
        """Search results page by page; each page's ``next_token`` resumes after it."""
        return self._pages(self._search_paginator(datastore_id, filters, sort, page_size, max_items, starting_token))

    def iter_image_sets(
        self,
        datastore_id: str,
        *,
        filters: Sequence[m.SearchFilter] | None = None,
        sort: m.Sort | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> Iterator[m.ImageSetsMetadataSummary]:
        """Every image set a search finds, across all pages."""
        pages = self.iter_image_set_pages(
            datastore_id,
            filters=filters,
            sort=sort,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )
        return (item for page in pages for item in page.items)

    def iter_image_set_version_pages(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> Iterator[VersionsPage]:
        """An image set's versions page by page, newest first."""
        return self._pages(self._versions_paginator(datastore_id, image_set_id, page_size, max_items, starting_token))

    def iter_image_set_versions(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> Iterator[m.ImageSetProperties]:
        """Every version of an image set, newest first."""
        pages = self.iter_image_set_version_pages(
            datastore_id, image_set_id, page_size=page_size, max_items=max_items, starting_token=starting_token
        )
        return (item for page in pages for item in page.items)


class AsyncClient(_BaseClient[httpx.AsyncClient]):
    """The asyncio HealthImaging client: the same methods as :class:`Client`, as coroutines.

    One instance is safe to share between many tasks. Credential resolution
    and refresh (which can read files or call the network) run in a worker
    thread, never on the event loop.
    """

    _credentials_lock: asyncio.Lock | None = None

    def _default_http(self, limits: httpx.Limits | None) -> httpx.AsyncClient:
        """aiohttp's pool under the httpx API (faster under concurrency), unless a proxy is configured
        in the environment: httpx's own transport honours HTTP(S)_PROXY and NO_PROXY as the sync client does."""
        limits = limits or httpx.Limits()
        if _environment_proxies():
            return httpx.AsyncClient(timeout=self._timeout, limits=limits)
        from ._aiohttp_transport import Transport  # aiohttp loads only when an AsyncClient is made

        return httpx.AsyncClient(timeout=self._timeout, transport=Transport(limits=limits))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._owns_http:
            await self._http.aclose()

    async def _credentials(self) -> ReadOnlyCredentials:
        """Current credentials; resolving or refreshing them runs in a worker thread."""
        if not self._signer.needs_io():
            return self._signer.credentials()
        import asyncio  # here, not at module level: a sync-only program never loads asyncio

        if self._credentials_lock is None:
            self._credentials_lock = asyncio.Lock()
        async with self._credentials_lock:
            return await asyncio.to_thread(self._signer.credentials)

    async def _send(self, call: ops.Call[T]) -> T:
        return await self._exchange(call, None)  # type: ignore[no-any-return]

    @staticmethod
    async def _raw_chunks(
        call: ops.Call[Any], response: httpx.Response, attempt: int, started: float
    ) -> AsyncGenerator[bytes, None]:
        """The body as sent; a failure while reading it is the transport's (a consumer's own errors are not)."""
        try:
            async for chunk in response.aiter_raw():
                yield chunk
        except Exception as exc:
            raise _transport_error(call, exc, attempt, started) from exc

    async def _exchange(
        self, call: ops.Call[Any], consume: Callable[[AsyncIterator[bytes]], Awaitable[Any]] | None
    ) -> Any:
        """Send with retries; a successful body streams (raw) to ``consume`` if given, else ``call`` parses it."""
        async for attempt in tenacity.AsyncRetrying(sleep=self._retry.async_sleep, **self._retry.tenacity_args(call)):
            with attempt:
                if pause := self._pacing_delay(call):
                    await self._retry.async_sleep(pause)
                request = self._build_request(call, await self._credentials())
                started = time.perf_counter()
                number = attempt.retry_state.attempt_number
                try:
                    response = await self._http.send(request, stream=True)
                except Exception as exc:
                    raise _transport_error(call, exc, number, started) from exc
                try:
                    if self._streams_to(response, consume):
                        assert consume is not None
                        async with contextlib.aclosing(self._raw_chunks(call, response, number, started)) as chunks:
                            result = await consume(chunks)
                        self._log_response(call, response, number, started)
                        return result
                    if self._reads_raw(call, response):
                        async with contextlib.aclosing(self._raw_chunks(call, response, number, started)) as chunks:
                            content = b"".join([chunk async for chunk in chunks])
                    else:
                        try:
                            content = await response.aread()  # decoding (gzip) can fail too
                        except Exception as exc:
                            raise _transport_error(call, exc, number, started) from exc
                finally:
                    await response.aclose()
                return self._finish(call, response, content, number, started)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def search_image_sets(
        self,
        datastore_id: str,
        *,
        filters: Sequence[m.SearchFilter] | None = None,
        sort: m.Sort | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> m.SearchImageSetsOutput:
        """Search a datastore's image sets by up to two filters (ANDed), in the given order."""
        return await self._send(
            ops.search_image_sets(
                datastore_id, filters=filters, sort=sort, max_results=max_results, next_token=next_token
            )
        )

    async def get_image_set_metadata(
        self, datastore_id: str, image_set_id: str, *, version_id: int | str | None = None
    ) -> ImageSetMetadata:
        """The image set's metadata document (the latest version unless ``version_id`` is given)."""
        return await self._send(ops.get_image_set_metadata(datastore_id, image_set_id, version_id=version_id))

    async def download_image_set_metadata(
        self,
        datastore_id: str,
        image_set_id: str,
        path: str | os.PathLike[str],
        *,
        version_id: int | str | None = None,
        decompress: bool = True,
    ) -> None:
        """Stream the metadata document to ``path``: JSON, or the gzip bytes as sent with ``decompress=False``.

        The body is never held in memory; file writes run off the event loop.
        """
        import asyncio

        call = ops.get_image_set_metadata(datastore_id, image_set_id, version_id=version_id)

        async def consume(chunks: AsyncIterator[bytes]) -> None:
            file = await asyncio.to_thread(MetadataFile, path, decompress=decompress, operation=call.operation)
            try:
                async for chunk in chunks:
                    await asyncio.to_thread(file.write, chunk)
                await asyncio.to_thread(file.commit)
            except BaseException:
                file.abort()
                raise

        await self._exchange(call, consume)

    async def wait_for_image_set(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        version_id: int | str | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> m.ImageSetProperties:
        """Wait until a version (the latest by default) is no longer locked by an update or copy; its properties.

        Raises :class:`~healthimaging_client.WaiterError` (with the service's message) when the write
        failed, and :class:`~healthimaging_client.WaiterTimeoutError` when ``timeout`` seconds pass.
        """
        waiter = self._waiter(datastore_id, image_set_id, version_id, timeout, poll_interval)
        while True:
            try:
                done = waiter.accept(await self._send(waiter.next_call()))
            except errors.ThrottlingException as exc:
                waiter.throttled(exc)
                done = None
            if done is not None:
                return done
            await self._retry.async_sleep(waiter.delay())

    async def list_image_set_versions(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> m.ListImageSetVersionsOutput:
        """One page of an image set's versions, newest first."""
        return await self._send(
            ops.list_image_set_versions(datastore_id, image_set_id, max_results=max_results, next_token=next_token)
        )

    async def update_image_set_metadata(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        latest_version_id: int | str,
        updates: ops.UpdatesInput | None = None,
        revert_to_version_id: int | str | None = None,
        force: bool | None = None,
        include_study_image_sets: bool | None = None,
    ) -> m.UpdateImageSetMetadataOutput:
        """Apply DICOM updates, or revert to an earlier version; pass exactly one of the two."""
        return await self._send(
            ops.update_image_set_metadata(
                datastore_id,
                image_set_id,
                latest_version_id=latest_version_id,
                updates=updates,
                revert_to_version_id=revert_to_version_id,
                force=force,
                include_study_image_sets=include_study_image_sets,
            )
        )

    async def copy_image_set(
        self,
        datastore_id: str,
        source_image_set_id: str,
        *,
        source_latest_version_id: int | str,
        copiable_attributes: ops.CopiableInput | None = None,
        destination_image_set_id: str | None = None,
        destination_latest_version_id: int | str | None = None,
        force: bool | None = None,
        promote_to_primary: bool | None = None,
    ) -> m.CopyImageSetOutput:
        """Copy an image set (or the subset ``copiable_attributes`` names) into a new or existing one."""
        return await self._send(
            ops.copy_image_set(
                datastore_id,
                source_image_set_id,
                source_latest_version_id=source_latest_version_id,
                copiable_attributes=copiable_attributes,
                destination_image_set_id=destination_image_set_id,
                destination_latest_version_id=destination_latest_version_id,
                force=force,
                promote_to_primary=promote_to_primary,
            )
        )

    async def _pages(self, paginator: Paginator[Any, Any]) -> AsyncIterator[Page[Any, Any]]:
        while (call := paginator.next_call()) is not None:
            yield paginator.accept(await self._send(call))

    def iter_image_set_pages(
        self,
        datastore_id: str,
        *,
        filters: Sequence[m.SearchFilter] | None = None,
        sort: m.Sort | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> AsyncIterator[SearchPage]:
        """Search results page by page; each page's ``next_token`` resumes after it."""
        return self._pages(self._search_paginator(datastore_id, filters, sort, page_size, max_items, starting_token))

    async def iter_image_sets(
        self,
        datastore_id: str,
        *,
        filters: Sequence[m.SearchFilter] | None = None,
        sort: m.Sort | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> AsyncIterator[m.ImageSetsMetadataSummary]:
        """Every image set a search finds, across all pages."""
        pages = self.iter_image_set_pages(
            datastore_id,
            filters=filters,
            sort=sort,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )
        async for page in pages:
            for item in page.items:
                yield item

    def iter_image_set_version_pages(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> AsyncIterator[VersionsPage]:
        """An image set's versions page by page, newest first."""
        return self._pages(self._versions_paginator(datastore_id, image_set_id, page_size, max_items, starting_token))

    async def iter_image_set_versions(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> AsyncIterator[m.ImageSetProperties]:
        """Every version of an image set, newest first."""
        pages = self.iter_image_set_version_pages(
            datastore_id, image_set_id, page_size=page_size, max_items=max_items, starting_token=starting_token
        )
        async for page in pages:
            for item in page.items:
                yield item

    async def get_image_set_metadata_many(
        self,
        datastore_id: str,
        image_set_ids: Iterable[str],
        *,
        concurrency: int = 16,
    ) -> AsyncIterator[tuple[str, ImageSetMetadata | errors.HealthImagingError]]:
        """Fetch many image sets' metadata, ``concurrency`` at a time, yielding each as it completes.

        Yields ``(image_set_id, metadata)`` or ``(image_set_id, error)``: one
        failure does not stop the others. Leaving the loop early cancels what
        is still in flight.
        """
        import asyncio

        positive_int("concurrency", concurrency)
        pending_ids = iter(image_set_ids)
        running: dict[asyncio.Task[ImageSetMetadata], str] = {}

        def start_next() -> None:
            for image_set_id in pending_ids:
                task = asyncio.ensure_future(self.get_image_set_metadata(datastore_id, image_set_id))
                running[task] = image_set_id
                return

        try:
            for _ in range(concurrency):
                start_next()
            while running:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    image_set_id = running.pop(task)
                    start_next()
                    exc = task.exception()
                    if exc is None:
                        yield image_set_id, task.result()
                    elif isinstance(exc, errors.HealthImagingError):
                        yield image_set_id, exc
                    else:
                        raise exc
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
