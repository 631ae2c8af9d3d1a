"""A national public-service portal simulator, run as its own process (docs/national-portal.md).

    python -m simulators.national_portal --port 8765 --secret S --province-url http://127.0.0.1:5000

It receives the province's signed messages (``POST /dossiers/<dossier>/events``,
``POST /statistics/daily``), refuses a bad signature (401), keeps each ``event_id`` once and counts
its deliveries, and can be told to answer 503 or to be slow. It also files dossiers to the
province, signed like the real portal would. Nothing here imports ``portal``: it only shares the
signature rule (``signatures.webhook``) with the province.

Control and reading endpoints (unsigned: a test and demo tool, bind it to localhost):

- ``GET /_sim/health``
- ``GET /_sim/events[?dossier=<code>]``: the distinct messages received, in arrival order, each
  with ``deliveries`` (how many times it arrived)
- ``GET /_sim/stats``: ``{"received", "distinct", "refused_signature", "failed_on_purpose"}``
- ``POST /_sim/control`` ``{"fail_next": K, "fail_status": 503, "sleep_next": K, "sleep_seconds": S,
  "reset": true}``
- ``POST /_sim/dossier-request`` ``{"procedure", "data", "documents": [{"key"}], ...}``: the signed
  request for the province (``{"url", "headers", "body"}``) without sending it
- ``POST /_sim/file-dossier`` (same body): builds, signs and sends it to ``--province-url``
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
import uuid

from flask import Flask, jsonify, request

from signatures.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_authentic, signed_headers

INBOUND_PATH = "/api/v1/national/dossiers"


def small_pdf(tag: str = "") -> bytes:
    """A whole one-page PDF (it passes the province's structural check of uploads)."""
    content = b"BT /F1 12 Tf 72 720 Td (" + tag.encode("ascii", "replace") + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def dossier_body(spec: dict) -> dict:
    """An inbound dossier from a short description: documents without content get a small PDF."""
    national_code = spec.get("national_code") or f"G22.{uuid.uuid4().hex[:10].upper()}"
    documents = []
    for item in spec.get("documents", []):
        content = (base64.b64decode(item["content_base64"]) if "content_base64" in item
                   else small_pdf(f"{item['key']} {national_code}"))
        documents.append({"key": item["key"], "name": item.get("name", item["key"]),
                          "filename": item.get("filename", f"{item['key']}.pdf"),
                          "content_type": item.get("content_type", "application/pdf"),
                          "content_base64": base64.b64encode(content).decode(),
                          "sha256": item.get("sha256", hashlib.sha256(content).hexdigest())})
    return {
        "national_code": national_code,
        "procedure": spec["procedure"],
        "submitted_at": spec.get("submitted_at") or time.strftime("%Y-%m-%dT%H:%M:%S+07:00"),
        "applicant": spec.get("applicant") or {"full_name": "Lò Thị Mai", "id_number": "012190000777",
                                               "phone": "0912000777", "email": "", "address": "Bản Hon, Tam Đường"},
        "data": spec.get("data") or {},
        "documents": documents,
        "payment": spec.get("payment"),
        "delivery": spec.get("delivery"),
    }


class Inbox:
    """What the simulator received, and what it was told to do next."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.messages: dict[str, dict] = {}  # event_id -> message (insertion order = arrival order)
        self.deliveries: dict[str, int] = {}
        self.received = self.refused_signature = self.failed_on_purpose = 0
        self.fail_next, self.fail_status, self.sleep_next, self.sleep_seconds = 0, 503, 0, 0.0

    def planned_answer(self) -> tuple[int | None, float]:
        """(status to fail with or None, seconds to sleep first) for the next request."""
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed_on_purpose += 1
                return self.fail_status, 0.0
            if self.sleep_next > 0:
                self.sleep_next -= 1
                return None, self.sleep_seconds
            return None, 0.0

    def store(self, path_key: str, message: dict) -> bool:
        """Keep ``message`` once per event id; whether it was new."""
        event_id = str(message.get("event_id") or "")
        with self.lock:
            self.received += 1
            self.deliveries[event_id] = self.deliveries.get(event_id, 0) + 1
            if event_id in self.messages:
                return False
            self.messages[event_id] = {**message, "_path": path_key}
            return True


def create_app(secret: str, province_url: str = "") -> Flask:
    app = Flask("national_portal_simulator")
    app.json.ensure_ascii = False
    inbox = Inbox()
    app.extensions["inbox"] = inbox

    def receive(path_key: str):
        body = request.get_data()
        if not is_authentic(secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body):
            with inbox.lock:
                inbox.refused_signature += 1
            return jsonify({"error": "bad signature"}), 401
        failure, pause = inbox.planned_answer()
        if failure:
            return jsonify({"error": "unavailable (simulated)"}), failure
        if pause:
            time.sleep(pause)
        try:
            message = json.loads(body)
        except ValueError:
            return jsonify({"error": "not JSON"}), 400
        if not isinstance(message, dict) or not message.get("event_id"):
            return jsonify({"error": "event_id missing"}), 422
        new = inbox.store(path_key, message)
        return jsonify({"accepted": True, "duplicate": not new}), 200

    @app.post("/dossiers/<path:dossier>/events")
    def dossier_event(dossier: str):
        return receive(dossier)

    @app.post("/statistics/daily")
    def daily_statistics():
        return receive("statistics")

    @app.post("/statistics/periodic")
    def periodic_report():
        return receive("periodic_report")

    @app.get("/_sim/health")
    def health():
        return jsonify({"ok": True})

    @app.get("/_sim/events")
    def events():
        wanted = request.args.get("dossier")
        with inbox.lock:
            items = [{**m, "deliveries": inbox.deliveries[eid]} for eid, m in inbox.messages.items()
                     if wanted is None or m["_path"] == wanted]
        return jsonify({"items": items})

    @app.get("/_sim/stats")
    def stats():
        with inbox.lock:
            return jsonify({"received": inbox.received, "distinct": len(inbox.messages),
                            "refused_signature": inbox.refused_signature, "failed_on_purpose": inbox.failed_on_purpose})

    @app.post("/_sim/control")
    def control():
        orders = request.get_json(force=True) or {}
        with inbox.lock:
            if orders.get("reset"):
                inbox.reset()
            inbox.fail_next = int(orders.get("fail_next", inbox.fail_next))
            inbox.fail_status = int(orders.get("fail_status", inbox.fail_status))
            inbox.sleep_next = int(orders.get("sleep_next", inbox.sleep_next))
            inbox.sleep_seconds = float(orders.get("sleep_seconds", inbox.sleep_seconds))
        return jsonify({"fail_next": inbox.fail_next, "sleep_next": inbox.sleep_next})

    def signed_request(spec: dict) -> dict:
        body = json.dumps(dossier_body(spec), ensure_ascii=False).encode()
        headers = signed_headers(spec.get("secret", secret), body)
        return {"url": province_url.rstrip("/") + INBOUND_PATH, "headers": headers, "body": body.decode()}

    @app.post("/_sim/dossier-request")
    def dossier_request():
        return jsonify(signed_request(request.get_json(force=True) or {}))

    @app.post("/_sim/file-dossier")
    def file_dossier():
        if not province_url:
            return jsonify({"error": "start the simulator with --province-url"}), 409
        built = signed_request(request.get_json(force=True) or {})
        status, answer = send(built)
        return jsonify({"status": status, "answer": answer}), 200

    return app


def send(built: dict) -> tuple[int, dict]:
    outgoing = urllib.request.Request(built["url"], data=built["body"].encode(), headers=built["headers"], method="POST")
    try:
        with urllib.request.urlopen(outgoing, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="National public-service portal simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", required=True, help="the shared NATIONAL_PORTAL_SECRET")
    parser.add_argument("--province-url", default="", help="the province portal's base URL (to file dossiers)")
    args = parser.parse_args(argv)
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, create_app(args.secret, args.province_url), threaded=True)


if __name__ == "__main__":
    main()
