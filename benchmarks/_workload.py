"""One profiled workload of our SDK: ``python -m benchmarks._workload sync|async ROW CALLS ENDPOINT``.

``_map`` runs it: after the warm-up it prints ``ready`` and waits for a line on stdin, while
py-spy attaches, so that the profile holds the measured calls only. Then it prints the CPU
seconds per call of the measured loop.
"""

from __future__ import annotations

import asyncio
import sys
import time

from . import _phases, _sdks

#: Concurrent tasks of an async workload.
TASKS = 32


def _ready() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


async def _run_async(row: str, calls: int, endpoint: str) -> float:
    async with _sdks.ours_async_client(endpoint, TASKS) as client:
        fn = _sdks.ours_async_ops(client)[row]
        await asyncio.gather(*(fn() for _ in range(TASKS)))
        _ready()
        started = time.process_time()
        await _phases.drive(fn, TASKS, calls)
        return (time.process_time() - started) / calls


def main(mode: str, row: str, calls: int, endpoint: str) -> None:
    if mode == "async":
        per_call = asyncio.run(_run_async(row, calls, endpoint))
    else:
        client = _sdks.ours_client(endpoint)
        fn = _sdks.ours_ops(client)[row]
        for _ in range(50):
            fn()
        _ready()
        started = time.process_time()
        for _ in range(calls):
            fn()
        per_call = (time.process_time() - started) / calls
        client.close()
    print(f"per-call-cpu {per_call}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
