"""Run every benchmark against one loopback server, then print and write the report.

``python -m benchmarks [--quick] [--output PATH] [--no-map]`` (``nox -s bench`` runs it in a venv
with the peers). The full run takes about 20 minutes on a quiet machine and writes docs/performance.md; ``--quick``
is a smoke run of a couple of minutes that writes nothing unless given ``--output``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from importlib import metadata

from . import _map, _phases, _report, _sdks

_DISTRIBUTIONS = (
    "healthimaging-client",
    "httpx",
    "httpx-aiohttp",
    "aiohttp",
    "botocore",
    "boto3",
    "aioboto3",
    "aiobotocore",
    "capo-medical-imaging",
    "zapros",
    "attrs",
    "cattrs",
    "tenacity",
    "uvloop",
)
FULL = {
    "reps": 15,
    "calls": 300,
    "page_reps": 9,
    "cold_reps": 15,
    "async_reps": 11,
    "async_calls": 900,
    "mb": 50.0,
    "large_reps": 5,
}
QUICK = {
    "reps": 3,
    "calls": 60,
    "page_reps": 3,
    "cold_reps": 3,
    "async_reps": 3,
    "async_calls": 300,
    "mb": 5.0,
    "large_reps": 3,
}


def _available(names: list[str]) -> tuple[list[str], list[str]]:
    found, missing = [], []
    for name in names:
        try:
            __import__(_sdks.MODULES[name])
            found.append(name)
        except ImportError as exc:
            missing.append(f"{name}: not installed ({exc}); `nox -s bench` installs every peer")
    return found, missing


def _load() -> str:
    with open("/proc/loadavg") as loadavg:
        return ", ".join(loadavg.read().split()[:3])


def machine() -> dict[str, str]:
    with open("/proc/cpuinfo") as cpuinfo:
        models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    versions = []
    for dist in _DISTRIBUTIONS:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    return {
        "cores": str(os.cpu_count()),
        "cpu": models[0] if models else platform.processor(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "packages": ", ".join(versions),
    }


def _step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a couple of minutes")
    parser.add_argument("--output", help="where to write the report (default: docs/performance.md, not with --quick)")
    parser.add_argument("--no-map", action="store_true", help="skip the profile of where our client CPU goes")
    default_loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser.add_argument("--server-loop", choices=("uvloop", "asyncio"), default=default_loop)
    parser.add_argument("--seed", type=int, default=int(time.time()), help="of the shuffled orders")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    settings: dict[str, object] = dict(plan)
    output = args.output or (None if args.quick else os.path.join(_phases.ROOT, "docs", "performance.md"))
    os.environ.update(_phases.ISOLATED_ENV)
    sync, missing = _available(list(_sdks.SYNC))
    asyncs, missing_async = _available(list(_sdks.ASYNC))
    if "ours" not in sync:
        raise SystemExit("healthimaging_client is not importable: install the package (pip install -e .)")
    settings["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    settings["load_start"] = _load()
    seed = settings["seed"] = args.seed
    server = _phases.Server(args.server_loop)
    try:
        _step("checking every variant against the verifying server")
        problems = _phases.check_all(server, sync, asyncs)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        verify_every = 32
        server.control(f"verify-every/{verify_every}")
        _step("cold starts")
        cold_variants = [name for name in sync if name != "floor C"]
        cold_seconds, cold_rss = _phases.cold_starts(server, cold_variants, int(plan["cold_reps"]), seed)
        _step("sequential calls")
        cpu, wall = _phases.sequential(server, sync, int(plan["reps"]), int(plan["calls"]), seed)
        _step("pagination")
        pages = _phases.pagination(server, sync, int(plan["page_reps"]), seed)
        _step("async fan-out")
        rate, async_cpu = _phases.fan_out(server, asyncs, int(plan["async_reps"]), int(plan["async_calls"]), seed)
        map_lines: list[str] = []
        if not args.no_map:
            _step("the map: where our client CPU goes")
            map_lines = _map.run(server.endpoint, quick=args.quick)
        stats = server.control("stats")
    finally:
        server.close()
    _step(f"a {settings['mb']:g} MB metadata document")
    large = _phases.large_metadata(plan["mb"], int(plan["large_reps"]), seed)
    settings["load_end"] = _load()
    if stats["failed"]:
        print(f"the server rejected requests during the measurements: {stats['failures']}", file=sys.stderr)
        return 1
    shares = server.shares or [0.0]
    command = " ".join(["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)])
    results = _report.Results(
        command=command,
        machine=machine(),
        settings=settings,
        cold_seconds=cold_seconds,
        cold_rss=cold_rss,
        cpu=cpu,
        wall=wall,
        pages=pages,
        rate=rate,
        async_cpu=async_cpu,
        large=large,
        server={
            "loop": args.server_loop,
            "share_median": statistics.median(shares),
            "share_max": max(shares),
            "checked": stats["verified"],
            "failed": stats["failed"],
            "verify_every": verify_every,
        },
        map_lines=map_lines,
        notes=sorted(set(missing + missing_async)),
    )
    text = _report.render(results)
    print(text)
    if output:
        with open(output, "w") as out:
            out.write(text)
        _step(f"written to {os.path.relpath(output, _phases.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
