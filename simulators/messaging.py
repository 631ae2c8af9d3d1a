"""A brandname SMS gateway and a Zalo Official Account API, simulated in one process
(docs/notifications.md).

    python -m simulators.messaging --port 8766 --api-key K --token T --secret S \
        --province-url http://127.0.0.1:5000

It receives the province's messages (``POST /send`` with ``X-Api-Key``; ``POST /message/template``
with ``access_token``), refuses a wrong key or token (401), keeps each ``ref`` / ``tracking_id``
once (a repeat is answered 200 with the same id, and counted), and can be told to answer 503 for
the next K requests. It also builds, and can send, signed delivery receipts for the province.
Nothing here imports ``portal``: it only shares the signature rule (``signatures.webhook``).

Control and reading endpoints (unsigned: a test and demo tool, bind it to localhost):

- ``GET /_sim/health``
- ``GET /_sim/sms``, ``GET /_sim/zalo``: the distinct messages received, in arrival order, each
  with its ``id`` and ``deliveries`` (how many times it arrived)
- ``GET /_sim/stats``: ``{"received", "distinct", "refused_key", "failed_on_purpose"}``
- ``POST /_sim/control`` ``{"fail_next": K, "fail_status": 503, "reset": true}``
- ``POST /_sim/receipt-request`` ``{"ref", "status": "delivered", "secret"?}``: the signed receipt
  for the province (``{"url", "headers", "body"}``) without sending it (``secret`` forges one)
- ``POST /_sim/receipt`` (same body): builds, signs and sends it to ``--province-url``
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
import uuid

from flask import Flask, jsonify, request

from signatures.webhook import signature

RECEIPT_PATH = "/api/v1/sms/receipts"


class Inbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.channels: dict[str, dict[str, dict]] = {"sms": {}, "zalo": {}}  # ref -> message, arrival order
        self.deliveries: dict[str, int] = {}
        self.received = self.refused_key = self.failed_on_purpose = 0
        self.fail_next, self.fail_status = 0, 503

    def planned_failure(self) -> int | None:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed_on_purpose += 1
                return self.fail_status
            return None

    def store(self, channel: str, ref: str, message: dict) -> dict:
        """The message kept under ``ref`` (the first one; a repeat only counts)."""
        with self.lock:
            self.received += 1
            self.deliveries[ref] = self.deliveries.get(ref, 0) + 1
            kept = self.channels[channel].get(ref)
            if kept is None:
                kept = self.channels[channel][ref] = {**message, "id": f"{channel}-{uuid.uuid4().hex[:12]}"}
            return kept


def create_app(api_key: str, token: str, secret: str, province_url: str = "") -> Flask:
    app = Flask("messaging_simulator")
    app.json.ensure_ascii = False
    inbox = Inbox()

    def receive(channel: str, allowed: bool, ref_field: str, required: tuple[str, ...]):
        if not allowed:
            with inbox.lock:
                inbox.refused_key += 1
            return jsonify({"error": "bad credentials"}), 401
        failure = inbox.planned_failure()
        if failure:
            return jsonify({"error": "unavailable (simulated)"}), failure
        message = request.get_json(silent=True)
        if not isinstance(message, dict) or any(not message.get(name) for name in required):
            return jsonify({"error": f"required: {', '.join(required)}"}), 422
        kept = inbox.store(channel, str(message[ref_field]), message)
        return jsonify({"id": kept["id"], "status": "accepted"}), 200

    @app.post("/send")
    def send_sms():
        return receive("sms", request.headers.get("X-Api-Key") == api_key, "ref", ("to", "text", "ref"))

    @app.post("/message/template")
    def send_zalo():
        return receive("zalo", request.headers.get("access_token") == token, "tracking_id",
                       ("phone", "template_id", "tracking_id"))

    @app.get("/_sim/health")
    def health():
        return jsonify({"ok": True})

    def listing(channel: str):
        with inbox.lock:
            items = [{**m, "deliveries": inbox.deliveries[ref]} for ref, m in inbox.channels[channel].items()]
        return jsonify({"items": items})

    @app.get("/_sim/sms")
    def sms_list():
        return listing("sms")

    @app.get("/_sim/zalo")
    def zalo_list():
        return listing("zalo")

    @app.get("/_sim/stats")
    def stats():
        with inbox.lock:
            distinct = sum(len(messages) for messages in inbox.channels.values())
            return jsonify({"received": inbox.received, "distinct": distinct, "refused_key": inbox.refused_key,
                            "failed_on_purpose": inbox.failed_on_purpose})

    @app.post("/_sim/control")
    def control():
        orders = request.get_json(force=True) or {}
        with inbox.lock:
            if orders.get("reset"):
                inbox.reset()
            inbox.fail_next = int(orders.get("fail_next", inbox.fail_next))
            inbox.fail_status = int(orders.get("fail_status", inbox.fail_status))
        return jsonify({"fail_next": inbox.fail_next})

    def receipt(spec: dict) -> dict:
        ref = str(spec.get("ref") or "")
        with inbox.lock:
            kept = inbox.channels["sms"].get(ref, {})
        body = json.dumps({"ref": ref, "id": kept.get("id") or f"sms-{ref[:8]}", "status": spec.get("status", "delivered"),
                           "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}).encode()
        timestamp = str(int(time.time()))
        headers = {"X-SMS-Timestamp": timestamp, "X-SMS-Signature": signature(spec.get("secret", secret), timestamp, body),
                   "Content-Type": "application/json"}
        return {"url": province_url.rstrip("/") + RECEIPT_PATH, "headers": headers, "body": body.decode()}

    @app.post("/_sim/receipt-request")
    def receipt_request():
        return jsonify(receipt(request.get_json(force=True) or {}))

    @app.post("/_sim/receipt")
    def send_receipt():
        if not province_url:
            return jsonify({"error": "start the simulator with --province-url"}), 409
        built = receipt(request.get_json(force=True) or {})
        outgoing = urllib.request.Request(built["url"], data=built["body"].encode(), headers=built["headers"],
                                          method="POST")
        try:
            with urllib.request.urlopen(outgoing, timeout=30) as answer:
                return jsonify({"status": answer.status}), 200
        except urllib.error.HTTPError as error:
            return jsonify({"status": error.code}), 200

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SMS gateway and Zalo OA simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--api-key", required=True, help="the province's SMS_GATEWAY_KEY")
    parser.add_argument("--token", required=True, help="the province's ZALO_OA_TOKEN")
    parser.add_argument("--secret", required=True, help="the shared SMS_GATEWAY_SECRET (signs receipts)")
    parser.add_argument("--province-url", default="", help="the province portal's base URL (to post receipts)")
    args = parser.parse_args(argv)
    from werkzeug.serving import WSGIRequestHandler, run_simple

    class KeepsUnderscoreHeaders(WSGIRequestHandler):
        """Zalo's ``access_token`` header has an underscore, which the development server drops."""

        def make_environ(self):
            environ = super().make_environ()
            for key, value in self.headers.items():
                if "_" in key:
                    environ["HTTP_" + key.upper()] = value
            return environ

    run_simple(args.host, args.port, create_app(args.api_key, args.token, args.secret, args.province_url),
               threaded=True, request_handler=KeepsUnderscoreHeaders)


if __name__ == "__main__":
    main()
