"""A small threaded HTTPS server for provider fakes, and the test certificate they share.

msal only accepts https authorities and oauthlib refuses plain-http token endpoints, so the
fakes speak TLS with a certificate for 127.0.0.1 made here. The clients trust it the ordinary
way: REQUESTS_CA_BUNDLE (requests, msal, google-auth) and HTTPLIB2_CA_CERTS (httplib2, used by
google-api-python-client).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import ssl
import tempfile
import threading
import time
import urllib.parse
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@cache
def certificate_files() -> tuple[str, str]:
    """(certificate path, key path) of a self-signed certificate for 127.0.0.1/localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "slotbook-test-fakes")])
    # Tests freeze Python's clock; OpenSSL reads the real one, so validity is wide.
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tempfile.mkdtemp(prefix="slotbook-fakes-")
    cert_path = os.path.join(folder, "cert.pem")
    key_path = os.path.join(folder, "key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


def trust_fakes() -> None:
    """Make requests and httplib2 trust the fakes' certificate (and nothing else is reached)."""
    cert_path, _ = certificate_files()
    os.environ["REQUESTS_CA_BUNDLE"] = cert_path
    os.environ["HTTPLIB2_CA_CERTS"] = cert_path
    import httplib2

    httplib2.CA_CERTS = cert_path


class Reply(Exception):
    """Raised by a route to answer at once."""

    def __init__(self, status: int, body=None, headers: dict | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}


class FakeHTTPS:
    """Routes are methods named like `do_GET`; subclasses implement `handle(request)`."""

    def __init__(self):
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []
        self.failures: list[tuple[str, int, dict, str]] = []
        self.delays: list[tuple[str, float]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        cert_path, key_path = certificate_files()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"https://{host}:{port}"

    def start(self):
        trust_fakes()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test controls ------------------------------------------------------------------------

    def fail_next(self, path_part: str, status: int, *, times=1, headers=None, body=""):
        """The next `times` requests whose path contains path_part answer `status`."""
        with self.lock:
            self.failures.extend([(path_part, status, headers or {}, body)] * times)

    def delay_next(self, path_part: str, seconds: float) -> None:
        with self.lock:
            self.delays.append((path_part, seconds))

    def calls(self, method: str, path_part: str) -> int:
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and path_part in p)

    def _take(self, queue, path):
        with self.lock:
            for index, item in enumerate(queue):
                if item[0] in path:
                    return queue.pop(index)
        return None

    # --- plumbing -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, headers, body: bytes):
        raise NotImplementedError

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                with fake.lock:
                    fake.requests.append((method, parts.path))
                delay = fake._take(fake.delays, parts.path)
                if delay:
                    time.sleep(delay[1])
                failure = fake._take(fake.failures, parts.path)
                try:
                    if failure:
                        raise Reply(failure[1], failure[3] or {"error": "injected"}, failure[2])
                    status, payload, headers = (
                        200,
                        fake.handle(method, parts.path, query, self.headers, body),
                        {},
                    )
                except Reply as reply:
                    status, payload, headers = reply.status, reply.body, reply.headers
                if isinstance(payload, (dict, list)):
                    data = json.dumps(payload).encode()
                    headers.setdefault("Content-Type", "application/json; charset=UTF-8")
                elif isinstance(payload, str):
                    data = payload.encode()
                    headers.setdefault("Content-Type", "text/html; charset=utf-8")
                else:
                    data = payload or b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_PUT(self):
                self._serve("PUT")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler


def form(body: bytes) -> dict:
    return dict(urllib.parse.parse_qsl(body.decode()))


def bearer(headers) -> str:
    value = headers.get("Authorization", "")
    return value[7:] if value.startswith("Bearer ") else ""


def pkce_matches(verifier: str, challenge: str) -> bool:
    import base64
    import hashlib

    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge
