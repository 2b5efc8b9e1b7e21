"""The emulator writes an answer as the service does: JSON bodies, a request id, and AWS-style errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import attrs

from ._faults import ServiceFault


@attrs.frozen
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Seconds the shell waits before answering (a fault hook), 0 for none.
    delay: float = 0.0


def headers(**extra: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4()), **extra}


def json_response(output: Mapping[str, Any]) -> Response:
    return Response(200, headers(), json.dumps(output, separators=(",", ":")).encode())


def error_response(fault: ServiceFault) -> Response:
    error_type = f"{fault.code}:http://internal.amazon.com/coral/com.amazonaws.medicalimaging/"
    return Response(
        fault.status, headers(**{"x-amzn-ErrorType": error_type}), json.dumps({"message": fault.message}).encode()
    )
