"""The emulator's error answers: a status, the service's error code and a message that holds no value."""

from __future__ import annotations


class ServiceFault(Exception):
    """An error response: HTTP status, error code and a value-free message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def validation(message: str) -> ServiceFault:
    return ServiceFault(400, "ValidationException", message)


def conflict(message: str) -> ServiceFault:
    return ServiceFault(409, "ConflictException", message)


def not_found(message: str) -> ServiceFault:
    return ServiceFault(404, "ResourceNotFoundException", message)
