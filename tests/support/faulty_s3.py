"""A loopback proxy in front of the moto S3 server that injects the faults S3 really gives.

Requests whose path matches ``when`` get an S3 error response (503 SlowDown, 500
InternalError...) for their first ``times`` attempts, then pass through to the real server.
boto3 and pyarrow talk to the proxy over HTTP exactly as they talk to S3.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ERRORS = {
    503: ("SlowDown", "Please reduce your request rate."),
    500: ("InternalError", "We encountered an internal error. Please try again."),
    403: ("AccessDenied", "Access Denied"),
}


@dataclass
class Faults:
    """Which requests fail, how, and how often they were answered with a fault."""

    when: Callable[[str, str], bool]  # (method, path) -> inject?
    status: int = 503
    times: int = 2  # per path; a large number means always
    injected: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, method: str, path: str) -> bool:
        if not self.when(method, path):
            return False
        with self.lock:
            if self.injected[path] >= self.times:
                return False
            self.injected[path] += 1
            return True


@contextmanager
def faulty_proxy(upstream: str, faults: Faults) -> Iterator[str]:
    """Serve a proxy to ``upstream`` on 127.0.0.1; yields its endpoint URL."""
    target = urlsplit(upstream)
    if target.hostname is None:
        raise ValueError(f"no host in {upstream}")
    host: str = target.hostname
    port = target.port

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if faults.take(self.command, self.path.split("?", 1)[0]):
                code, message = ERRORS[faults.status]
                payload = (
                    f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                    f"<Message>{message}</Message><RequestId>FAULT</RequestId></Error>"
                ).encode()
                self.send_response(faults.status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                return
            conn = http.client.HTTPConnection(host, port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            conn.request(self.command, self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            self.send_response(reply.status)
            skip = ("transfer-encoding", "connection", "content-length")
            for key, value in reply.getheaders():
                if key.lower() not in skip:
                    self.send_header(key, value)
            # a HEAD answer carries the object's length, not the (empty) body's
            length_header = reply.getheader("Content-Length")
            size = length_header if self.command == "HEAD" and length_header else len(data)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
