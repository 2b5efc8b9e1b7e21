"""Where a call's client CPU goes, by package: cProfile's own time per function, summed per package."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable

_GROUPS = (
    ("/healthimaging_client/", "healthimaging-client"),
    ("/httpx_aiohttp/", "aiohttp"),
    ("/aiohttp/", "aiohttp"),
    ("/httpx/", "httpx + httpcore + h11"),
    ("/httpcore/", "httpx + httpcore + h11"),
    ("/h11/", "httpx + httpcore + h11"),
    ("/botocore/", "botocore (SigV4)"),
    ("/cattrs/", "attrs + cattrs"),
    ("<cattrs", "attrs + cattrs"),
    ("/attr/", "attrs + cattrs"),
    ("<attrs", "attrs + cattrs"),
    ("/tenacity/", "tenacity"),
    ("/json/", "json + gzip"),
    ("/gzip.py", "json + gzip"),
    ("/asyncio/", "asyncio"),
)


def _group(filename: str, function: str) -> str:
    if filename == "~":  # a builtin: socket calls are the kernel's loopback work
        if "socket" in function or "select" in function or "epoll" in function:
            return "socket I/O (kernel)"
        if "zlib" in function or "decode" in function:
            return "json + gzip"
        return "builtins"
    for marker, group in _GROUPS:
        if marker in filename:
            return group
    return "stdlib, other"


def shares(run: Callable[[], object]) -> dict[str, float]:
    """Each package's share of the profiled run's own time, largest first."""
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for (filename, _, function), (_, _, tottime, _, _) in stats.items():
        group = _group(filename, function)
        totals[group] = totals.get(group, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    return dict(sorted(((k, v / whole) for k, v in totals.items()), key=lambda kv: -kv[1]))
