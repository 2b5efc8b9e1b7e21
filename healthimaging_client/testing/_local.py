"""``LocalHealthImaging``: an emulated datastore, and clients already configured for it."""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from .._async_client import AsyncClient
from .._operations import Operation
from .._sync_client import Client
from .._wire import resource_rules
from .._wire.validation import Problems
from . import _synthetic_documents as synthetic
from ._datastores import Datastores
from ._imports import ImportJobs, SyntheticInstance
from ._pixels import FrameFormat
from ._protocol import Fault, Protocol
from ._server import make_server, serve_in_thread
from ._transport import EmulatorTransport

#: Synthetic image sets are created at hourly steps from here, so their order is fixed for a seed.
_SEED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC).timestamp()


class LocalHealthImaging:
    """An in-memory HealthImaging datastore that behaves like the service, for tests and demos.

    ``client()`` and ``async_client()`` return SDK clients wired to it in-process;
    ``serve()`` puts it on a loopback port for other processes and for boto3;
    ``transport`` serves your own ``httpx.Client`` or ``httpx.AsyncClient``.
    Everything is synthetic and deterministic for a ``seed``. Times come from
    ``clock`` (epoch seconds), so tests can expire a lock without sleeping:
    after an update or copy an image set stays LOCKED for ``state_delay``
    seconds of that clock. The emulator starts with one ACTIVE datastore
    (``datastore_id``); CreateDatastore adds more, which are CREATING for
    ``datastore_delay`` seconds (and DELETING for as long when deleted). Import
    jobs read the synthetic files staged with :meth:`add_dicom_files`, are
    SUBMITTED for ``import_delay`` seconds and IN_PROGRESS for as long again,
    then COMPLETED, with their output documents in :meth:`import_output`.
    For example::

        local = LocalHealthImaging(seed=1, image_sets=20)
        local.throttle_next("SearchImageSets")  # the client's retry absorbs it
        with local.client() as client:
            for summary in client.iter_image_sets(local.datastore_id):
                print(summary.image_set_id)
    """

    endpoint_url = "https://healthimaging-emulator.invalid"
    aws_access_key_id = "AKIDLOCALEMULATOR000"
    aws_secret_access_key = "local-emulator-secret-key-not-for-aws"

    def __init__(
        self,
        *,
        seed: int = 0,
        image_sets: int = 0,
        region_name: str = "us-east-1",
        state_delay: float = 0.0,
        clock: Callable[[], float] = time.time,
        datastore_delay: float = 0.0,
        import_delay: float = 0.0,
    ) -> None:
        self._rng = random.Random(seed)
        self.region_name = region_name
        self.datastore_id = f"{self._rng.getrandbits(128):032x}"
        self._datastores = Datastores(
            region_name, clock, self._rng, datastore_delay=datastore_delay, state_delay=state_delay
        )
        self._store = self._datastores.new_store(self.datastore_id)
        self._datastores.add_active(self._store, "local-datastore")
        self._imports = ImportJobs(self._datastores, self._rng, import_delay=import_delay)
        self._protocol = Protocol(
            self._store,
            self.aws_access_key_id,
            self.aws_secret_access_key,
            datastores=self._datastores,
            imports=self._imports,
        )
        self.transport = EmulatorTransport(self._protocol)
        self._seeded = 0
        if image_sets:
            self.seed_image_sets(image_sets)

    def __repr__(self) -> str:
        return f"LocalHealthImaging(datastore_id={self.datastore_id!r}, image_sets={len(self._store.image_sets)})"

    # --- clients ----------------------------------------------------------------------

    def client_config(self, endpoint_url: str | None = None) -> dict[str, Any]:
        """Endpoint, region and the test credentials, as client keyword arguments."""
        return {
            "endpoint_url": endpoint_url or self.endpoint_url,
            "region_name": self.region_name,
            "aws_access_key_id": self.aws_access_key_id,
            "aws_secret_access_key": self.aws_secret_access_key,
        }

    def client(self, **kwargs: Any) -> Client:
        """A :class:`Client` served in-process; keyword arguments override or add to its settings."""
        return Client(http_client=httpx.Client(transport=self.transport), **(self.client_config() | kwargs))

    def async_client(self, **kwargs: Any) -> AsyncClient:
        """An :class:`AsyncClient` served in-process; keyword arguments override or add to its settings."""
        return AsyncClient(http_client=httpx.AsyncClient(transport=self.transport), **(self.client_config() | kwargs))

    @contextlib.contextmanager
    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Generator[str]:
        """Serve on a loopback port (0 picks a free one) while the block runs; yields the endpoint URL."""
        server = make_server(self._protocol, port, host)
        thread = serve_in_thread(server)
        try:
            yield f"http://{host}:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    # --- data -------------------------------------------------------------------------

    def add_image_set(
        self,
        *,
        patient: Mapping[str, Any] | None = None,
        study: Mapping[str, Any] | None = None,
        series: Sequence[Mapping[str, Any]] | None = None,
        instances: int = 1,
        frames: int = 1,
        frame_format: FrameFormat | None = None,
        is_primary: bool = True,
        created_at: float | None = None,
        datastore_id: str | None = None,
    ) -> str:
        """Add an image set with these DICOM values (UIDs left out are generated); returns its id.

        ``series`` holds one mapping of DICOM values per series; each series gets
        ``instances`` instances of ``frames`` image frames, stored as
        ``frame_format`` says (by default CT-like 12-bit HTJ2K of 256 or 512
        pixels square). Slices are placed along z, one ``SliceThickness`` apart.
        It goes into the emulator's own datastore, or the ACTIVE one ``datastore_id`` names.
        """
        plans = [
            synthetic.SeriesPlan(values, instances, frames, frame_format or synthetic.default_format(self._rng))
            for values in (series or [{}])
        ]
        return self._add(
            patient or {}, study or {}, plans, is_primary=is_primary, created_at=created_at, datastore_id=datastore_id
        )

    def add_pixel_showcase(self, *, patient: Mapping[str, Any] | None = None) -> str:
        """Add an image set with one series per stored format the SDK decodes; returns its id.

        Its series: an HTJ2K CT volume (12 bits stored, rescaled, thumbnail
        checksums listed), signed JPEG 2000 lossless, signed 12-bit HTJ2K of an
        odd size, uncompressed 8-bit RGB, a multi-frame instance without
        ``StoredTransferSyntaxUID``, RGB JPEG 2000 and HTJ2K 4.203. Listing the
        thumbnail checksums needs the ``pixels`` extra.
        """
        return self._add(patient or {}, {}, synthetic.showcase_series(), is_primary=True, created_at=None)

    def _add(
        self,
        patient: Mapping[str, Any],
        study: Mapping[str, Any],
        plans: Sequence[synthetic.SeriesPlan],
        *,
        is_primary: bool,
        created_at: float | None,
        datastore_id: str | None = None,
    ) -> str:
        with self._protocol.lock:
            store = self._store if datastore_id is None else self._datastores.image_sets(datastore_id)
            image_set_id = store.new_id()
            document, frames = synthetic.build_document(
                self._rng,
                datastore_id=store.datastore_id,
                image_set_id=image_set_id,
                patient=patient,
                study=study,
                series=plans,
            )
            for frame_id, spec in frames.items():
                store.frames.add(frame_id, spec)
            stamp = store.now() if created_at is None else created_at
            store.add(document, created_at=stamp, is_primary=is_primary)
            return image_set_id

    def seed_image_sets(self, count: int) -> list[str]:
        """Add ``count`` synthetic image sets (the same ones for the same seed); returns their ids."""
        ids: list[str] = []
        for _ in range(count):
            self._seeded += 1
            patient, study, series = synthetic.synthetic_values(self._rng, self._seeded)
            created_at = _SEED_EPOCH + 3600 * self._seeded
            ids.append(self.add_image_set(patient=patient, study=study, series=series, created_at=created_at))
        return ids

    # --- behaviour --------------------------------------------------------------------

    @property
    def state_delay(self) -> float:
        """Seconds (of the clock) an image set stays LOCKED after an update or copy."""
        return self._store.state_delay

    @state_delay.setter
    def state_delay(self, seconds: float) -> None:
        self._datastores.set_state_delay(seconds)

    def fail_next(
        self,
        operation: str | None,
        *,
        times: int = 1,
        status: int = 500,
        code: str = "InternalServerException",
        message: str = "injected failure",
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` (None: of any) with this error."""
        if operation is not None and operation not in set(Operation):
            raise ValueError(f"operation must be one of {', '.join(Operation)} or None")
        if isinstance(times, bool) or times < 1:
            raise ValueError("times must be a whole number of at least 1")
        with self._protocol.lock:
            self._protocol.faults.append(Fault(operation, times, status, code, message))

    def throttle_next(self, operation: str | None, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``operation`` with 429 ThrottlingException."""
        self.fail_next(operation, times=times, status=429, code="ThrottlingException", message="Rate exceeded")

    def delay_responses(self, seconds: float, *, operation: str | None = None) -> None:
        """Wait ``seconds`` (real time) before answering calls of ``operation`` (None: of all); 0 stops."""
        with self._protocol.lock:
            self._protocol.delays[operation] = seconds

    # --- datastores and imports --------------------------------------------------------

    def add_dicom_files(self, s3_uri: str, files: Sequence[SyntheticInstance]) -> list[str]:
        """Stage synthetic DICOM files under ``s3_uri`` for import jobs to find; returns their S3 URIs.

        Files staged in one call without UIDs form one series of one study.
        """
        p = Problems("add_dicom_files")
        resource_rules.S3_URI.check(p, "s3_uri", s3_uri)
        for i, file in enumerate(files):
            if not isinstance(file, SyntheticInstance):  # pyright: ignore[reportUnnecessaryIsInstance]
                p.add(f"files[{i}]", f"expected SyntheticInstance, got {type(file).__name__}")
        p.raise_if_any()
        with self._protocol.lock:
            return self._imports.stage(s3_uri, files)

    def import_output(self, job_id: str) -> dict[str, bytes]:
        """What a finished import job wrote under its output S3 URI: each object's S3 URI and bytes."""
        with self._protocol.lock:
            self._datastores.settle()
            self._imports.settle()
            job = self._imports.jobs.get(job_id)
            if job is None:
                raise ValueError("no import job has this id")
            return dict(job.outputs)

    def download_import_output(self, job_id: str, directory: str | os.PathLike[str]) -> Path:
        """Write a finished job's output under ``directory``, as ``aws s3 cp --recursive`` of its output
        S3 URI would; returns the job's folder (``<datastoreId>-DicomImport-<jobId>``)."""
        objects = self.import_output(job_id)
        if not objects:
            raise ValueError("the import job has not finished")
        job = self._imports.jobs[job_id]
        output_prefix = job.output_s3_uri if job.output_s3_uri.endswith("/") else job.output_s3_uri + "/"
        for uri, content in objects.items():
            target = Path(directory, uri.removeprefix(output_prefix))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return Path(directory, f"{job.datastore_id}-DicomImport-{job_id}")
