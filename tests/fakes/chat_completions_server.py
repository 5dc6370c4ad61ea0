"""A local stand-in for an OpenAI-compatible chat-completions server (POST /v1/chat/completions).

It checks the bearer key and the request body like a real server, records each request, and
answers with whatever the test queued: a content string, an HTTP error, or a reply slower than
the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeChatCompletions:
    def __init__(self, api_key: str = "sk-test-key"):
        self.api_key = api_key
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.replies: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeChatCompletions:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_with(self, content: str) -> None:
        self.replies.append(("content", content))

    def fail_with(self, status: int) -> None:
        self.replies.append(("status", status))

    def answer_slowly(self, seconds: float, content: str) -> None:
        self.replies.append(("slow", (seconds, content)))

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def do_POST(self):
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    reply = fake.replies.pop(0) if fake.replies else ("status", 500)
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    return self._send(401, {"error": {"message": "bad key", "type": "auth"}})
                if not body.get("model") or not isinstance(body.get("messages"), list):
                    return self._send(400, {"error": {"message": "model and messages required"}})
                kind, value = reply
                if kind == "status":
                    return self._send(value, {"error": {"message": "injected failure"}})
                if kind == "slow":
                    seconds, value = value
                    time.sleep(seconds)
                return self._send(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": value},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

        return Handler
