"""No usable response: the request could not be sent or read (``TransportError``), or its body is unreadable."""

from __future__ import annotations

from .base import HealthImagingError

__all__ = ["ConnectError", "InvalidResponseError", "ResponseTooLargeError", "TimeoutError", "TransportError"]


class TransportError(HealthImagingError):
    """The request could not be sent, or its response could not be read in full.

    The message names the host and the kind of failure (DNS, refused, reset,
    timeout, ...); ``__cause__`` is a :class:`CauseSummary` of the transport's
    exception. ``request_sent`` is False when the request provably never left the
    client (no connection could be made, or none came free in time): then even a
    write that nothing guards is retried.
    """

    #: False when the request provably never left the client.
    request_sent: bool = True

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        request_sent: bool | None = None,
        host: str | None = None,
    ) -> None:
        self.operation = operation
        if request_sent is not None:
            self.request_sent = request_sent
        #: The host (and port) the request was for.
        self.host = host
        super().__init__(message)

    def __str__(self) -> str:
        text = super().__str__()
        if self.operation:
            text = f"{self.operation}: {text}"
        if self.attempts > 1:
            text += f" (after {self.attempts} attempts)"
        return text + self._unclear_outcome()


class ConnectError(TransportError):
    """No connection to the endpoint could be made."""

    request_sent = False


class TimeoutError(TransportError):
    """An attempt, or the whole call, took longer than its timeout (``timeout``, ``total_timeout``).

    The SDK enforces each attempt's deadline itself, reading the body included,
    whatever the transport does; waiting for a free connection counts too.
    """


class InvalidResponseError(HealthImagingError):
    """A successful status came with a body the SDK cannot read (bad JSON, bad gzip, missing fields)."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.operation = operation
        self.status_code = status_code
        self.request_id = request_id
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.operation}: {super().__str__()}" if self.operation else super().__str__()
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text + self._unclear_outcome()


class ResponseTooLargeError(InvalidResponseError):
    """A response body decodes to more than the client accepts (``max_response_bytes``), or inflates
    far more than real documents do (a decompression bomb). ``limit`` is the cap that was crossed, in bytes.

    The SDK stops reading as soon as the cap is crossed; the message names the cap, never content.
    """

    def __init__(self, message: str, *, limit: int, operation: str | None = None) -> None:
        self.limit = limit
        super().__init__(message, operation=operation)
