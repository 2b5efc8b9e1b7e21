"""``Client``: the blocking client, derived from ``AsyncClient`` method by method, with no code of its own.

Each method below runs the ``AsyncClient`` method of the same name on this
client's core, whose backend sends with ``httpx.Client`` in place and never
suspends, so the coroutine runs to completion without an event loop
(:func:`~._work_pools.run_to_completion`). The signatures, defaults and
docstrings are the async ones, so the two clients cannot drift apart; a
method added to ``AsyncClient`` needs one line here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

import httpx

from ._async_client import AsyncClient
from ._backends import BlockingBackend
from ._base_client import BaseClient
from ._clock import BlockingClock
from ._methods import invoke, method_like, type_arguments
from ._transport import default_sync_http
from ._work_pools import run_to_completion

P = ParamSpec("P")
T = TypeVar("T")


def _blocking(
    method: Callable[Concatenate[AsyncClient, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Client, P], T]:
    """A ``Client`` method that runs the ``AsyncClient`` coroutine method to completion."""

    def run(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> T:
        coroutine = method(_twin(self), *args, **kwargs)
        del args, kwargs  # patient data: out of this frame's locals before anything is raised through it
        return run_to_completion(coroutine)

    return method_like(run, method, "Client", __name__)


def _blocking_iter(
    method: Callable[Concatenate[AsyncClient, P], AsyncIterator[T]],
) -> Callable[Concatenate[Client, P], Iterator[T]]:
    """A ``Client`` method that iterates the ``AsyncClient`` async iterator method, one item at a time.

    The async method is called at once, so its arguments are validated before
    iteration starts, as they are on ``AsyncClient``.
    """

    def run(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        items = invoke(method, (_twin(self), *args), kwargs)  # validates the arguments, at once
        del args, kwargs  # as in _blocking
        if isinstance(items, Exception):
            raise items
        return _iterate(items)

    return method_like(
        run, method, "Client", __name__, returns=lambda it: f"Iterator[{type_arguments(it, 'AsyncIterator')[0]}]"
    )


def _twin(client: Client) -> AsyncClient:
    """The ``AsyncClient`` that runs on ``client``'s own core, whose backend blocks."""
    return AsyncClient._over(client._core)  # pyright: ignore[reportPrivateUsage]


def _iterate(items: AsyncIterator[T]) -> Iterator[T]:
    try:
        while True:
            try:
                yield run_to_completion(items.__anext__())
            except StopAsyncIteration:
                return
    finally:
        close = getattr(items, "aclose", None)
        if close is not None:
            run_to_completion(close())


class Client(BaseClient[httpx.Client]):
    """The synchronous HealthImaging client: the methods of :class:`AsyncClient`, blocking.

    Region and credentials resolve through botocore's standard chain unless
    given. Pass ``http_client`` to bring your own ``httpx.Client`` (proxies,
    HTTP/2, a custom transport); a client you pass is never closed here.
    ``retry`` says how failures are retried (:class:`RetryConfig`);
    ``rate_limits`` paces operations client-side (:class:`RateLimit`; off by default).
    One instance may be shared by threads.
    """

    _default_http = staticmethod(default_sync_http)
    _backend = staticmethod(BlockingBackend)  # type: ignore[assignment]
    _http_type = httpx.Client
    _default_clock = staticmethod(BlockingClock)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool, if this client opened it."""
        run_to_completion(self._core.close())

    search_image_sets = _blocking(AsyncClient.search_image_sets)
    get_image_set_metadata = _blocking(AsyncClient.get_image_set_metadata)
    download_image_set_metadata = _blocking(AsyncClient.download_image_set_metadata)
    list_image_set_versions = _blocking(AsyncClient.list_image_set_versions)
    update_image_set_metadata = _blocking(AsyncClient.update_image_set_metadata)
    copy_image_set = _blocking(AsyncClient.copy_image_set)
    wait_for_image_set = _blocking(AsyncClient.wait_for_image_set)
    iter_image_set_pages = _blocking_iter(AsyncClient.iter_image_set_pages)
    iter_image_sets = _blocking_iter(AsyncClient.iter_image_sets)
    iter_image_set_version_pages = _blocking_iter(AsyncClient.iter_image_set_version_pages)
    iter_image_set_versions = _blocking_iter(AsyncClient.iter_image_set_versions)

    # --- pixel data and the image set's own state (issue 15) ---
    get_image_frame = _blocking(AsyncClient.get_image_frame)
    get_image_set = _blocking(AsyncClient.get_image_set)
    delete_image_set = _blocking(AsyncClient.delete_image_set)
    wait_for_image_set_deletion = _blocking(AsyncClient.wait_for_image_set_deletion)
    get_frame_array = _blocking(AsyncClient.get_frame_array)
    iter_frame_arrays = _blocking_iter(AsyncClient.iter_frame_arrays)
    get_series_volume = _blocking(AsyncClient.get_series_volume)
    create_datastore = _blocking(AsyncClient.create_datastore)
    get_datastore = _blocking(AsyncClient.get_datastore)
    list_datastores = _blocking(AsyncClient.list_datastores)
    delete_datastore = _blocking(AsyncClient.delete_datastore)
    wait_for_datastore = _blocking(AsyncClient.wait_for_datastore)
    iter_datastore_pages = _blocking_iter(AsyncClient.iter_datastore_pages)
    iter_datastores = _blocking_iter(AsyncClient.iter_datastores)
    start_dicom_import_job = _blocking(AsyncClient.start_dicom_import_job)
    get_dicom_import_job = _blocking(AsyncClient.get_dicom_import_job)
    list_dicom_import_jobs = _blocking(AsyncClient.list_dicom_import_jobs)
    wait_for_dicom_import_job = _blocking(AsyncClient.wait_for_dicom_import_job)
    iter_dicom_import_job_pages = _blocking_iter(AsyncClient.iter_dicom_import_job_pages)
    iter_dicom_import_jobs = _blocking_iter(AsyncClient.iter_dicom_import_jobs)
    tag_resource = _blocking(AsyncClient.tag_resource)
    untag_resource = _blocking(AsyncClient.untag_resource)
    list_tags_for_resource = _blocking(AsyncClient.list_tags_for_resource)

    # --- DICOM export (issue 17) ---
    export_image_set = _blocking(AsyncClient.export_image_set)
