"""``healthimaging``: the command line of the SDK (also ``python -m healthimaging_client``).

It needs the ``cli`` extra (click): ``pip install 'healthimaging-client[cli]'``.
Nothing in the core package imports this one.
"""

from __future__ import annotations

import sys

from ._exit import ExitCode

__all__ = ["main"]

MISSING_EXTRA = "healthimaging: the command line needs the cli extra: pip install 'healthimaging-client[cli]'"


def main() -> None:
    """The console script's entry point."""
    try:
        from ._app import cli
    except ImportError as exc:
        if exc.name != "click":
            raise
        print(MISSING_EXTRA, file=sys.stderr)
        sys.exit(ExitCode.CONFIG)

    cli.main(prog_name="healthimaging")
