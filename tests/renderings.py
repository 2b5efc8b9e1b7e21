"""Everything an exception shows, as the canary tests read it: every way a user or a tool can print it.

For the exception and each exception it chains (``__cause__`` and
``__context__``, suppressed or not): ``str``, ``repr``, ``args``, the other
attributes, an attached ``request`` or ``response`` (httpx's carry the
headers and body), and ``traceback.format_exception``. For the exception as
raised: the traceback with the locals of every frame, as ``pytest
--showlocals`` renders it and as ``rich.traceback`` with ``show_locals=True``
renders it (rich looks inside containers, named tuples and attrs classes,
where pytest shows a ``repr``). Nothing is truncated, and rich is given a
width no line wraps in, so a canary cannot hide across a line break.

The frames of the tests themselves are left out of the locals: they are the
user's code, whose variables are the user's to show. Every other frame's
locals are rendered: the SDK's, and those of any library an error passes.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.traceback import Traceback

TESTS = str(Path(__file__).resolve().parent)


def chained(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception reachable through ``__cause__`` and ``__context__``."""
    found: list[BaseException] = []
    stack = [exc]
    while stack:
        current = stack.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        stack += [linked for linked in (current.__cause__, current.__context__) if linked is not None]
    return found


def _attached(exc: BaseException) -> Iterator[str]:
    for name in ("request", "response", "_request", "_response"):
        try:
            value = getattr(exc, name, None)
        except Exception:  # httpx raises when no request is attached
            continue
        if value is None:
            continue
        yield repr(value)
        for part in ("headers", "url", "content"):
            try:
                yield repr(getattr(value, part, None))
            except Exception:
                continue


def with_pytest_locals(exc: BaseException) -> str:
    info = pytest.ExceptionInfo.from_exception(exc)
    return str(
        info.getrepr(
            showlocals=True,
            style="long",
            chain=True,
            truncate_locals=False,
            funcargs=True,
            tbfilter=lambda info: info.traceback.filter(lambda entry: not str(entry.path).startswith(TESTS)),
        )
    )


def with_rich_locals(exc: BaseException) -> str:
    """What ``rich.traceback`` shows with ``show_locals=True``: its extract, each local as rich renders it.

    This is the data rich's panels draw (``Traceback.extract``, then each ``Node`` rendered), on
    one line each and uncut: drawing the panels themselves costs a second a traceback and folds
    long values across lines.
    """
    trace = Traceback.extract(
        type(exc),
        exc,
        exc.__traceback__,
        show_locals=True,
        locals_max_length=None,  # type: ignore[arg-type]  # None means no limit
        locals_max_string=None,  # type: ignore[arg-type]
        locals_hide_dunder=False,
    )
    lines: list[str] = []
    for stack in trace.stacks:
        lines.append(f"{stack.exc_type}: {stack.exc_value}")
        for frame in stack.frames:
            if frame.filename.startswith(TESTS):
                continue
            lines.append(f"{frame.filename}:{frame.lineno} in {frame.name}")
            lines += [f"    {name} = {node.render(max_width=1_000_000)}" for name, node in (frame.locals or {}).items()]
    return "\n".join(lines)


def error_texts(exc: BaseException, *, locals_too: bool = True) -> Iterator[str]:
    """Every text ``exc`` and what it chains show."""
    for linked in chained(exc):
        yield str(linked)
        yield repr(linked)
        yield repr(linked.args)
        yield repr(vars(linked))
        yield from _attached(linked)
        yield "".join(traceback.format_exception(linked))
    if locals_too:
        yield with_pytest_locals(exc)
        yield with_rich_locals(exc)
