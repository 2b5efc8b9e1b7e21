"""Refusals before anything is sent: bad input, credentials, a closed client, the wrong event loop, a missing extra."""

from __future__ import annotations

from .base import HealthImagingError

__all__ = [
    "ClientClosedError",
    "CredentialsError",
    "ExtraNotInstalledError",
    "ParamValidationError",
    "WrongEventLoopError",
]


class ParamValidationError(HealthImagingError, ValueError):
    """The input broke one or more rules of the service model; no request was sent.

    ``problems`` lists each broken rule as ``"field.path: what is wrong"``.
    """

    def __init__(self, problems: list[str], *, operation: str | None = None) -> None:
        self.problems = list(problems)
        self.operation = operation
        where = f" for {operation}" if operation else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Invalid parameters{where}:\n{lines}")


class CredentialsError(HealthImagingError):
    """No AWS credentials were found, loading them failed, or they cannot be sent.

    The message says what is wrong and, when known, which provider of the
    credential chain (``provider``: ``"env"``, ``"custom-process"``, ``"sso"``...)
    or which profile; it never holds a key, a secret or a token.
    """

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        #: The botocore credential provider involved, when known.
        self.provider = provider
        super().__init__(message)


class ClientClosedError(HealthImagingError, RuntimeError):
    """The client (or the ``httpx`` client it sends with) was closed: nothing was sent, and nothing is retried."""


class WrongEventLoopError(HealthImagingError, RuntimeError):
    """An ``AsyncClient`` was used from another event loop than the one it first ran on.

    Its connections belong to that loop. Make one ``AsyncClient`` per event loop
    (per ``asyncio.run``), and close it before its loop ends (``async with``).
    """


class ExtraNotInstalledError(HealthImagingError, ImportError):
    """A feature needs an optional extra that is not installed; the message says what to install."""

    def __init__(self, extra: str, missing: str, feature: str) -> None:
        self.extra = extra
        self.missing = missing
        super().__init__(
            f"{feature} needs the {extra!r} extra ({missing} is not installed): "
            f"pip install 'healthimaging-client[{extra}]'",
            name=missing,
        )
