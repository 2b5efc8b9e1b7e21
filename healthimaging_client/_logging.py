"""What the SDK logs, and the one switch that lets bodies into the log.

The ``healthimaging_client`` logger records each attempt at DEBUG (operation,
HTTP status or transport failure, request id, attempt number, time taken) and
each retry at INFO. Request and response bodies hold patient data (search
criteria, DICOM values, metadata documents), so they are logged only when a
client is created with ``log_bodies=True``: then both bodies of every
exchange go to the ``healthimaging_client.bodies`` logger at DEBUG, and the
client warns once, when it is created, that PHI will be logged. Credentials
and signatures are never logged, with or without the switch.
"""

from __future__ import annotations

import logging
import warnings

logger = logging.getLogger("healthimaging_client")
body_logger = logging.getLogger("healthimaging_client.bodies")

#: Bodies longer than this many bytes are cut in the log (a metadata document can be megabytes).
MAX_LOGGED_BODY = 65_536


def warn_body_logging() -> None:
    """Say, once per client, that the switch is on and what it exposes."""
    warnings.warn(
        "healthimaging_client: log_bodies=True logs request and response bodies, which hold patient data "
        "(PHI), at DEBUG on the 'healthimaging_client.bodies' logger; never use it with real patient data",
        UserWarning,
        stacklevel=3,
    )


def log_response(operation: str, status: int, request_id: str | None, attempt: int, elapsed: float) -> None:
    logger.debug(
        "%s -> HTTP %d (request id %s, attempt %d, %.1f ms)",
        operation,
        status,
        request_id,
        attempt,
        elapsed * 1000,
    )


def log_retry(operation: str, reason: str, attempt: int, max_attempts: int, delay: float) -> None:
    logger.info("retrying %s after %s (attempt %d of %d) in %.3fs", operation, reason, attempt, max_attempts, delay)


def log_transport_failure(operation: str, failure: str, attempt: int, elapsed: float) -> None:
    """One attempt that no response ended; ``failure`` names what failed (a type name: no value)."""
    logger.debug("%s -> %s, failed (attempt %d, %.1f ms)", operation, failure, attempt, elapsed * 1000)


def _shown(body: bytes) -> str:
    if _binary(body):
        return f"<{len(body)} bytes of binary data, not shown>"  # a frame's codestream, say
    text = body[:MAX_LOGGED_BODY].decode("utf-8", errors="replace")
    if len(body) > MAX_LOGGED_BODY:
        text += f" ... ({len(body) - MAX_LOGGED_BODY} more bytes)"
    return text


def _binary(body: bytes) -> bool:
    """Whether a body is no UTF-8 text (a character cut at the logged length's edge does not count)."""
    head = body[:MAX_LOGGED_BODY]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3 or len(head) == len(body)
    return False


def log_bodies(operation: str, request_body: bytes | None, response_body: bytes) -> None:
    """Both bodies of one exchange; called only when the client's ``log_bodies`` switch is on."""
    body_logger.debug("%s request body: %s", operation, _shown(request_body or b""))
    body_logger.debug("%s response body: %s", operation, _shown(response_body))
