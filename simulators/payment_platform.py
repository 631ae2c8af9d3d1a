"""A national payment platform simulator, run as its own process (docs/payments.md).

    python -m simulators.payment_platform --port 8767 --secret S --merchant LAICHAU

It speaks the protocol of ``portal.payments.platform``: every message both ways is signed with
``X-National-Timestamp`` and ``X-National-Signature`` (``signatures.webhook``) using the shared
secret, and a message with a bad signature is refused (401). Nothing here imports ``portal``.

- ``POST /payments`` registers a payment (``merchant``, ``reference``, ``amount``, ``order_code``,
  ``description``, ``return_url``, ``notify_url``) and answers ``{"transaction_id", "pay_url",
  "status"}`` (201; the same reference and amount again: 200 and the same transaction);
- ``GET /pay/<transaction_id>``: the citizen's page with the amount and the dossier's code, and
  three choices: pay, decline, or leave (close the page without deciding);
- after a decision the platform notifies the province (``POST <notify_url>``, signed JSON with
  ``event_id``, ``merchant``, ``reference``, ``transaction_id``, ``amount``, ``status``,
  ``paid_at``) and sends the browser back to ``return_url`` with the result in the query string
  signed over its sorted ``key=value`` pairs;
- ``POST /payments/query`` ``{"merchant", "reference"}``: the payment's current status (404 unknown);
- ``POST /reconciliation`` ``{"merchant", "date": "YYYY-MM-DD"}``: the payments it settled as paid
  that day (Vietnam's time), ``{"items": [...], "count", "total"}``.

Control and reading endpoints (unsigned: a test and demo tool, bind it to localhost):

- ``GET /_sim/health``; ``GET /_sim/transactions``
- ``POST /_sim/control`` ``{"reset": true, "notify": false, "fail_queries": K}``: ``notify`` false
  keeps notifications without sending them (a test hands them over); ``fail_queries`` answers the
  next K status queries with 503
- ``POST /_sim/settle`` ``{"reference" | "transaction_id", "status": "paid" | "declined",
  "notify": true}``: the payer decides later, away from the page (the bank app, a transfer)
- ``GET /_sim/notifications``: every notification, with ``request`` (``url``, ``headers``,
  ``body``: what was or would be sent) and its delivery outcome
- ``POST /_sim/redeliver`` ``{"event_id"?}``: send again (one, or every undelivered one)
- ``POST /_sim/mismatch`` ``{"reference", "amount"?, "transaction_id"?}`` changes what the
  reconciliation listing says of a payment; ``{"hide": reference}`` leaves it out;
  ``{"extra": {"reference", "amount", "transaction_id"?, "paid_at"?}}`` lists a payment the
  province never started
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import secrets
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, redirect, request

from signatures.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_authentic, signed_headers

VN = timezone(timedelta(hours=7))
RETURN_FIELDS = ("reference", "transaction_id", "amount", "status")
DECISIONS = {"paid", "declined"}


def vn_now() -> datetime:
    return datetime.now(UTC).astimezone(VN)


def sign_params(params: dict, secret: str) -> str:
    """The browser return's signature: HMAC-SHA256 over the sorted ``key=value`` pairs."""
    canonical = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class Ledger:
    """The platform's payments, its notifications, and what it was told to do next."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.payments: dict[str, dict] = {}  # transaction_id -> payment
        self.by_reference: dict[tuple[str, str], str] = {}
        self.notifications: list[dict] = []
        self.notify, self.fail_queries = True, 0
        self.listing_changes: dict[str, dict] = {}
        self.hidden: set[str] = set()
        self.extra: list[dict] = []
        self.refused_signature = 0

    def public(self, payment: dict) -> dict:
        return {key: payment[key] for key in ("merchant", "reference", "transaction_id", "amount", "status",
                                              "order_code", "created_at", "paid_at")}


def create_app(secret: str, merchant: str = "LAICHAU") -> Flask:
    app = Flask("payment_platform_simulator")
    app.json.ensure_ascii = False
    ledger = Ledger()
    app.extensions["ledger"] = ledger

    def signed(payload: dict, status: int = 200) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return Response(body, status=status, headers=signed_headers(secret, body))

    def signed_message() -> dict | Response:
        """The signed JSON body of a province's message, or the refusal to answer."""
        body = request.get_data()
        if not is_authentic(secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body):
            with ledger.lock:
                ledger.refused_signature += 1
            return signed({"error": "bad signature"}, 401)
        try:
            message = json.loads(body)
        except ValueError:
            return signed({"error": "not JSON"}, 400)
        if not isinstance(message, dict):
            return signed({"error": "not an object"}, 400)
        if message.get("merchant") != merchant:
            return signed({"error": "unknown merchant"}, 403)
        return message

    # The province's messages ----------------------------------------------------------------

    @app.post("/payments")
    def create_payment():
        message = signed_message()
        if isinstance(message, Response):
            return message
        reference, amount = message.get("reference"), message.get("amount")
        if (not isinstance(reference, str) or not reference or not isinstance(amount, int) or amount <= 0
                or not str(message.get("return_url", "")).startswith(("http://", "https://"))
                or not str(message.get("notify_url", "")).startswith(("http://", "https://"))):
            return signed({"error": "reference, amount, return_url and notify_url are required"}, 422)
        with ledger.lock:
            known = ledger.by_reference.get((merchant, reference))
            if known:
                payment = ledger.payments[known]
                if payment["amount"] != amount:
                    return signed({"error": "this reference was registered with another amount"}, 409)
                status = 200
            else:
                transaction_id = "NTT" + secrets.token_hex(8).upper()
                payment = {"merchant": merchant, "reference": reference, "transaction_id": transaction_id,
                           "amount": amount, "currency": message.get("currency", "VND"),
                           "description": str(message.get("description", ""))[:255],
                           "order_code": str(message.get("order_code", ""))[:64],
                           "return_url": message["return_url"], "notify_url": message["notify_url"],
                           "status": "pending", "created_at": vn_now().isoformat(timespec="seconds"), "paid_at": None}
                ledger.payments[transaction_id] = payment
                ledger.by_reference[(merchant, reference)] = transaction_id
                status = 201
        pay_url = request.host_url.rstrip("/") + "/pay/" + payment["transaction_id"]
        return signed({"transaction_id": payment["transaction_id"], "pay_url": pay_url, "status": payment["status"]}, status)

    @app.post("/payments/query")
    def query_payment():
        message = signed_message()
        if isinstance(message, Response):
            return message
        with ledger.lock:
            if ledger.fail_queries > 0:
                ledger.fail_queries -= 1
                return signed({"error": "unavailable (simulated)"}, 503)
            known = ledger.by_reference.get((merchant, str(message.get("reference", ""))))
            if not known:
                return signed({"error": "unknown reference"}, 404)
            return signed(ledger.public(ledger.payments[known]))

    @app.post("/reconciliation")
    def reconciliation():
        message = signed_message()
        if isinstance(message, Response):
            return message
        day = str(message.get("date", ""))
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            return signed({"error": "date must be YYYY-MM-DD"}, 422)
        with ledger.lock:
            items = []
            for payment in ledger.payments.values():
                if payment["status"] != "paid" or not payment["paid_at"].startswith(day):
                    continue
                if payment["reference"] in ledger.hidden:
                    continue
                item = {**ledger.public(payment), **ledger.listing_changes.get(payment["reference"], {})}
                items.append(item)
            for extra in ledger.extra:
                if extra["paid_at"].startswith(day):
                    items.append(dict(extra))
        return signed({"merchant": merchant, "date": day, "items": items, "count": len(items),
                       "total": sum(item["amount"] for item in items)})

    # The citizen's page ---------------------------------------------------------------------

    def decide(payment: dict, status: str, notify: bool | None = None) -> dict | None:
        """Record the payer's decision once; notify the province. The notification, or None."""
        with ledger.lock:
            if payment["status"] != "pending":
                return None
            payment["status"] = status
            if status == "paid":
                payment["paid_at"] = vn_now().isoformat(timespec="seconds")
            body = json.dumps({"event_id": "ev-" + secrets.token_hex(8), "merchant": merchant,
                               "reference": payment["reference"], "transaction_id": payment["transaction_id"],
                               "amount": payment["amount"], "status": status, "paid_at": payment["paid_at"]},
                              ensure_ascii=False).encode()
            notification = {"event_id": json.loads(body)["event_id"], "url": payment["notify_url"], "body": body,
                            "attempts": 0, "delivered": False, "last_status": None, "last_error": None}
            ledger.notifications.append(notification)
            send = ledger.notify if notify is None else notify
        if send:
            deliver(notification)
        return notification

    def deliver(notification: dict) -> None:
        body = notification["body"]
        outgoing = urllib.request.Request(notification["url"], data=body, headers=signed_headers(secret, body),
                                          method="POST")
        status, error = None, None
        try:
            with urllib.request.urlopen(outgoing, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as refusal:
            status = refusal.code
        except (urllib.error.URLError, OSError) as failure:
            error = str(failure)[:200]
        with ledger.lock:
            notification["attempts"] += 1
            notification["last_status"], notification["last_error"] = status, error
            notification["delivered"] = notification["delivered"] or (status is not None and 200 <= status < 300)

    def return_url(payment: dict) -> str:
        params = {"reference": payment["reference"], "transaction_id": payment["transaction_id"],
                  "amount": str(payment["amount"]), "status": payment["status"]}
        params["signature"] = sign_params(params, secret)
        separator = "&" if "?" in payment["return_url"] else "?"
        return payment["return_url"] + separator + urlencode(params)

    @app.route("/pay/<transaction_id>", methods=["GET", "POST"])
    def pay(transaction_id: str):
        with ledger.lock:
            payment = ledger.payments.get(transaction_id)
        if payment is None:
            return page("Không tìm thấy giao dịch", "<p>Giao dịch không tồn tại.</p>"), 404
        if request.method == "POST":
            choice = request.form.get("decision", "")
            if choice == "abandon":
                origin = "{0.scheme}://{0.netloc}/".format(urlsplit(payment["return_url"]))
                return page("Đã rời trang thanh toán",
                            "<p>Bạn đã rời trang thanh toán; giao dịch chưa được thực hiện. Bạn có thể đóng trang này.</p>"
                            f'<p><a href="{html.escape(origin)}">Về Cổng Dịch vụ công</a></p>')
            if choice not in DECISIONS:
                return page("Lựa chọn không hợp lệ", "<p>Vui lòng chọn lại.</p>"), 400
            decide(payment, choice)
            return redirect(return_url(payment), 303)
        if payment["status"] != "pending":
            return redirect(return_url(payment), 303)
        amount = f"{payment['amount']:,}".replace(",", ".")
        body = (f"<dl><dt>Mã hồ sơ</dt><dd>{html.escape(payment['order_code'])}</dd>"
                f"<dt>Nội dung</dt><dd>{html.escape(payment['description'])}</dd>"
                f"<dt>Số tiền</dt><dd>{amount} đ</dd>"
                f"<dt>Mã giao dịch</dt><dd>{html.escape(transaction_id)}</dd></dl>"
                '<form method="post">'
                '<button name="decision" value="paid">Thanh toán</button> '
                '<button name="decision" value="declined">Từ chối</button> '
                '<button name="decision" value="abandon">Đóng trang, không thanh toán</button>'
                "</form>")
        return page("Nền tảng thanh toán (mô phỏng)", body)

    # Control --------------------------------------------------------------------------------

    @app.get("/_sim/health")
    def health():
        return {"ok": True}

    @app.get("/_sim/transactions")
    def transactions():
        with ledger.lock:
            return {"items": [ledger.public(p) for p in ledger.payments.values()]}

    @app.post("/_sim/control")
    def control():
        orders = request.get_json(force=True) or {}
        with ledger.lock:
            if orders.get("reset"):
                ledger.reset()
            ledger.notify = bool(orders.get("notify", ledger.notify))
            ledger.fail_queries = int(orders.get("fail_queries", ledger.fail_queries))
            return {"notify": ledger.notify, "fail_queries": ledger.fail_queries}

    @app.post("/_sim/settle")
    def settle_later():
        orders = request.get_json(force=True) or {}
        with ledger.lock:
            transaction_id = orders.get("transaction_id") or ledger.by_reference.get((merchant, orders.get("reference", "")))
            payment = ledger.payments.get(transaction_id or "")
        if payment is None:
            return {"error": "unknown payment"}, 404
        if orders.get("status") not in DECISIONS:
            return {"error": "status must be paid or declined"}, 422
        notification = decide(payment, orders["status"], orders.get("notify"))
        if notification is None:
            return {"error": "already decided"}, 409
        return {"transaction_id": payment["transaction_id"], "status": payment["status"],
                "event_id": notification["event_id"], "delivered": notification["delivered"]}

    @app.get("/_sim/notifications")
    def notifications():
        with ledger.lock:
            items = []
            for n in ledger.notifications:
                items.append({"event_id": n["event_id"], "attempts": n["attempts"], "delivered": n["delivered"],
                              "last_status": n["last_status"], "last_error": n["last_error"],
                              "message": json.loads(n["body"]),
                              "request": {"url": n["url"], "headers": signed_headers(secret, n["body"]),
                                          "body": n["body"].decode()}})
            return {"items": items}

    @app.post("/_sim/redeliver")
    def redeliver():
        orders = request.get_json(silent=True) or {}
        with ledger.lock:
            chosen = [n for n in ledger.notifications
                      if (n["event_id"] == orders["event_id"] if orders.get("event_id") else not n["delivered"])]
        for notification in chosen:
            deliver(notification)
        return {"sent": len(chosen), "delivered": sum(1 for n in chosen if n["delivered"])}

    @app.post("/_sim/mismatch")
    def mismatch():
        orders = request.get_json(force=True) or {}
        with ledger.lock:
            if orders.get("hide"):
                ledger.hidden.add(str(orders["hide"]))
            if isinstance(orders.get("extra"), dict):
                extra = orders["extra"]
                ledger.extra.append({"merchant": merchant, "reference": str(extra["reference"]),
                                     "transaction_id": str(extra.get("transaction_id") or "NTT" + secrets.token_hex(8).upper()),
                                     "amount": int(extra["amount"]), "status": "paid", "order_code": "",
                                     "created_at": extra.get("paid_at") or vn_now().isoformat(timespec="seconds"),
                                     "paid_at": extra.get("paid_at") or vn_now().isoformat(timespec="seconds")})
            if orders.get("reference"):
                change = {key: orders[key] for key in ("amount", "transaction_id") if key in orders}
                ledger.listing_changes.setdefault(str(orders["reference"]), {}).update(change)
            return {"changed": len(ledger.listing_changes), "hidden": len(ledger.hidden), "extra": len(ledger.extra)}

    return app


def page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="National payment platform simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--secret", required=True, help="the shared PAYMENT_PLATFORM_SECRET")
    parser.add_argument("--merchant", default="LAICHAU", help="the province's PAYMENT_PLATFORM_MERCHANT")
    args = parser.parse_args(argv)
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, create_app(args.secret, args.merchant), threaded=True)


if __name__ == "__main__":
    main()
