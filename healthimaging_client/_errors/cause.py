"""``CauseSummary``: another library's failure, described without its values, chained in its place."""

from __future__ import annotations

from typing import Self

from .base import HealthImagingError

__all__ = ["CauseSummary"]


class CauseSummary(HealthImagingError):
    """Never raised: what another library's exception was, without its values, chained in its place as ``__cause__``.

    ``type_names`` lists the exception and what it chained in turn (``"httpx.ConnectError"``,
    ``"socket.gaierror"``); ``description`` says what failed in words that hold no value.
    """

    def __init__(self, type_names: tuple[str, ...], description: str) -> None:
        self.type_names = type_names
        self.description = description
        super().__init__(type_names, description)

    def __str__(self) -> str:
        return f"{' <- '.join(self.type_names)}: {self.description}"

    def __repr__(self) -> str:
        return f"CauseSummary({self.type_names!r}, {self.description!r})"

    @classmethod
    def of(cls, exc: BaseException, description: str, *, depth: int = 6) -> Self:
        """A summary of ``exc`` and the exceptions it chains (up to ``depth``), described as ``description``."""
        names: list[str] = []
        current: BaseException | None = exc
        while current is not None and len(names) < depth:
            kind = type(current)
            module = kind.__module__.split("._")[0]  # h11._util.RemoteProtocolError -> h11.RemoteProtocolError
            names.append(kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}")
            current = current.__cause__ or current.__context__
        return cls(tuple(names), description)
