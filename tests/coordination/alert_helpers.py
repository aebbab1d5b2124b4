"""Helpers for alert tests: a local webhook receiver, a form post that sets a space's count."""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from coordination.alerts.channels import SIGNATURE_HEADER, sign


@dataclass
class Received:
    at: float
    headers: dict
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    def signature_verifies(self, secret: str) -> bool:
        import hmac

        return hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""), sign(self.body, secret))


@dataclass
class WebhookServer:
    """An HTTP server on a free local port recording each POST; answers `statuses` in turn
    (then 200)."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    # Set: each call is recorded, the event set, and the answer kept back while `hold` is set
    # (at most a minute), as a receiver that hangs would.
    hold: threading.Event | None = None

    def __post_init__(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = server.statuses.pop(0) if server.statuses else 200
                server.answered.append(status)
                if status == 200:
                    server.received.append(Received(time.monotonic(), dict(self.headers), body))
                hold, deadline = server.hold, time.monotonic() + 60
                if hold is not None:
                    hold.set()
                    while server.hold is not None and time.monotonic() < deadline:
                        time.sleep(0.05)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


def count_post(space, occupied: int) -> dict:
    """The bed-count form's POST data setting one space (the only one) to `occupied`."""
    prefix = f"space-{space.pk}"
    return {
        "submission": str(uuid.uuid4()),
        f"{prefix}-seen_places": space.places,
        f"{prefix}-seen_occupied": space.occupied,
        f"{prefix}-places": space.places,
        f"{prefix}-occupied": occupied,
    }


def wait_until(condition, timeout: float = 20, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return condition()
