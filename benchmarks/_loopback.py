"""A benchmark's server in its own process on 127.0.0.1: started, its address read, and stopped."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def serving(module: str, *arguments: str) -> Iterator[str]:
    """Run ``python -m module *arguments`` (which prints its port, then serves) and yield its endpoint."""
    server = subprocess.Popen([sys.executable, "-m", module, *arguments], stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{int(server.stdout.readline())}"
    finally:
        server.terminate()
        server.wait()
