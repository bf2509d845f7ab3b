"""Local fakes of the providers' documented HTTP APIs, on 127.0.0.1 (the only network the
tests may reach). Each keeps its own state, as the provider's servers would."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.fail_with: int | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                if fake.fail_with:
                    status, answer = fake.fail_with, {"error": "down"}
                else:
                    status, answer = fake.handle(self.command, self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeLiqPay(FakeServer):
    """POST /api/request with action=status, as LiqPay documents it."""

    def __init__(self, private_key: str) -> None:
        self.private_key = private_key
        self.payments: dict[str, dict[str, Any]] = {}
        super().__init__()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        data = form.get("data", "")
        expected = base64.b64encode(
            hashlib.sha1((self.private_key + data + self.private_key).encode()).digest()  # noqa: S324
        ).decode()
        if path != "/api/request" or form.get("signature") != expected:
            return 200, {"status": "error", "err_code": "err_signature"}
        request = json.loads(base64.b64decode(data))
        payment = self.payments.get(request["order_id"])
        if payment is None:
            return 200, {"status": "error", "err_code": "payment_not_found"}
        return 200, payment


class FakeYooKassa(FakeServer):
    """POST /v3/payments (idempotent by Idempotence-Key) and GET /v3/payments/{id}."""

    def __init__(self, shop_id: str, secret: str) -> None:
        self.auth = "Basic " + base64.b64encode(f"{shop_id}:{secret}".encode()).decode()
        self.payments: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        super().__init__()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if headers.get("Authorization") != self.auth:
            return 401, {"type": "error", "code": "invalid_credentials"}
        if method == "POST" and path == "/v3/payments":
            key = headers.get("Idempotence-Key")
            if not key:
                return 400, {"type": "error", "code": "invalid_request"}
            if key in self.by_key:
                return 200, self.payments[self.by_key[key]]
            request = json.loads(body)
            payment_id = str(uuid.uuid4())
            self.payments[payment_id] = {
                "id": payment_id,
                "status": "pending",
                "paid": False,
                "amount": request["amount"],
                "metadata": request.get("metadata", {}),
                "confirmation": {
                    "type": "redirect",
                    "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={payment_id}",
                },
            }
            self.by_key[key] = payment_id
            return 200, self.payments[payment_id]
        if method == "GET" and path.startswith("/v3/payments/"):
            payment = self.payments.get(path.rsplit("/", 1)[-1])
            if payment is None:
                return 404, {"type": "error", "code": "not_found"}
            return 200, payment
        return 404, {"type": "error", "code": "not_found"}
