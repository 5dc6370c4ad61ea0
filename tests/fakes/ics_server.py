"""A local web server publishing an .ics file, with ETag / If-None-Match like iCloud's.

It listens on 127.0.0.1 unless told another loopback address (127.0.0.2 stands in for where
a rebinding DNS answer would lead), over plain HTTP or over TLS with the fakes' certificate
(valid for "localhost" and 127.0.0.1 only)."""

from __future__ import annotations

import hashlib
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.https import certificate_files, trust_fakes


class FakeIcsHost:
    def __init__(self, body: bytes = b"", *, address="127.0.0.1", port=0, tls=False):
        self.body = body
        self.requests: list[dict] = []
        self.redirect_to = ""
        self.tls = tls
        self._server = ThreadingHTTPServer((address, port), self._handler())
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate_files())
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"{'https' if self.tls else 'http'}://{host}:{port}/calendar.ics"

    def url_for(self, hostname: str) -> str:
        """This calendar's address under another host name (for a patched resolver)."""
        return self.url.replace(self._server.server_address[0], hostname, 1)

    def start(self) -> FakeIcsHost:
        if self.tls:
            trust_fakes()
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

            def do_GET(self):
                fake.requests.append(dict(self.headers))
                if fake.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", fake.redirect_to)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(fake.body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

        return Handler
