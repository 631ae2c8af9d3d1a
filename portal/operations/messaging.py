"""SMS and Zalo: two more channels of the transactional outbox (docs/notifications.md).

A notice for the applicant's phone is an ``OutboxMessage`` of channel ``sms`` or ``zalo``, written
in the transaction of the change it reports (``portal.operations.notifications`` writes them), and
delivered by the outbox's drain loop with its shared retry, back-off and parking. Each channel is
a ``NotificationSender``: ``send(message)`` answers the provider's id of the accepted message or
raises ``DeliveryError`` (retryable, or not). The message's ``event_id`` is the provider's
idempotency reference (``ref`` / ``tracking_id``): a message sent again after a killed run is
dropped by the provider, never delivered twice.

Without a provider's URL (development) a channel is not drained: its messages stay in the outbox,
readable at /ho-so/hop-thu-di as "would be sent" (the development sink). A notice names its
dossier but has no ``seq``: notices are independent, a failed one holds nothing back.

SMS texts fit one segment: 160 GSM-7 characters, or 70 UCS-2 characters for text with Vietnamese
diacritics. With SMS_ASCII_ONLY (the default: many brandname gateways require it) the diacritics
are removed; without it a text that does not fit one UCS-2 segment is sent without diacritics too.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.lazy import lazy_module
from portal.models.filing import OutboxChannel, OutboxMessage
from portal.models.types import utcnow
from portal.operations import outbox
from portal.operations.errors import DomainError
from portal.text import normalize_phone

requests = lazy_module("requests")  # imported at the first call (about 70 ms of start-up)

GSM_SEGMENT = 160
UCS2_SEGMENT = 70

#: The GSM 03.38 basic character set; ``GSM_EXTENDED`` characters take two.
GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€")
_PUNCTUATION = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})

#: What a delivery receipt may say about a message.
RECEIPT_STATUSES = ("delivered", "failed", "expired", "rejected", "unknown")


class MessagingError(DomainError):
    """A refused delivery receipt (an unknown reference)."""

    def __init__(self, code: str, status: int = 404):
        super().__init__(code)
        self.status = status


class DeliveryError(Exception):
    """The provider did not accept a message: ``retryable`` when a later attempt may succeed."""

    def __init__(self, text: str, retryable: bool = True):
        super().__init__(text)
        self.retryable = retryable


class NotificationSender(Protocol):
    def send(self, message: OutboxMessage) -> str:
        """Hand ``message`` to the provider; the provider's id of it. Raises ``DeliveryError``."""
        ...


# ---------------------------------------------------------------------------------------------
# Texts


def without_diacritics(text: str) -> str:
    """Vietnamese without diacritics, case kept: "Hồ sơ Đã nhận" -> "Ho so Da nhan"."""
    text = (text or "").translate(_PUNCTUATION).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def gsm_length(text: str) -> int | None:
    """Septets ``text`` takes in GSM-7, or None when it needs UCS-2."""
    length = 0
    for char in text:
        if char in GSM_BASIC:
            length += 1
        elif char in GSM_EXTENDED:
            length += 2
        else:
            return None
    return length


def one_segment(text: str) -> bool:
    septets = gsm_length(text)
    return septets <= GSM_SEGMENT if septets is not None else len(text) <= UCS2_SEGMENT


def sms_text(text: str, ascii_only: bool) -> str:
    """``text`` as one SMS segment: without diacritics when asked or when it does not fit
    otherwise; a text still too long loses the end of its wording, never its last word (the link)."""
    text = " ".join(text.split())
    if not ascii_only and one_segment(text):
        return text
    plain = "".join(c for c in without_diacritics(text) if gsm_length(c) is not None)
    if one_segment(plain):
        return plain
    head, _, link = plain.rpartition(" ")
    room = GSM_SEGMENT - len(link) - 3
    return (head[:max(0, room)].rstrip() + ".. " + link)[-GSM_SEGMENT:]


def international_phone(phone: str | None) -> str | None:
    """"0912 345 678" -> "84912345678"; None for what is not a Vietnamese mobile number."""
    digits = normalize_phone(phone)
    if not digits or not digits.isdigit() or len(digits) != 10 or not digits.startswith("0"):
        return None
    return "84" + digits[1:]


def sms_message(phone: str, text: str, dossier_id: int, dossier_code: str, kind: str) -> OutboxMessage:
    row = OutboxMessage(channel=OutboxChannel.SMS.value, dossier_id=dossier_id, to_address=phone, body=text)
    row.event_id = str(uuid.uuid4())
    row.payload = {"to": phone, "text": text, "ref": row.event_id, "kind": kind, "dossier": dossier_code}
    return row


def zalo_message(phone: str, template_id: str, dossier_id: int, data: dict, display: str, kind: str) -> OutboxMessage:
    row = OutboxMessage(channel=OutboxChannel.ZALO.value, dossier_id=dossier_id, to_address=phone, body=display)
    row.event_id = str(uuid.uuid4())
    row.payload = {"phone": phone, "template_id": template_id, "template_data": data, "tracking_id": row.event_id,
                   "kind": kind, "dossier": data.get("code")}
    return row


def zalo_template(kind: str) -> str | None:
    """The Official Account's template for ``kind``; None: Zalo does not send this kind."""
    template = (current_app.config.get("ZALO_TEMPLATE_IDS") or {}).get(kind)
    return str(template) if template else None


# ---------------------------------------------------------------------------------------------
# Providers


def _accepted(answer: requests.Response) -> str:
    """The provider's id from a 2xx answer; a ``DeliveryError`` otherwise."""
    if 200 <= answer.status_code < 300:
        try:
            found = answer.json()
        except ValueError:
            found = {}
        return str((found or {}).get("id") or "")[:64]
    # The provider is down, overloaded or not (yet) accepting our key: try again later. Any other
    # refusal (a malformed number, an unknown template) will be refused again.
    retryable = answer.status_code >= 500 or answer.status_code in (401, 403, 408, 429)
    raise DeliveryError(f"HTTP {answer.status_code}: {answer.text[:200]}", retryable)


class HttpSender:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.http = requests.Session()

    def post(self, url: str, body: dict, headers: dict) -> str:
        try:
            answer = self.http.post(url, json=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        return _accepted(answer)


class SmsGateway(HttpSender):
    """A brandname SMS gateway: ``POST {url}/send`` with ``X-Api-Key``, body
    ``{to, text, brandname, ref}``, answer ``{id, status}``; the same ``ref`` again is a repeat."""

    def __init__(self, url: str, key: str, brandname: str, timeout: float):
        super().__init__(timeout)
        self.url, self.key, self.brandname = url.rstrip("/"), key, brandname

    def send(self, message: OutboxMessage) -> str:
        payload = message.payload or {}
        body = {"to": payload.get("to"), "text": payload.get("text"), "brandname": self.brandname,
                "ref": message.event_id}
        return self.post(self.url + "/send", body, {"X-Api-Key": self.key})


class ZaloOfficialAccount(HttpSender):
    """Zalo Official Account template messages: ``POST {url}/message/template`` with the
    ``access_token`` header, body ``{phone, template_id, template_data, tracking_id}``."""

    def __init__(self, url: str, token: str, timeout: float):
        super().__init__(timeout)
        self.url, self.token = url.rstrip("/"), token

    def send(self, message: OutboxMessage) -> str:
        payload = message.payload or {}
        body = {"phone": payload.get("phone"), "template_id": payload.get("template_id"),
                "template_data": payload.get("template_data") or {}, "tracking_id": message.event_id}
        return self.post(self.url + "/message/template", body, {"access_token": self.token})


def sender_for(channel: str) -> NotificationSender | None:
    """The configured provider of ``channel``; None without one (the development sink)."""
    config = current_app.config
    timeout = float(config["MESSAGING_TIMEOUT_SECONDS"])
    if channel == OutboxChannel.SMS and config.get("SMS_GATEWAY_URL"):
        return SmsGateway(config["SMS_GATEWAY_URL"], config["SMS_GATEWAY_KEY"], config["SMS_BRANDNAME"], timeout)
    if channel == OutboxChannel.ZALO and config.get("ZALO_API_URL"):
        return ZaloOfficialAccount(config["ZALO_API_URL"], config["ZALO_OA_TOKEN"], timeout)
    return None


def transport(sender: NotificationSender) -> outbox.Transport:
    """The outbox transport of a sender: the provider's id noted on each accepted message."""

    def deliver(rows: list[OutboxMessage]) -> list[str | None]:
        outcome: list[str | None] = []
        for row in rows:
            try:
                row.provider_ref = sender.send(row) or None
            except DeliveryError as error:
                outcome.append(str(error) if error.retryable else outbox.Permanent(str(error)))
            else:
                outcome.append(None)
        return outcome

    return deliver


def deliver(channel: str, limit: int = 100, skip: Collection[int] = (),
            sender: NotificationSender | None = None) -> outbox.BatchResult:
    """One batch of ``channel`` through its provider (nothing without one). The caller commits."""
    sender = sender or sender_for(channel)
    if sender is None:
        return outbox.BatchResult()
    return outbox.drain_batch(channel, transport(sender), limit, skip)


# ---------------------------------------------------------------------------------------------
# Delivery receipts


def record_receipt(ref: str, status: str, provider_id: str | None = None, at: datetime | None = None) -> OutboxMessage:
    """What the SMS gateway says became of the message ``ref`` (its event id)."""
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.event_id == ref,
                                                        OutboxMessage.channel == OutboxChannel.SMS.value))
    if row is None:
        raise MessagingError("receipt_unknown_message", 404)
    if status not in RECEIPT_STATUSES:
        raise MessagingError("receipt_invalid", 422)
    row.receipt_status, row.receipt_at = status, at or utcnow()
    if provider_id and not row.provider_ref:
        row.provider_ref = provider_id[:64]
    db.session.flush()
    return row
