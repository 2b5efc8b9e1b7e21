"""The root of the exception tree: what every SDK error carries, and how it survives ``pickle``."""

from __future__ import annotations

from typing import Any

__all__ = ["HealthImagingError"]


def _rebuild(cls: type[HealthImagingError], args: tuple[Any, ...]) -> HealthImagingError:
    """An error of ``cls`` with ``args``, its ``__init__`` skipped (``pickle`` then restores its attributes)."""
    return cls.__new__(cls, *args)


class HealthImagingError(Exception):
    """Base of every exception raised by healthimaging_client."""

    #: Attempts made before the error was raised (set by the retry loop).
    attempts: int = 1
    #: The operation that failed, such as ``"SearchImageSets"``, when known.
    operation: str | None = None
    #: True when this is a write that may have been applied although the call failed: an attempt
    #: may have reached the service before this error. Find out before writing again.
    may_have_applied: bool = False

    def _unclear_outcome(self) -> str:
        """What the message adds when the write may have been applied anyway."""
        if not self.may_have_applied:
            return ""
        return (
            "; the write may have been applied all the same (an attempt may have reached the service):"
            " look for its effect before trying again"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls cls(*args), which keyword-only constructors refuse:
        # rebuild without __init__ and restore the attributes as they are.
        return (_rebuild, (type(self), self.args), self.__dict__)
