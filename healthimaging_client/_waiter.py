"""Waiting for an image set version to finish a write, as pure logic shared by both clients.

After UpdateImageSetMetadata or CopyImageSet the image set is ``LOCKED``
while the service works. An :class:`ImageSetWaiter` hands out the
ListImageSetVersions call to make, reads each output and says when to poll
again; the clients only send and sleep::

    while (done := waiter.accept(send(waiter.next_call()))) is None:   # ThrottlingException -> waiter.throttled()
        sleep(waiter.delay())                                          # raises WaiterTimeoutError at the deadline

The version waited for is the latest (the first item: versions come newest
first) unless one is named. It is done when it is no longer locked nor in an
in-progress workflow status; ``UPDATE_FAILED``, ``COPY_FAILED`` and
``IMPORT_FAILED`` raise :class:`~healthimaging_client.errors.WaiterError`.

:class:`ImageSetDeletionWaiter` waits the same way for a DeleteImageSet: it
polls GetImageSet until the image set is DELETED (LOCKED and DELETING until then).
"""

from __future__ import annotations

from collections.abc import Callable

from . import _operations as ops
from . import errors
from . import models as m
from ._wire import validation as v

S = m.ImageSetWorkflowStatus

IN_PROGRESS = frozenset(
    {S.UPDATING, S.UPDATING_FOR_STUDY_CONSISTENCY, S.COPYING, S.COPYING_WITH_READ_ONLY_ACCESS, S.IMPORTING, S.DELETING}
)
FAILED = frozenset({S.UPDATE_FAILED, S.COPY_FAILED, S.IMPORT_FAILED})

#: The longest wait between polls while the service keeps throttling.
MAX_THROTTLED_INTERVAL = 60.0
#: Page size when looking for a named version (the service's maximum).
_VERSIONS_PAGE = 50


class _Poll:
    """What every wait on an image set keeps: the image set, the deadline, and how long to wait between polls."""

    def __init__(
        self,
        p: v.Problems,
        datastore_id: str,
        image_set_id: str,
        *,
        timeout: float,
        poll_interval: float,
        clock: Callable[[], float],
    ) -> None:
        v.identifier(p, "datastore_id", datastore_id)
        v.identifier(p, "image_set_id", image_set_id)
        v.seconds(p, "timeout", timeout, allow_zero=True, allow_infinity=True)
        v.poll_interval(p, "poll_interval", poll_interval)
        p.raise_if_any()
        self._datastore_id = datastore_id
        self._image_set_id = image_set_id
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._interval = poll_interval
        self._clock = clock
        self._deadline = clock() + timeout

    def throttled(self, exc: errors.ThrottlingException) -> None:
        """Record that polling was throttled (after the call's own retries): poll less often."""
        self._interval = min(max(self._interval * 2, exc.retry_after or 0.0), MAX_THROTTLED_INTERVAL)

    def _remaining(self) -> float:
        return self._deadline - self._clock()


class ImageSetWaiter(_Poll):
    """State of one wait: which call to make next, and what each output means."""

    def __init__(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        version_id: int | str | None,
        timeout: float,
        poll_interval: float,
        clock: Callable[[], float],
    ) -> None:
        p = v.Problems("wait_for_image_set")
        self._version_id = v.version_id(p, "version_id", version_id, required=False)
        super().__init__(p, datastore_id, image_set_id, timeout=timeout, poll_interval=poll_interval, clock=clock)
        self._next_token: str | None = None
        self._last: m.ImageSetProperties | None = None

    def next_call(self) -> ops.Call[m.ListImageSetVersionsOutput]:
        """The ListImageSetVersions request to send now."""
        return ops.list_image_set_versions(
            self._datastore_id,
            self._image_set_id,
            max_results=1 if self._version_id is None else _VERSIONS_PAGE,
            next_token=self._next_token,
        )

    def accept(self, output: m.ListImageSetVersionsOutput) -> m.ImageSetProperties | None:
        """The version's properties when its write is over; None to poll again. Raises on a failed write."""
        self._interval = self._poll_interval
        found = self._find(output)
        if found is None:
            return None
        self._last = found
        status = found.image_set_workflow_status
        if status in FAILED:
            raise self._error(errors.WaiterError, f"ended in {status}", found)
        if found.image_set_state == m.ImageSetState.LOCKED or status in IN_PROGRESS:
            return None
        return found

    def _find(self, output: m.ListImageSetVersionsOutput) -> m.ImageSetProperties | None:
        versions = output.image_set_properties_list
        if self._version_id is None:
            if not versions:
                raise self._error(errors.WaiterError, "has no versions", None)
            return versions[0]
        match = next((p for p in versions if p.version_id == self._version_id), None)
        if match is not None:
            self._next_token = None
            return match
        if output.next_token and output.next_token != self._next_token:
            self._next_token = output.next_token
            return None
        raise self._error(errors.WaiterError, "was not found", None)

    def delay(self) -> float:
        """Seconds to sleep before the next call; raises WaiterTimeoutError once the timeout has passed."""
        if self._next_token is not None:
            return 0.0  # the next page of the same poll
        remaining = self._remaining()
        if remaining <= 0:
            state = "locked" if self._last is None else f"in {self._last.image_set_workflow_status or 'LOCKED'}"
            raise self._error(errors.WaiterTimeoutError, f"was still {state} after {self._timeout:g} s", self._last)
        return min(self._interval, remaining)

    def _error(
        self, cls: type[errors.WaiterError], what: str, properties: m.ImageSetProperties | None
    ) -> errors.WaiterError:
        version = self._version_id or (properties.version_id if properties else None)
        subject = f"image set {self._image_set_id}" + (f" version {version}" if version else "")
        message = f"{subject} {what}"
        if properties is not None and properties.message:
            message += f": {properties.message}"  # the service's own message: no patient data
        error = cls(message)
        error.operation = ops.Operation.LIST_IMAGE_SET_VERSIONS
        error.properties = properties
        return error


# --- waiting for a deletion (issue 15) ---------------------------------------------------


class ImageSetDeletionWaiter(_Poll):
    """State of one wait for DeleteImageSet to finish: polls GetImageSet until the image set is DELETED.

    While the service deletes, the image set is LOCKED with workflow status
    DELETING; when it is done GetImageSet reports ``imageSetState`` DELETED
    (with ``deletedAt``). A service that forgets the image set instead answers
    404, which the client method takes as done too.
    """

    def __init__(
        self,
        datastore_id: str,
        image_set_id: str,
        *,
        timeout: float,
        poll_interval: float,
        clock: Callable[[], float],
    ) -> None:
        p = v.Problems("wait_for_image_set_deletion")
        super().__init__(p, datastore_id, image_set_id, timeout=timeout, poll_interval=poll_interval, clock=clock)
        self._last: m.GetImageSetOutput | None = None

    def next_call(self) -> ops.Call[m.GetImageSetOutput]:
        return ops.get_image_set(self._datastore_id, self._image_set_id)

    def accept(self, output: m.GetImageSetOutput) -> m.GetImageSetOutput | None:
        """The output once the image set is DELETED; None to poll again."""
        self._interval = self._poll_interval
        self._last = output
        deleted = output.image_set_state == m.ImageSetState.DELETED or output.image_set_workflow_status == S.DELETED
        return output if deleted else None

    def delay(self) -> float:
        """Seconds to sleep before the next poll; raises WaiterTimeoutError once the timeout has passed."""
        remaining = self._remaining()
        if remaining > 0:
            return min(self._interval, remaining)
        last = self._last
        state = "unseen" if last is None else f"{last.image_set_state} ({last.image_set_workflow_status})"
        error = errors.WaiterTimeoutError(
            f"image set {self._image_set_id} was not deleted after {self._timeout:g} s: it is {state}"
        )
        error.operation = ops.Operation.GET_IMAGE_SET
        error.properties = last
        raise error
