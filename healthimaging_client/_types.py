"""Small public types shared by the clients' signatures."""

from __future__ import annotations

import enum
from typing import Final, Literal


class NotGiven(enum.Enum):
    """The type of :data:`NOT_GIVEN`: "not passed", where ``None`` is a meaningful value.

    ``timeout=None`` means "no timeout"; leaving ``timeout`` out means "the default".
    """

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


#: The default of parameters whose ``None`` means something of its own.
NOT_GIVEN: Final = NotGiven.NOT_GIVEN
