"""A local Sentry ingest endpoint: accepts envelopes as sentry-sdk sends them and keeps them.

The SDK posts to /api/<project>/envelope/ with an X-Sentry-Auth header and a (possibly
gzip-compressed) body of newline-separated JSON: the envelope header, then item header and
payload pairs. Tests read `raw` (every byte received, decompressed) and `events`.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSentry:
    def __init__(self, public_key: str = "publickey123"):
        self.public_key = public_key
        self.raw: list[str] = []
        self.items: list[tuple[dict, object]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        host, port = self._server.server_address
        return f"http://{self.public_key}@{host}:{port}/42"

    @property
    def events(self) -> list[dict]:
        return [payload for header, payload in self.items if header.get("type") == "event"]

    def start(self) -> FakeSentry:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                ok = self.path == "/api/42/envelope/" and (
                    f"sentry_key={fake.public_key}" in (self.headers.get("X-Sentry-Auth") or "")
                )
                if ok:
                    text = body.decode("utf-8", "replace")
                    with fake._lock:
                        fake.raw.append(text + "\n" + json.dumps(dict(self.headers)))
                        lines = text.split("\n")
                        for index in range(1, len(lines) - 1, 2):
                            try:
                                header = json.loads(lines[index])
                                payload = json.loads(lines[index + 1])
                            except ValueError:
                                continue
                            fake.items.append((header, payload))
                self.send_response(200 if ok else 403)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        return Handler
