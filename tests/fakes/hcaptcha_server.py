"""A local stand-in for hCaptcha: the siteverify endpoint and a tiny widget script.

POST /siteverify takes the form-encoded `secret`, `response` (and optional `sitekey`,
`remoteip`) and answers like hCaptcha: success only for the published test secret with the
published test response token. It can be told to fail with an HTTP status or to hang (so the
caller's timeout is exercised). GET /1/api.js serves a widget script that fills in the test
token, the way the real widget does once a person passes the check.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# hCaptcha's published test keys (docs.hcaptcha.com/#integration-testing-test-keys).
TEST_SITEKEY = "10000000-ffff-ffff-ffff-000000000001"
TEST_SECRET = "0x0000000000000000000000000000000000000000"
TEST_RESPONSE = "10000000-aaaa-bbbb-cccc-000000000001"

WIDGET_JS = f"""
(function () {{
  document.querySelectorAll(".h-captcha").forEach(function (box) {{
    var field = document.createElement("textarea");
    field.name = "h-captcha-response";
    field.hidden = true;
    field.value = "{TEST_RESPONSE}";
    box.appendChild(field);
    box.textContent = "";
    box.appendChild(field);
    box.setAttribute("data-passed", "true");
  }});
}})();
"""


class FakeHCaptcha:
    def __init__(self):
        self.verifications: list[dict] = []
        self.mode = "normal"  # or "error" (HTTP 500) or "hang"
        self.hang_seconds = 5.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def start(self) -> FakeHCaptcha:
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

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path.split("?")[0] != "/1/api.js":
                    return self._reply(404, b"not found", "text/plain")
                self._reply(200, WIDGET_JS.encode(), "application/javascript")

            def do_POST(self):
                if self.path != "/siteverify":
                    return self._reply(404, b"not found", "text/plain")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.verifications.append(form)
                if fake.mode == "hang":
                    time.sleep(fake.hang_seconds)
                if fake.mode in ("error", "hang"):
                    return self._reply(500, b"upstream error", "text/plain")
                if form.get("secret") != TEST_SECRET:
                    payload = {"success": False, "error-codes": ["invalid-input-secret"]}
                elif not form.get("response"):
                    payload = {"success": False, "error-codes": ["missing-input-response"]}
                elif form["response"] != TEST_RESPONSE:
                    payload = {"success": False, "error-codes": ["invalid-input-response"]}
                else:
                    payload = {
                        "success": True,
                        "challenge_ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "hostname": "127.0.0.1",
                    }
                self._reply(200, json.dumps(payload).encode(), "application/json")

        return Handler
