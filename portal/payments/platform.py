"""The national payment platform (Nền tảng thanh toán trên Cổng Dịch vụ công quốc gia) as a
payment provider: an HTTP client of the protocol in docs/payments.md.

Every message in both directions is signed as the national portal's are (``signatures.webhook``:
``X-National-Timestamp`` and ``X-National-Signature: sha256=<hex>``, HMAC-SHA256 over
``<timestamp>.<raw body>``), with the platform's own secret ``PAYMENT_PLATFORM_SECRET``:

- ``POST {PAYMENT_PLATFORM_URL}/payments`` registers a payment (merchant, reference, amount, the
  dossier's code, return and notification URLs) and answers the page to send the citizen to;
- ``POST /payments/query`` answers a payment's current status (the "trust but verify" check of
  every callback, and the check of payments left pending);
- ``POST /reconciliation`` lists what the platform settled on one day, for the daily report;
- the platform notifies the province server-to-server (``POST /api/v1/payments/national/callback``,
  signed the same way) and sends the citizen's browser back with the result in the query string,
  signed over its sorted parameters (``gateway.sign``).

Answers of the platform are signed too; an answer without a valid signature is not believed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import date

from flask import current_app, url_for

from portal.lazy import lazy_module
from portal.payments.gateway import (
    CALLBACK_FIELDS,
    BadSignature,
    CallbackResult,
    ForgedCallback,
    GatewayStatus,
    InvalidContent,
    PaymentRequest,
    ProviderUnavailable,
    SignedCallbackGateway,
)
from signatures.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_authentic, signed_headers

requests = lazy_module("requests")  # imported at the first call (about 70 ms of start-up)

#: The platform's words for a payment's state -> the gateway's.
PLATFORM_STATUS = {"pending": GatewayStatus.PENDING, "paid": GatewayStatus.APPROVED, "declined": GatewayStatus.DECLINED}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts (tests, the requests library's answers are case-insensitive)
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value


class NationalPaymentPlatform(SignedCallbackGateway):
    name = "national"
    lists_settlements = True

    def __init__(self, base_url: str, merchant: str, secret: str, timeout: float = 10.0, notify_url: str = ""):
        super().__init__(secret)
        if not base_url or not merchant:
            raise ValueError("the national payment platform needs a URL and a merchant code")
        self.base_url, self.merchant, self.timeout = base_url.rstrip("/"), merchant, timeout
        self.notify_url = notify_url
        self.http = requests.Session()

    @classmethod
    def from_config(cls) -> NationalPaymentPlatform | None:
        """The configured platform; None (provider off) without a URL or a secret."""
        config = current_app.config
        if not config.get("PAYMENT_PLATFORM_URL") or not config.get("PAYMENT_PLATFORM_SECRET"):
            return None
        return cls(config["PAYMENT_PLATFORM_URL"], config.get("PAYMENT_PLATFORM_MERCHANT", ""),
                   config.get("PAYMENT_PLATFORM_SECRET", ""), float(config.get("PAYMENT_PLATFORM_TIMEOUT_SECONDS", 10)),
                   config.get("PAYMENT_PLATFORM_NOTIFY_URL", ""))

    # Messages to the platform ---------------------------------------------------------------

    def _call(self, path: str, message: dict) -> tuple[int, dict]:
        """POST a signed message; (status, the signed answer's JSON). ``ProviderUnavailable`` when
        the platform does not answer, answers 5xx, or answers without a valid signature."""
        body = json.dumps({"merchant": self.merchant, **message}, ensure_ascii=False, sort_keys=True).encode()
        try:
            answer = self.http.post(self.base_url + path, data=body, headers=signed_headers(self.secret, body),
                                    timeout=self.timeout)
        except requests.RequestException as error:
            raise ProviderUnavailable(f"{type(error).__name__}: {error}") from None
        if answer.status_code >= 500:
            raise ProviderUnavailable(f"HTTP {answer.status_code}")
        if not is_authentic(self.secret, _header(answer.headers, TIMESTAMP_HEADER),
                            _header(answer.headers, SIGNATURE_HEADER), answer.content):
            raise ProviderUnavailable(f"HTTP {answer.status_code}: the answer is not signed by the platform")
        try:
            content = json.loads(answer.content or b"{}")
        except ValueError:
            raise ProviderUnavailable("the answer is not JSON") from None
        if not isinstance(content, dict):
            raise ProviderUnavailable("the answer is not a JSON object")
        return answer.status_code, content

    def start(self, request: PaymentRequest) -> str:
        status, answer = self._call("/payments", {
            "reference": request.reference, "amount": request.amount, "currency": "VND",
            "description": request.description, "order_code": request.order_code,
            "return_url": request.return_url,
            "notify_url": self.notify_url or url_for("api.national_payment_callback", _external=True),
        })
        pay_url = answer.get("pay_url")
        if status not in (200, 201) or not isinstance(pay_url, str) or not pay_url.startswith(("http://", "https://")):
            raise ProviderUnavailable(f"HTTP {status}: {str(answer)[:200]}")
        return pay_url

    def query(self, reference: str) -> CallbackResult | None:
        status, answer = self._call("/payments/query", {"reference": reference})
        if status == 404:
            return None
        if status != 200:
            raise ProviderUnavailable(f"HTTP {status}: {str(answer)[:200]}")
        try:
            return self._result(answer)
        except ForgedCallback as error:
            raise ProviderUnavailable(f"unusable answer: {error}") from None

    def settled_on(self, day: date) -> list[CallbackResult]:
        status, answer = self._call("/reconciliation", {"date": day.isoformat()})
        items = answer.get("items")
        if status != 200 or not isinstance(items, list):
            raise ProviderUnavailable(f"HTTP {status}: {str(answer)[:200]}")
        try:
            return [self._result(item) for item in items]
        except ForgedCallback as error:
            raise ProviderUnavailable(f"unusable listing: {error}") from None

    # Messages from the platform -------------------------------------------------------------

    def _result(self, values) -> CallbackResult:
        """A payment as the platform describes it (a notification, a query's answer, a listing's item)."""
        if not isinstance(values, Mapping):
            raise InvalidContent("not an object")
        reference, transaction_id = values.get("reference"), values.get("transaction_id")
        amount, status = values.get("amount"), values.get("status")
        if not isinstance(reference, str) or not reference or not isinstance(transaction_id, str) or not transaction_id:
            raise InvalidContent("missing reference or transaction")
        if isinstance(amount, str) and amount.isdigit():
            amount = int(amount)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise InvalidContent("bad amount")
        if status not in PLATFORM_STATUS:
            raise InvalidContent("bad status")
        paid_at = values.get("paid_at")
        return CallbackResult(reference[:64], transaction_id[:64], amount, PLATFORM_STATUS[status].value,
                              paid_at if isinstance(paid_at, str) else None)

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> CallbackResult:
        if not is_authentic(self.secret, _header(headers, TIMESTAMP_HEADER), _header(headers, SIGNATURE_HEADER), body):
            raise BadSignature()
        try:
            message = json.loads(body)
        except ValueError:
            raise ForgedCallback("not JSON") from None
        if not isinstance(message, dict) or message.get("merchant") != self.merchant:
            raise ForgedCallback("another merchant")
        result = self._result(message)
        if result.status == GatewayStatus.PENDING:
            raise InvalidContent("a notification carries a decision")
        return result

    def parse_callback(self, params: Mapping[str, str]) -> CallbackResult:
        """The browser's return: the platform's fields signed over their sorted ``key=value`` pairs."""
        values = {key: str(params.get(key, "")) for key in CALLBACK_FIELDS}
        signature = str(params.get("signature", ""))
        if not signature or any(not values[key] for key in CALLBACK_FIELDS):
            raise ForgedCallback("missing fields")
        if not hmac.compare_digest(self.sign(values).encode(), signature.encode("utf-8", "replace")):
            raise ForgedCallback("bad signature")
        result = self._result(values)
        if result.status == GatewayStatus.PENDING:
            raise ForgedCallback("a return carries a decision")
        return result
