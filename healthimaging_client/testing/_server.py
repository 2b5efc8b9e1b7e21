"""The loopback shell: a threaded HTTP server on 127.0.0.1 around the protocol core."""

from __future__ import annotations

import http.server
import sys
import threading
import time
from typing import Any

from ._protocol import Protocol


def make_server(protocol: Protocol, port: int = 0, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A server bound to ``host:port`` (0 picks a free port); call ``serve_forever`` to run it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            raw_path, _, raw_query = self.path.partition("?")
            answer = protocol.handle(self.command, raw_path, raw_query, dict(self.headers.items()), body)
            if answer.delay:
                time.sleep(answer.delay)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_POST = do_GET = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: request lines carry paths and queries, and tests read stdout."""

    server = _Server((host, port), Handler)
    server.daemon_threads = True
    return server


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout) before its answer was written is no error of the emulator's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve_in_thread(server: http.server.ThreadingHTTPServer) -> threading.Thread:
    # A short poll interval lets shutdown() return quickly when a test's block ends.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="healthimaging-emulator", daemon=True
    )
    thread.start()
    return thread
