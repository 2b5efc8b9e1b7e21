"""A one-line progress display on the terminal, for work that takes a while.

It draws on stderr only when stderr is a terminal (so pipes and files stay
clean) and the SDK's debug log is off (then the log shows the progress, and
a redrawn line would garble it); only once the work has run for
:data:`DELAY` seconds (so quick commands do not flicker); and from a thread,
so that it keeps moving while the SDK blocks on a call. With a total it is a
bar; without, a spinner with a count. Leaving the block erases the line.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from types import TracebackType
from typing import Self, TextIO

#: Seconds of work before the display appears.
DELAY = 0.3
#: Seconds between redraws.
INTERVAL = 0.1
_SPINNER = "|/-\\"
_BAR_WIDTH = 24


def terminal(stream: TextIO) -> bool:
    """Whether a display on ``stream`` would reach a person at a terminal that can redraw a line."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class Progress:
    """``with Progress("searching", unit="image sets") as progress: progress.advance(n)``."""

    def __init__(self, label: str, *, unit: str = "", total: int | None = None, stream: TextIO | None = None) -> None:
        self._label = label
        self._unit = unit
        self._total = total
        self._stream = stream if stream is not None else sys.stderr
        self._done = 0
        self._started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        if terminal(self._stream) and not logging.getLogger("healthimaging_client").isEnabledFor(logging.DEBUG):
            self._thread = threading.Thread(target=self._run, name="healthimaging-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()

    def advance(self, count: int = 1) -> None:
        self._done += count

    def update(self, done: int, total: int | None) -> None:
        """Where the work stands, when the work itself counts (and learns its total as it goes)."""
        self._done, self._total = done, total

    def line(self, elapsed: float, tick: int) -> str:
        """The text drawn after ``elapsed`` seconds, at the ``tick``-th redraw."""
        seconds = f"{elapsed:.0f}s"
        if self._total:
            filled = min(_BAR_WIDTH, _BAR_WIDTH * self._done // self._total)
            bar = "[" + "#" * filled + "." * (_BAR_WIDTH - filled) + "]"
            parts = [self._label, bar, f"{self._done}/{self._total}", self._unit, seconds]
        else:
            count = str(self._done) if self._unit else ""
            parts = [_SPINNER[tick % len(_SPINNER)], self._label, count, self._unit, seconds]
        return " ".join(part for part in parts if part)

    def _run(self) -> None:
        if self._stop.wait(DELAY):
            return
        tick = 0
        while True:
            self._stream.write("\r\x1b[K" + self.line(time.monotonic() - self._started, tick))
            self._stream.flush()
            self._drawn = True
            tick += 1
            if self._stop.wait(INTERVAL):
                return
