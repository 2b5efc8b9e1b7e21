"""Waiting for a datastore or an import job to reach a final status, as pure logic shared by both clients.

Each waiter hands out the Get call to make, reads each output, and says how
long to sleep; ``Core.wait`` only sends and sleeps (see ``_waiter`` for the
loop)::

    DatastoreWaiter   GetDatastore until ACTIVE (CREATING: poll; CREATE_FAILED, DELETING, DELETED: WaiterError)
                      or, asked for DELETED, until DELETED (anything else: poll)
    ImportJobWaiter   GetDICOMImportJob until COMPLETED (SUBMITTED, IN_PROGRESS: poll; FAILED: WaiterError
                      with the job's message)

A status the SDK does not know yet (a newer service) keeps the waiter polling
until its timeout. While the service throttles the polls, they slow down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from . import _operations as ops
from . import errors
from . import models as m
from ._waiter import MAX_THROTTLED_INTERVAL
from ._wire import resource_rules as r
from ._wire import validation as v

D = m.DatastoreStatus
J = m.JobStatus
Properties = TypeVar("Properties")


class _StatusWaiter(Generic[Properties]):
    """What both waiters share: the deadline, the pause between polls (longer while throttled), the errors."""

    #: The Get operation that polls, named in the waiter's errors.
    operation: ops.Operation

    def __init__(self, p: v.Problems, *, timeout: object, poll_interval: object, clock: Callable[[], float]) -> None:
        v.seconds(p, "timeout", timeout, allow_zero=True, allow_infinity=True)
        v.poll_interval(p, "poll_interval", poll_interval)
        p.raise_if_any()
        assert isinstance(timeout, int | float) and isinstance(poll_interval, int | float)
        self._timeout = timeout
        self._poll_interval = self._interval = poll_interval
        self._clock = clock
        self._deadline = clock() + timeout
        self._last: Properties | None = None

    def _seen(self, properties: Properties) -> Properties:
        """Record an answer: it is the last state seen, and the next pause is the normal one again."""
        self._interval = self._poll_interval
        self._last = properties
        return properties

    def throttled(self, exc: errors.ThrottlingException) -> None:
        """Record that polling was throttled (after the call's own retries): poll less often."""
        self._interval = min(max(self._interval * 2, exc.retry_after or 0.0), MAX_THROTTLED_INTERVAL)

    def delay(self) -> float:
        """Seconds to sleep before the next poll; raises WaiterTimeoutError once the timeout has passed."""
        left = self._deadline - self._clock()
        if left <= 0:
            state = "not seen" if self._last is None else self._status(self._last)
            raise self._error(errors.WaiterTimeoutError, f"was still {state} after {self._timeout:g} s")
        return min(self._interval, left)

    def _status(self, properties: Properties) -> str:
        raise NotImplementedError

    def _subject(self) -> str:
        raise NotImplementedError

    def _attach(self, error: errors.WaiterError) -> None:
        """Put the last state seen on the error, under the attribute users read for this kind of wait."""
        raise NotImplementedError

    def _error(self, cls: type[errors.WaiterError], what: str) -> errors.WaiterError:
        error = cls(f"{self._subject()} {what}")
        error.operation = self.operation
        self._attach(error)
        return error


class DatastoreWaiter(_StatusWaiter[m.DatastoreProperties]):
    """State of one wait for a datastore to become ACTIVE (or DELETED)."""

    operation = ops.Operation.GET_DATASTORE

    def __init__(
        self,
        datastore_id: str,
        *,
        status: m.DatastoreStatus | str,
        timeout: float,
        poll_interval: float,
        clock: Callable[[], float],
    ) -> None:
        p = v.Problems("wait_for_datastore")
        v.identifier(p, "datastore_id", datastore_id)
        if status not in (D.ACTIVE, D.DELETED):
            p.add("status", "must be ACTIVE or DELETED")
        super().__init__(p, timeout=timeout, poll_interval=poll_interval, clock=clock)
        self._datastore_id = datastore_id
        self._status_wanted = D(status)

    def next_call(self) -> ops.Call[m.GetDatastoreOutput]:
        return ops.get_datastore(self._datastore_id)

    def accept(self, output: m.GetDatastoreOutput) -> m.DatastoreProperties | None:
        """The properties once the datastore has the status waited for; None to poll again; raises if it never will."""
        properties = self._seen(output.datastore_properties)
        status = properties.datastore_status
        if status == self._status_wanted:
            return properties
        if self._status_wanted == D.ACTIVE and status in (D.CREATE_FAILED, D.DELETING, D.DELETED):
            raise self._error(errors.WaiterError, f"is {status}, and will not become ACTIVE")
        return None

    def _status(self, properties: m.DatastoreProperties) -> str:
        return str(properties.datastore_status)

    def _subject(self) -> str:
        return f"datastore {self._datastore_id}"

    def _attach(self, error: errors.WaiterError) -> None:
        error.datastore_properties = self._last


class ImportJobWaiter(_StatusWaiter[m.DICOMImportJobProperties]):
    """State of one wait for an import job to end."""

    operation = ops.Operation.GET_DICOM_IMPORT_JOB

    def __init__(
        self,
        datastore_id: str,
        job_id: str,
        *,
        timeout: float,
        poll_interval: float,
        clock: Callable[[], float],
    ) -> None:
        p = v.Problems("wait_for_dicom_import_job")
        v.identifier(p, "datastore_id", datastore_id)
        r.JOB_ID.check(p, "job_id", job_id)
        super().__init__(p, timeout=timeout, poll_interval=poll_interval, clock=clock)
        self._datastore_id = datastore_id
        self._job_id = job_id

    def next_call(self) -> ops.Call[m.GetDICOMImportJobOutput]:
        return ops.get_dicom_import_job(self._datastore_id, self._job_id)

    def accept(self, output: m.GetDICOMImportJobOutput) -> m.DICOMImportJobProperties | None:
        """The job's properties once COMPLETED; None to poll again. Raises when the job FAILED."""
        job = self._seen(output.job_properties)
        if job.job_status == J.COMPLETED:
            return job
        if job.job_status == J.FAILED:
            # The service's own message says why; it names files and attributes, not their values.
            raise self._error(errors.WaiterError, "FAILED" + (f": {job.message}" if job.message else ""))
        return None

    def _status(self, properties: m.DICOMImportJobProperties) -> str:
        return str(properties.job_status)

    def _subject(self) -> str:
        return f"import job {self._job_id}"

    def _attach(self, error: errors.WaiterError) -> None:
        error.job_properties = self._last
