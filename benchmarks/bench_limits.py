"""What a hostile response costs in memory: a gzip bomb and a huge search body, against both clients.

``python -m benchmarks.bench_limits [--json]``

A loopback server (its own process) answers GetImageSetMetadata with a 1 MB gzip
body that inflates to 1 GiB (its trailer honest, or lying about its size), and
SearchImageSets with a 200 MB body (its length declared, or chunked). Each
case runs in a fresh process with the client's default settings; the table
gives how the call ended and the process's peak memory above what it held just
before the call (``ru_maxrss``); the baseline, a small search, shows what any
first call costs (AsyncClient imports aiohttp then). Run it from another
checkout to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import struct
import subprocess
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._loopback import serving

MiB = 2**20
DATASTORE_ID = "0123456789abcdef0123456789abcdef"
IMAGE_SET_ID = "fedcba9876543210fedcba9876543210"
SEARCH_BYTES = 200 * 10**6
SEARCH_HEAD, SEARCH_TAIL = b'{"imageSetsMetadataSummaries": [', b"]}"


def gzip_bomb(inflated: int, *, trailer_says: int) -> bytes:
    """A gzip member of ``inflated`` zero bytes (CRC left wrong), from one compressed MiB repeated."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(bytes(MiB)) + deflate.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (inflated // MiB) + final + struct.pack("<II", 0, trailer_says % 2**32)


CASES = {
    "baseline: a 1 KB search body": ("search", {"small": True}),
    "bomb 1 MB -> 1 GiB, honest trailer": ("metadata", {"bomb": 2**30}),
    "bomb 1 MB -> 1 GiB, lying trailer": ("metadata", {"bomb": 3000}),
    "search body 200 MB, length declared": ("search", {"chunked": False}),
    "search body 200 MB, chunked": ("search", {"chunked": True}),
}


# --- the server -------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    case = ""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind, options = CASES[self.case]
        try:
            if kind == "metadata":
                body = gzip_bomb(2**30, trailer_says=options["bomb"])
                self._head({"Content-Encoding": "gzip", "Content-Length": str(len(body))})
                self.wfile.write(body)
            elif options.get("small"):
                body = b'{"imageSetsMetadataSummaries": []}' + b" " * 1000
                self._head({"Content-Length": str(len(body))})
                self.wfile.write(body)
            elif options["chunked"]:
                self._head({"Transfer-Encoding": "chunked"})
                self._chunked()
            else:
                self._head({"Content-Length": str(len(SEARCH_HEAD) + SEARCH_BYTES + len(SEARCH_TAIL))})
                self._padded_search(self.wfile.write)
        except OSError:
            pass  # the client stopped reading: that is the point

    def _head(self, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _chunked(self) -> None:
        def chunk(data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

        self._padded_search(chunk)
        self.wfile.write(b"0\r\n\r\n")

    @staticmethod
    def _padded_search(write: Any) -> None:
        write(SEARCH_HEAD)
        for _ in range(SEARCH_BYTES // MiB):
            write(b" " * MiB)
        write(b" " * (SEARCH_BYTES % MiB) + SEARCH_TAIL)


def _serve(case: str) -> None:
    _Handler.case = case
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


# --- one client process -------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _client(kind: str, case: str, endpoint: str) -> dict[str, Any]:
    import healthimaging_client as hic

    settings: dict[str, Any] = {
        "region_name": "us-east-1",
        "aws_access_key_id": "AKIDBENCHMARKLIMITS0",
        "aws_secret_access_key": "benchmark-secret-not-a-real-key-000000000",
        "endpoint_url": endpoint,
        "retry": hic.RetryConfig(max_attempts=1),
    }
    operation = CASES[case][0]

    async def call(client: Any) -> Any:
        if operation == "metadata":
            return await client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID)
        return await client.search_image_sets(DATASTORE_ID)

    async def run_async() -> Any:
        async with hic.AsyncClient(**settings) as client:
            return await call(client)

    def run_sync() -> Any:
        with hic.Client(**settings) as client:
            return (
                client.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID)
                if operation == "metadata"
                else client.search_image_sets(DATASTORE_ID)
            )

    before = _rss()
    try:
        asyncio.run(run_async()) if kind == "async" else run_sync()
        outcome = "accepted"
    except hic.HealthImagingError as exc:
        outcome = type(exc).__name__
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"client": kind, "case": case, "outcome": outcome, "peak_above_start_mb": (peak - before) / 10**6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve)
        return
    if args.client:
        print(json.dumps(_client(*args.client)))
        return
    rows = []
    for case in CASES:
        with serving("benchmarks.bench_limits", "--serve", case) as endpoint:
            for kind in ("sync", "async"):
                command = [sys.executable, "-m", "benchmarks.bench_limits", "--client", kind, case, endpoint]
                rows.append(json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| case | client | outcome | peak memory above the start (MB) |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['client']} | {r['outcome']} | {r['peak_above_start_mb']:.0f} |")


if __name__ == "__main__":
    main()
