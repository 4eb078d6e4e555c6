"""A fake OpenAI-compatible chat-completions server on loopback (real HTTP, for the real
``openai`` client), answering from a script: each request gets ``reply(request)``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ModelReply:
    """What the fake model answers: ``content`` as the assistant message, or a raw ``status`` /
    ``body``; ``delay`` seconds first."""

    content: str | None = "ok"
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    tokens: int = 50


@dataclass
class Seen:
    system: str
    user: str
    model: str
    at: float = field(default_factory=time.monotonic)


class FakeModel:
    """``reply`` decides each answer from the request (default: "ok")."""

    def __init__(self) -> None:
        self.reply: Callable[[Seen], ModelReply] = lambda seen: ModelReply()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = json.loads(self.rfile.read(length) or b"{}")
                messages = data.get("messages") or []
                system = next((m["content"] for m in messages if m.get("role") == "system"), "")
                user = next((m["content"] for m in messages if m.get("role") == "user"), "")
                seen = Seen(system, user, str(data.get("model", "")))
                with server._lock:
                    server.requests.append(seen)
                answer = server.reply(seen)
                if answer.delay and server._stop.wait(answer.delay):
                    return
                body = answer.body
                if body is None:
                    body = json.dumps(
                        {
                            "id": "chatcmpl-1",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": seen.model,
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": answer.content},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": {
                                "prompt_tokens": answer.tokens - 10,
                                "completion_tokens": 10,
                                "total_tokens": answer.tokens,
                            },
                        }
                    ).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    if answer.status == 429:
                        self.send_header("Retry-After", "30")
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def count(self, kind: str) -> int:
        """Requests whose system prompt is of ``kind`` ("why-", "answer-")."""
        with self._lock:
            return sum(1 for r in self.requests if f"[{kind}" in r.system)

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
