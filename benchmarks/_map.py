"""The map: where one call of our SDK spends its client CPU, by stage, from py-spy's stacks.

Each sample's stack is read from the root down; the innermost stage frame on it names the
stage (signing, building the request, sending and receiving, parsing, ...), and samples
outside every stage fall to the retry wrapper, the event loop or our own glue. The shares
times the CPU per call the profiled process measured give microseconds per call. Then the
micro-costs (``_micro``) of the pieces a call is made of.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import _micro, _phases
from ._report import table

#: (stage, file suffix, function names or None for any): a frame matching one starts that stage below it.
_STAGES: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    ("signing (botocore SigV4, credentials)", "healthimaging_client/_signing.py", None),
    ("request building: httpx.Request", "httpx/_client.py", frozenset({"build_request"})),
    ("request building: ours (validation, URL, body)", "healthimaging_client/_operations/image_sets.py", None),
    ("request building: ours (validation, URL, body)", "healthimaging_client/_operations/writes.py", None),
    ("request building: ours (validation, URL, body)", "healthimaging_client/_wire/validation.py", None),
    ("request building: ours (validation, URL, body)", "healthimaging_client/_wire/resource_rules.py", None),
    (
        "request building: ours (validation, URL, body)",
        "healthimaging_client/_core.py",
        frozenset({"_build_request"}),
    ),
    ("transport: httpx send and receive", "httpx/_client.py", frozenset({"send"})),
    (
        "transport: httpx send and receive",
        "httpx/_models.py",
        frozenset({"read", "aread", "iter_raw", "aiter_raw", "iter_bytes", "aiter_bytes", "close", "aclose"}),
    ),
    ("transport: httpx cookie parsing", "httpx/_models.py", frozenset({"extract_cookies"})),
    ("parsing: JSON, gzip, typed tree", "healthimaging_client/_operations/_call.py", frozenset({"parse"})),
    ("parsing: JSON, gzip, typed tree", "healthimaging_client/_wire/bodies.py", None),
    ("parsing: JSON, gzip, typed tree", "healthimaging_client/_wire/limits.py", None),
    ("parsing: JSON, gzip, typed tree", "healthimaging_client/metadata.py", None),
)
_MODEL_FILES = (
    "cattrs/",
    "<cattrs",
    "attr/",
    "<attrs",
    "healthimaging_client/_wire/converter.py",
    "healthimaging_client/models/",
)
_FALLBACKS = (
    ("retry wrapper (tenacity)", ("tenacity/", "healthimaging_client/_retry.py")),
    ("transport: httpx send and receive", ("aiohttp/", "httpx_aiohttp/", "httpx/", "httpcore/", "h11/", "multidict/")),
    ("event loop (asyncio)", ("asyncio/", "selectors.py")),
    ("our glue (send loop, logging, client methods)", ("healthimaging_client/",)),
)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):\d+\)$")


def classify(stack: list[tuple[str, str]]) -> str:
    """The stage of one sample; ``stack`` is (function, file) from the root to the leaf."""
    stage = None
    for function, file in stack:
        method = function.rsplit(".", 1)[-1]
        for name, suffix, functions in _STAGES:
            if file.endswith(suffix) and (functions is None or method in functions):
                stage = name
                break
        else:
            if stage == "parsing: JSON, gzip, typed tree" and any(marker in file for marker in _MODEL_FILES):
                stage = "model building (cattrs, attrs)"
    if stage is not None:
        return stage
    for _, file in reversed(stack):
        for name, markers in _FALLBACKS:
            if any(marker in file for marker in markers):
                return name
    return "other (the benchmark's loop)"


def _parse(line: str) -> tuple[list[tuple[str, str]], int]:
    frames, _, count = line.rpartition(" ")
    stack = []
    for frame in frames.split(";"):
        match = _FRAME.match(frame)
        stack.append((match["function"], match["file"]) if match else (frame, ""))
    return stack, int(count)


def shares(raw: str) -> dict[str, float]:
    """Each stage's share of the samples (py-spy leaves out the idle ones: waiting on a socket is not CPU)."""
    counts: dict[str, int] = {}
    for line in raw.splitlines():
        if not line.strip(" 0123456789"):
            continue  # a sample without a Python frame
        stack, count = _parse(line)
        if any(function == "_ready" for function, _ in stack):
            continue  # waiting for py-spy to attach
        stage = classify(stack)
        counts[stage] = counts.get(stage, 0) + count
    total = sum(counts.values()) or 1
    return {stage: count / total for stage, count in counts.items()}


def profile(mode: str, row: str, calls: int, endpoint: str) -> tuple[dict[str, float], float]:
    """Stage shares and CPU seconds per call of one workload in a fresh process, py-spy attached after its warm-up."""
    py_spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stacks.txt")
        workload = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._workload", mode, row, str(calls), endpoint],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=_phases.ROOT,
        )
        assert workload.stdin is not None and workload.stdout is not None
        if workload.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {mode} {row} workload did not start")
        command = [py_spy, "record", "--rate", "500", "--format", "raw", "--output", out, "--pid", str(workload.pid)]
        sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # py-spy attaches
        workload.stdin.write("go\n")
        workload.stdin.flush()
        line = workload.stdout.readline()
        workload.wait()
        sampler.wait()
        with open(out) as stacks:
            return shares(stacks.read()), float(line.split()[1])


WORKLOADS = (
    ("sync", "GetImageSetMetadata 3 KB"),
    ("sync", "GetImageSetMetadata 18 KB"),
    ("sync", "SearchImageSets"),
    ("async", "GetImageSetMetadata 3 KB"),
    ("async", "SearchImageSets"),
)


def run(endpoint: str, *, quick: bool) -> list[str]:
    """The map's section of the report."""
    calls = 400 if quick else 4000
    out = ["", "## The map: where our client CPU goes", ""]
    if not (shutil.which("py-spy") or os.path.exists(os.path.join(os.path.dirname(sys.executable), "py-spy"))):
        out += ["py-spy is not installed here (`nox -s bench` installs it): no breakdown.", ""]
    else:
        profiled = {f"{mode} {row}": profile(mode, row, calls, endpoint) for mode, row in WORKLOADS}
        stages = sorted(
            {s for shares_, _ in profiled.values() for s in shares_},
            key=lambda s: -max(p[0].get(s, 0.0) for p in profiled.values()),
        )
        out += [
            f"py-spy (500 samples/s) over {calls} calls of each workload in a fresh process (async: {32} tasks),",
            "our SDK as it is today. Each cell is the stage's share of the call's client CPU and, in",
            "parentheses, µs per call (the share times the CPU per call that process measured, under the",
            "profiler). A sample belongs to the innermost stage on its stack, so the stdlib a stage calls",
            "(hmac under signing, sockets under sending) counts in that stage.",
            "",
        ]
        header = ["stage", *profiled]
        rows = [
            [
                stage,
                *(f"{p[0].get(stage, 0.0):.0%} ({p[0].get(stage, 0.0) * p[1] * 1e6:.0f})" for p in profiled.values()),
            ]
            for stage in stages
        ]
        rows.append(["client CPU per call (µs)", *(f"{p[1] * 1e6:.0f}" for p in profiled.values())])
        out += table(header, rows)
    out += ["", "### Micro-costs (CPU µs per operation, median of 5 runs)", ""]
    out += table(
        ["what", "µs", "how"], [[what, f"{us:.1f}", how] for what, us, how in _micro.run(endpoint, quick=quick)]
    )
    return out
