"""The SMS gateway's delivery receipts: ``POST /api/v1/sms/receipts`` (docs/notifications.md).

Authenticated by a signature, not a token: ``X-SMS-Timestamp`` and ``X-SMS-Signature:
sha256=<hex of HMAC-SHA256(SMS_GATEWAY_SECRET, '<timestamp>.<raw body>')>``, at most 300 s old
(the rule of ``signatures.webhook``). The receipt names the message by ``ref``, the outbox
message's event id the province sent it with.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, jsonify, request

from portal.api.blueprint import bp
from portal.api.common import ApiAbort, json_body
from portal.api.openapi import JSON_BODY_ERRORS, errors, json_response, ref
from portal.api.openapi import json_body as body_doc
from portal.errors import api_error
from portal.messages import message_for
from portal.operations import messaging
from portal.transaction import refused
from signatures.webhook import is_authentic

TIMESTAMP_HEADER = "X-SMS-Timestamp"
SIGNATURE_HEADER = "X-SMS-Signature"


def _field(body: dict, name: str, limit: int, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ApiAbort(api_error(422, f"{name} phải là chuỗi (tối đa {limit} ký tự).", "invalid_field"))
    return value.strip()


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ApiAbort(api_error(422, "at phải là thời điểm ISO 8601 có múi giờ.", "invalid_field"))
    return moment


@bp.post("/sms/receipts")
def sms_receipt():
    secret = current_app.config.get("SMS_GATEWAY_SECRET") or ""
    if not is_authentic(secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER),
                        request.get_data(cache=True)):
        return api_error(401, "Chữ ký của báo cáo gửi tin không hợp lệ, thiếu hoặc đã quá hạn.", "bad_signature")
    body = json_body()
    ref_, status = _field(body, "ref", 36), _field(body, "status", 16)
    provider_id, at = _field(body, "id", 64, required=False), _moment(_field(body, "at", 40, required=False))
    try:
        row = messaging.record_receipt(ref_ or "", status or "", provider_id, at)
    except messaging.MessagingError as error:
        refused(error)
        return api_error(error.status, message_for(error), error.code)
    return jsonify({"ref": row.event_id, "status": row.receipt_status})


OPENAPI_SCHEMAS = {
    "SmsReceipt": {
        "type": "object", "required": ["ref", "status"],
        "properties": {
            "ref": {"type": "string", "maxLength": 36, "description": "the ref the province sent the message with"},
            "id": {"type": "string", "maxLength": 64, "description": "the gateway's id of the message"},
            "status": {"type": "string", "enum": list(messaging.RECEIPT_STATUSES)},
            "at": {"type": "string", "format": "date-time"},
        },
    },
    "SmsReceiptRecorded": {
        "type": "object", "required": ["ref", "status"],
        "properties": {"ref": {"type": "string"}, "status": {"type": "string"}},
    },
}

OPENAPI_PATHS = {
    "/api/v1/sms/receipts": {
        "post": {
            "summary": "Báo cáo gửi tin (delivery receipt) của cổng SMS brandname (có chữ ký HMAC)",
            "description": "Updates the delivery status of the SMS sent with this ref. See docs/notifications.md.",
            "parameters": [
                {"name": TIMESTAMP_HEADER, "in": "header", "required": True,
                 "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
                 "description": "Unix seconds; refused when more than 300 s away from the province's clock"},
                {"name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
                 "description": "sha256=<hex of HMAC-SHA256(SMS_GATEWAY_SECRET, '<timestamp>.<raw body>')>"},
            ],
            "requestBody": body_doc(ref("SmsReceipt")),
            "responses": {
                "200": json_response(ref("SmsReceiptRecorded"), "The receipt is recorded"),
                **errors(*JSON_BODY_ERRORS, s401="Missing or wrong signature, or a timestamp more than 300 s away",
                         s404="No SMS was sent with this ref", s422="A missing or invalid field or status"),
            },
        },
    },
}
