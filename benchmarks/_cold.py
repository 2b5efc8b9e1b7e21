"""One cold start, in a fresh process: ``python -m benchmarks._cold SDK ENDPOINT``.

Times import, client creation and the first GetImageSetMetadata call, then
reads the resident set size; prints both as JSON on stdout.
"""

from __future__ import annotations

import time

_started = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402

from . import _sdks  # noqa: E402


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(sdk: str, endpoint: str) -> None:
    make_client, make_ops, _ = _sdks.SYNC[sdk]
    make_ops(make_client(endpoint))["GetImageSetMetadata 3 KB"]()
    elapsed = time.perf_counter() - _started
    print(json.dumps({"seconds": elapsed, "cpu": time.process_time(), "rss_kib": _rss_kib()}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
