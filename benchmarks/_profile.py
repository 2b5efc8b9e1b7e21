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


#: Stages of one call: (label, file the function is in, function name); their time includes what they call.
STAGES = (
    ("sign (botocore SigV4, with the stdlib it calls)", "healthimaging_client/_signing.py", "sign"),
    ("build the httpx.Request (client.build_request)", "httpx/_client.py", "build_request"),
    ("send and receive (httpx client, transport, socket)", "httpx/_client.py", "send"),
    ("parse the response into models", "healthimaging_client/_operations.py", "parse"),
)


def shares(run: Callable[[], object]) -> dict[str, float]:
    """Each stage's share of the profiled run (time including callees), then each package's share of own time."""
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    own: dict[str, float] = {}
    stage: dict[str, float] = {}
    for (filename, _, function), (_, _, tottime, cumtime, _) in stats.items():
        group = "package: " + _group(filename, function)
        own[group] = own.get(group, 0.0) + tottime
        for label, path, name in STAGES:
            if function == name and filename.endswith(path):
                stage["stage: " + label] = stage.get("stage: " + label, 0.0) + cumtime
    whole = sum(own.values()) or 1.0
    ordered = [(label, stage.get("stage: " + label, 0.0)) for label, _, _ in STAGES]
    return {
        **{"stage: " + k: v / whole for k, v in ordered},
        **dict(sorted(((k, v / whole) for k, v in own.items()), key=lambda kv: -kv[1])),
    }
