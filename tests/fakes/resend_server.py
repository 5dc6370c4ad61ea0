"""A local stand-in for Resend's HTTP API, speaking its wire format (POST /emails).

It checks the bearer key and the JSON body like the real API, honours Idempotency-Key (the
same key returns the same email id and is not stored twice) and can be told to fail.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeResend:
    def __init__(self, api_key: str = "re_test_key"):
        self.api_key = api_key
        self.emails: list[dict] = []
        self.requests = 0
        self.failures: list[tuple[int, str]] = []
        self._ids_by_key: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def start(self) -> FakeResend:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, times: int = 1, status: int = 500, name: str = "internal_server_error"):
        self.failures.extend([(status, name)] * times)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, name: str, message: str) -> None:
                self._reply(status, {"statusCode": status, "name": name, "message": message})

            def do_POST(self):
                with fake._lock:
                    fake.requests += 1
                    failure = fake.failures.pop(0) if fake.failures else None
                if self.path != "/emails":
                    return self._error(404, "not_found", "Route not found")
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    return self._error(
                        401, "missing_api_key", "Missing API key in the authorization header"
                    )
                if failure:
                    return self._error(failure[0], failure[1], "Simulated failure")
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length))
                except ValueError:
                    return self._error(400, "invalid_parameter", "Body is not JSON")
                missing = [name for name in ("from", "to", "subject") if not body.get(name)]
                if missing:
                    return self._error(422, "validation_error", f"Missing `{missing[0]}` field.")
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    if key and key in fake._ids_by_key:
                        return self._reply(200, {"id": fake._ids_by_key[key]})
                    email_id = str(uuid.uuid4())
                    if key:
                        fake._ids_by_key[key] = email_id
                    fake.emails.append({**body, "id": email_id, "idempotency_key": key})
                return self._reply(200, {"id": email_id})

        return Handler
