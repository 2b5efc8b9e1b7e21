"""The emulator's loopback server in a subprocess, for tests that drive it over HTTP (boto3 among them)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator, Set
from typing import Any

import boto3
from botocore.config import Config

SETTINGS = frozenset({"endpoint_url", "datastore_id", "region_name", "aws_access_key_id", "aws_secret_access_key"})


@contextlib.contextmanager
def emulator_server(*arguments: str, settings: Set[str] = SETTINGS) -> Iterator[dict[str, str]]:
    """``python -m healthimaging_client.testing serve --port 0 ...``; yields the ``KEY=value`` lines it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "healthimaging_client.testing", "serve", "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed: dict[str, str] = {}
        while not printed.keys() >= settings:
            line = process.stdout.readline()
            assert line, "the server exited before printing its settings"
            key, _, value = line.strip().partition("=")
            printed[key] = value
        yield printed
    finally:
        process.terminate()
        process.wait(timeout=10)


def boto3_client(settings: dict[str, str]) -> Any:
    """A boto3 client for the server: no ``runtime-`` host prefix on its loopback address, and no retries."""
    return boto3.client(
        "medical-imaging",
        endpoint_url=settings["endpoint_url"],
        region_name=settings["region_name"],
        aws_access_key_id=settings["aws_access_key_id"],
        aws_secret_access_key=settings["aws_secret_access_key"],
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )
