"""``AsyncClient``: every method of the SDK, made or written here once.

A plain operation is one line: ``sends(ops.x)`` makes a method that
validates and builds the operation's ``Call`` and sends it on the client's
:class:`~._core.Core`; its signature and docstring are the operation's.
Methods that do more (stream to a file, wait, page) are written out below.
``Client`` has no code of its own for any of them: ``_sync_client`` derives
each of its methods from the one here. So a method here may await only its
core, never asyncio directly; the fan-out helpers at the end are the
exception, and are async-only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import httpx

from . import _operations as ops
from . import errors
from . import models as m
from ._backends import AsyncioBackend
from ._base_client import BaseClient
from ._clock import AsyncioClock
from ._core import Core
from ._masking import Masked
from ._method_makers import items, pages, sends
from ._pixel_requests import (
    DEFAULT_FRAME_CONCURRENCY,
    FrameFetch,
    FramesInput,
    check_metadata,
    find_ref,
    frame_fetches,
    require_pixels,
)
from ._transport import default_async_http
from ._waiter import ImageSetDeletionWaiter, ImageSetWaiter
from ._wire.validation import Problems, optional_bool
from .metadata import ImageSetMetadata, Series

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._export import ExportProgress, ExportSummary
    from .pixels import FrameRef, Volume

DEFAULT_WAIT_TIMEOUT = 600.0
DEFAULT_POLL_INTERVAL = 5.0
#: Creating or deleting a datastore takes minutes; an import job can take hours.
DATASTORE_WAIT_TIMEOUT = 1800.0
DATASTORE_POLL_INTERVAL = 10.0
IMPORT_JOB_WAIT_TIMEOUT = 6 * 3600.0
IMPORT_JOB_POLL_INTERVAL = 30.0


class AsyncClient(BaseClient[httpx.AsyncClient]):
    """The asyncio HealthImaging client.

    Region and credentials resolve through botocore's standard chain unless
    given. Pass ``http_client`` to bring your own ``httpx.AsyncClient``
    (proxies, a custom transport); a client you pass is never closed here.
    ``retry`` says how failures are retried (:class:`RetryConfig`);
    ``rate_limits`` paces operations client-side (:class:`RateLimit`; off by default).

    One instance is safe to share between many tasks. Credential resolution
    and refresh (which can read files or call the network) run in a worker
    thread, never on the event loop.
    """

    _default_http = staticmethod(default_async_http)
    _backend = staticmethod(AsyncioBackend)  # type: ignore[assignment]
    _http_type = httpx.AsyncClient
    _default_clock = staticmethod(AsyncioClock)

    @classmethod
    def _over(cls, core: Core) -> Self:
        """An AsyncClient running on ``core`` (how ``Client`` runs these methods on its own, blocking core)."""
        client = object.__new__(cls)
        client._core = core
        return client

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, if this client opened it."""
        await self._core.close()

    # --- image sets ----------------------------------------------------------------

    search_image_sets = sends(ops.search_image_sets)
    get_image_set_metadata = sends(ops.get_image_set_metadata)
    list_image_set_versions = sends(ops.list_image_set_versions)
    update_image_set_metadata = sends(ops.update_image_set_metadata)
    copy_image_set = sends(ops.copy_image_set)

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

        The body is never held in memory; with ``AsyncClient``, file writes run off the event loop.
        """
        p = Problems(ops.Operation.GET_IMAGE_SET_METADATA)
        if not isinstance(cast(object, path), str | os.PathLike) or "\x00" in os.fspath(path):
            p.add("path", f"expected a file path (str or os.PathLike) without NUL, got {type(path).__name__}")
        optional_bool(p, "decompress", decompress)
        call = ops.get_image_set_metadata(datastore_id, image_set_id, version_id=version_id)
        p.raise_if_any()
        run = self._core.backend.run_blocking
        from ._download import MetadataFile  # lazy: not imported with the package

        async def consume(chunks: AsyncIterator[Masked[bytes]]) -> None:
            file = await run(MetadataFile, path, decompress=decompress, operation=call.operation)
            try:
                async for chunk in chunks:
                    await run(file.write, chunk)
                await run(file.commit)
            except BaseException:
                file.abort()
                raise

        await self._core.download(call, consume)

    async def wait_for_image_set(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        version_id: int | str | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> m.ImageSetProperties:
        """Wait until a version (the latest by default) is no longer locked by a write; its properties.

        The write is an update or a copy, or a deletion, after which the version is DELETED
        (``wait_for_image_set_deletion`` waits for that alone, through GetImageSet).

        Raises :class:`~healthimaging_client.WaiterError` (with the service's message) when the write
        failed, and :class:`~healthimaging_client.WaiterTimeoutError` when ``timeout`` seconds pass.
        """
        waiter = ImageSetWaiter(
            datastore_id,
            image_set_id,
            version_id=version_id,
            timeout=timeout,
            poll_interval=poll_interval,
            clock=self._core.clock.monotonic,
        )
        return await self._core.wait(waiter)

    # --- pixel data and the image set's own state (issue 15) ---------------------------

    get_image_frame = sends(ops.get_image_frame)
    get_image_set = sends(ops.get_image_set)
    delete_image_set = sends(ops.delete_image_set)

    async def wait_for_image_set_deletion(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        """Wait until a DeleteImageSet has finished: GetImageSet says DELETED, or no longer finds the image set.

        A 404 counts as deleted (so an image set that never existed is "deleted" too).
        Raises :class:`~healthimaging_client.WaiterTimeoutError` when ``timeout`` seconds pass.
        """
        waiter = ImageSetDeletionWaiter(
            datastore_id, image_set_id, timeout=timeout, poll_interval=poll_interval, clock=self._core.clock.monotonic
        )
        with contextlib.suppress(errors.ResourceNotFoundException):  # forgotten: deleted as surely as DELETED
            await self._core.wait(waiter)

    async def get_frame_array(
        self,
        datastore_id: str,
        image_set_id: str,
        image_frame_id: str,
        *,
        metadata: ImageSetMetadata | None = None,
        verify: bool = True,
        rescale: bool = False,
    ) -> NDArray[Any]:
        """One frame decoded to a NumPy array in DICOM's layout: rows x columns (x samples, interleaved).

        The dtype is ``uint8``/``int8``/``uint16``/``int16`` as BitsAllocated and
        PixelRepresentation say, or ``float32`` physical values with ``rescale``
        (RescaleSlope and RescaleIntercept). ``verify`` checks the CRC32 the
        metadata lists (:class:`~healthimaging_client.ChecksumMismatchError`).
        The image set's metadata is fetched first unless given as ``metadata``.
        Needs the ``pixels`` extra; with ``AsyncClient`` decoding runs off the event loop.
        """
        from ._frame_methods import frame_array  # lazy: not imported with the package

        call = ops.get_image_frame(datastore_id, image_set_id, image_frame_id)
        require_pixels()
        if metadata is None:
            metadata = await self.get_image_set_metadata(datastore_id, image_set_id)
        check_metadata(image_set_id, metadata)
        return await frame_array(self._core, FrameFetch(find_ref(metadata, image_frame_id), call), verify, rescale)

    def iter_frame_arrays(
        self,
        datastore_id: str,
        image_set_id: str,
        frames: FramesInput,
        *,
        verify: bool = True,
        rescale: bool = False,
        ordered: bool = False,
        concurrency: int = DEFAULT_FRAME_CONCURRENCY,
    ) -> AsyncIterator[tuple[FrameRef, NDArray[Any]]]:
        """Every frame of an image set's metadata, a series or an instance (or the ``FrameRef``s given), decoded.

        Yields ``(ref, array)``, ``ref`` saying which frame of which instance it is,
        as frames arrive, or in the order given with ``ordered``. ``concurrency``
        frames are fetched at once; they decode on the process's pool of a thread
        per core (imagecodecs releases the GIL). The first failure ends the iteration, and
        leaving it early cancels what is in flight. Arguments are checked when it
        is called, before anything is sent. ``verify`` and ``rescale`` as in
        :meth:`get_frame_array`.
        """
        from ._frame_methods import frame_array  # lazy: not imported with the package

        fetches = frame_fetches(datastore_id, image_set_id, frames, concurrency)

        async def decoded(fetch: FrameFetch) -> tuple[FrameRef, NDArray[Any]]:
            return fetch.ref, await frame_array(self._core, fetch, verify, rescale)

        return self._core.backend.map_bounded(decoded, fetches, limit=concurrency, ordered=ordered)

    async def get_series_volume(
        self,
        datastore_id: str,
        image_set_id: str,
        series: Series,
        *,
        verify: bool = True,
        rescale: bool = False,
        concurrency: int = DEFAULT_FRAME_CONCURRENCY,
    ) -> Volume:
        """A series of the metadata tree as one 3D volume, with its spacing, orientation and origin.

        Slices are ordered along the slice normal (``pixels.plan_volume``); each
        frame is decoded straight into its slice of the preallocated array as it
        arrives, ``concurrency`` at a time, so assembling costs little more than
        the volume itself. ``rescale`` makes it ``float32`` physical values.
        Raises :class:`~healthimaging_client.VolumeGeometryError` before fetching
        anything when the frames do not stack.
        """
        from ._frame_methods import series_volume  # lazy: not imported with the package

        return await series_volume(self._core, datastore_id, image_set_id, series, verify, rescale, concurrency)

    # --- datastores, import jobs and tags (no host prefix) -----------------------------

    create_datastore = sends(ops.create_datastore)
    get_datastore = sends(ops.get_datastore)
    list_datastores = sends(ops.list_datastores)
    delete_datastore = sends(ops.delete_datastore)
    start_dicom_import_job = sends(ops.start_dicom_import_job)
    get_dicom_import_job = sends(ops.get_dicom_import_job)
    list_dicom_import_jobs = sends(ops.list_dicom_import_jobs)
    tag_resource = sends(ops.tag_resource)
    untag_resource = sends(ops.untag_resource)
    list_tags_for_resource = sends(ops.list_tags_for_resource)

    async def wait_for_datastore(
        self,
        datastore_id: str,
        *,
        status: m.DatastoreStatus | str = m.DatastoreStatus.ACTIVE,
        timeout: float = DATASTORE_WAIT_TIMEOUT,
        poll_interval: float = DATASTORE_POLL_INTERVAL,
    ) -> m.DatastoreProperties:
        """Wait until a datastore is ACTIVE (or, with ``status="DELETED"``, deleted); its properties.

        Raises :class:`~healthimaging_client.WaiterError` when it cannot get there (CREATE_FAILED, or
        deleted while waiting for ACTIVE) and :class:`~healthimaging_client.WaiterTimeoutError` when
        ``timeout`` seconds pass.
        """
        from ._status_waiter import DatastoreWaiter  # lazy: not imported with the package

        clock = self._core.clock.monotonic
        waiter = DatastoreWaiter(datastore_id, status=status, timeout=timeout, poll_interval=poll_interval, clock=clock)
        return await self._core.wait(waiter)

    async def wait_for_dicom_import_job(
        self,
        datastore_id: str,
        job_id: str,
        *,
        timeout: float = IMPORT_JOB_WAIT_TIMEOUT,
        poll_interval: float = IMPORT_JOB_POLL_INTERVAL,
    ) -> m.DICOMImportJobProperties:
        """Wait until an import job is COMPLETED; its properties.

        Raises :class:`~healthimaging_client.WaiterError` with the job's message when it FAILED, and
        :class:`~healthimaging_client.WaiterTimeoutError` when ``timeout`` seconds pass. A COMPLETED
        job may still have skipped files: its failure manifest says which
        (:mod:`healthimaging_client.import_results`).
        """
        from ._status_waiter import ImportJobWaiter  # lazy: not imported with the package

        clock = self._core.clock.monotonic
        waiter = ImportJobWaiter(datastore_id, job_id, timeout=timeout, poll_interval=poll_interval, clock=clock)
        return await self._core.wait(waiter)

    # --- paginators: arguments checked when called, requests sent when iterated ---------------

    iter_image_set_pages = pages(ops.iter_image_set_pages)
    iter_image_sets = items(
        ops.iter_image_set_pages, "iter_image_sets", "Every image set a search finds, across all pages."
    )
    iter_image_set_version_pages = pages(ops.iter_image_set_version_pages)
    iter_image_set_versions = items(
        ops.iter_image_set_version_pages, "iter_image_set_versions", "Every version of an image set, newest first."
    )
    iter_datastore_pages = pages(ops.iter_datastore_pages)
    iter_datastores = items(ops.iter_datastore_pages, "iter_datastores", "Every datastore, across all pages.")
    iter_dicom_import_job_pages = pages(ops.iter_dicom_import_job_pages)
    iter_dicom_import_jobs = items(
        ops.iter_dicom_import_job_pages, "iter_dicom_import_jobs", "Every import job of a datastore, across all pages."
    )

    # --- DICOM export (issue 17) -------------------------------------------------------------

    async def export_image_set(
        self,
        datastore_id: str,
        image_set_id: str,
        directory: str | os.PathLike[str],
        *,
        series: str | Iterable[str] | None = None,
        concurrency: int = DEFAULT_FRAME_CONCURRENCY,
        transcode: bool = False,
        progress: Callable[[ExportProgress], object] | None = None,
        fsync: bool = True,
    ) -> ExportSummary:
        """Write the image set as DICOM Part 10 files, one per instance: ``directory/study/series/instance.dcm``.

        ``series`` chooses series by SeriesInstanceUID (one, or an iterable of them;
        all by default). Frames keep their stored encoding (HTJ2K, JPEG 2000, ...:
        lossless, nothing decoded) unless ``transcode`` decodes them to explicit VR
        little endian (the ``pixels`` extra), for tools that cannot read HTJ2K.

        Frames are fetched ``concurrency`` at a time and streamed to disk in order,
        so memory holds at most that many frames, never a series. Each file is
        written as ``<name>.part`` and renamed when complete (and, with ``fsync``,
        flushed to the disk), so a file under its final name is always whole: a rerun
        skips those and writes the rest. ``progress`` is called with an
        :class:`ExportProgress` after each file is written or found complete, on the
        caller's thread (the event loop, with ``AsyncClient``); keep it quick.

        Returns an :class:`ExportSummary`. The first failure stops the export: a
        service error, :class:`DICOMExportError` (an instance whose metadata cannot
        make a valid file), a pixel error when transcoding, or an ``OSError`` naming
        ``directory``; the file in progress is removed and the finished ones stay.
        Needs the ``dicom`` extra.
        """
        from ._export import check_export  # lazy: not imported with the package
        from ._export_run import export_files

        ops.get_image_set_metadata(datastore_id, image_set_id)  # checks the ids before anything is sent
        root, chosen = check_export(
            directory, series=series, concurrency=concurrency, transcode=transcode, progress=progress
        )
        metadata = await self.get_image_set_metadata(datastore_id, image_set_id)
        return await export_files(
            self._core,
            datastore_id,
            image_set_id,
            metadata,
            root,
            chosen,
            concurrency=concurrency,
            transcode=transcode,
            progress=progress,
            fsync=fsync,
        )

    # --- async only: concurrent fan-out ----------------------------------------------------

    async def get_image_set_metadata_many(
        self,
        datastore_id: str,
        image_set_ids: Iterable[str],
        *,
        concurrency: int = 16,
    ) -> AsyncIterator[tuple[str, ImageSetMetadata | errors.HealthImagingError]]:
        """Fetch many image sets' metadata, ``concurrency`` at a time, yielding each as it completes.

        Yields ``(image_set_id, metadata)`` or ``(image_set_id, error)``: one
        failure does not stop the others. A request starts only when the loop
        asks for more, so one that stops asking starts nothing new. Closing the
        iterator (``aclose()``, as ``async with contextlib.aclosing(...)`` does
        when the loop is left) cancels what is still in flight before it returns.
        """
        from ._fan_out import fan_out  # lazy: not imported with the package

        many = fan_out(
            lambda image_set_id: self.get_image_set_metadata(datastore_id, image_set_id), image_set_ids, concurrency
        )
        async with contextlib.aclosing(many) as results:
            async for result in results:
                yield result
