"""Office endpoints of the feedback inbox: the agency's items, one item, assign, answer (the
rules are ``portal.operations.feedback``, the same as the office pages)."""

from __future__ import annotations

from flask import g, jsonify, request

from portal.api.blueprint import bp
from portal.api.common import iso, json_body, token_required
from portal.api.openapi import (
    BEARER,
    JSON_BODY_ERRORS,
    errors,
    json_response,
    path_param,
    query_param,
    ref,
)
from portal.api.openapi import json_body as body_doc
from portal.errors import api_error
from portal.messages import message_for
from portal.models.filing import FEEDBACK_STATUSES, Feedback, FeedbackKind
from portal.operations import feedback as feedback_inbox
from portal.operations.feedback import FeedbackError
from portal.transaction import refused
from workflow.states import Role

_FLAGS = {"true": True, "1": True, "false": False, "0": False}


def _refusal(error: FeedbackError):
    refused(error)
    return api_error(error.status, message_for(error), error.code)


def _staff_only():
    if g.api_user.role not in feedback_inbox.ACTING_ROLES and g.api_user.role != Role.ADMIN.value:
        return api_error(403, "Chỉ cán bộ của cơ quan mới xem được phản ánh, kiến nghị.", "staff_only")
    return None


def feedback_json(row: Feedback, now=None) -> dict:
    return {
        "id": row.id, "code": row.code, "kind": row.kind, "status": row.status, "subject": row.subject,
        "body": row.body, "agency": row.agency.code if row.agency else None,
        "dossier_code": row.dossier.code if row.dossier else None, "received_at": iso(row.created_at),
        "due_at": iso(row.due_at), "overdue": feedback_inbox.is_overdue(row, now),
        "assignee": {"id": row.assignee.id, "name": row.assignee.full_name} if row.assignee else None,
        "answer": row.answer, "answered_at": iso(row.answered_at), "answered_late": feedback_inbox.answered_late(row),
    }


@bp.get("/office/feedback")
@token_required
def feedback_list():
    not_staff = _staff_only()
    if not_staff:
        return not_staff
    status, overdue = request.args.get("status") or None, (request.args.get("overdue") or "false").lower()
    if (status is not None and status not in FEEDBACK_STATUSES) or overdue not in _FLAGS:
        return api_error(422, "Tham số status hoặc overdue không hợp lệ.", "invalid")
    box = feedback_inbox.inbox(g.api_user, status=status, overdue=_FLAGS[overdue])
    return jsonify({"items": [feedback_json(row, box.now) for row in box.items], "counts": box.counts})


@bp.get("/office/feedback/<int:feedback_id>")
@token_required
def feedback_item(feedback_id: int):
    try:
        return jsonify(feedback_json(feedback_inbox.visible(feedback_id, g.api_user)))
    except FeedbackError as error:
        return _refusal(error)


@bp.post("/office/feedback/<int:feedback_id>/assign")
@token_required
def feedback_assign(feedback_id: int):
    assignee = json_body().get("assignee_id")
    if not isinstance(assignee, int) or isinstance(assignee, bool):
        return api_error(422, "assignee_id phải là số định danh của một cán bộ.", "invalid", field="assignee_id")
    try:
        return jsonify(feedback_json(feedback_inbox.assign(feedback_id, g.api_user, assignee)))
    except FeedbackError as error:
        return _refusal(error)


@bp.post("/office/feedback/<int:feedback_id>/answer")
@token_required
def feedback_answer(feedback_id: int):
    answer = json_body().get("answer")
    if not isinstance(answer, str) or len(answer) > feedback_inbox.MAX_ANSWER:
        return api_error(422, "answer phải là một chuỗi, tối đa 8000 ký tự.", "invalid", field="answer")
    try:
        return jsonify(feedback_json(feedback_inbox.answer(feedback_id, g.api_user, answer)))
    except FeedbackError as error:
        return _refusal(error)


_DT = {"type": ["string", "null"], "format": "date-time"}
_STATUS = {"type": "string", "enum": list(FEEDBACK_STATUSES)}

OPENAPI_SCHEMAS = {
    "FeedbackItem": {
        "type": "object",
        "required": ["id", "code", "kind", "status", "subject", "body", "received_at", "due_at", "overdue",
                     "assignee", "answer", "answered_at", "answered_late"],
        "properties": {
            "id": {"type": "integer"}, "code": {"type": ["string", "null"], "description": "PA-<year>-<number>"},
            "kind": {"type": "string", "enum": [k.value for k in FeedbackKind]}, "status": _STATUS,
            "subject": {"type": "string"}, "body": {"type": "string"}, "agency": {"type": ["string", "null"]},
            "dossier_code": {"type": ["string", "null"]}, "received_at": _DT,
            "due_at": {**_DT, "description": "10 working days after receipt"},
            "overdue": {"type": "boolean", "description": "unanswered after the due date"},
            "assignee": {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "answer": {"type": ["string", "null"]}, "answered_at": _DT,
            "answered_late": {"type": "boolean", "description": "answered after the due date"},
        },
    },
    "FeedbackInbox": {
        "type": "object",
        "required": ["items", "counts"],
        "properties": {
            "items": {"type": "array", "items": ref("FeedbackItem")},
            "counts": {"type": "object", "description": "per status, overdue and all, for the whole inbox",
                       "additionalProperties": {"type": "integer"}},
        },
    },
}

_ID = path_param("feedback_id", "integer")
_ACT_ERRORS = errors(*JSON_BODY_ERRORS, 401, s403="Not an officer or leader of an agency",
                     s404="Unknown, or another agency's feedback", s409="Already answered")
OPENAPI_PATHS = {
    "/api/v1/office/feedback": {
        "get": {
            "summary": "Phản ánh, kiến nghị gửi đến cơ quan (cán bộ), chưa trả lời trước, theo hạn trả lời",
            "security": BEARER,
            "parameters": [query_param("status", _STATUS, "trạng thái"),
                           query_param("overdue", {"type": "string", "enum": list(_FLAGS)},
                                       "chỉ phản ánh quá hạn trả lời")],
            "responses": {"200": json_response(ref("FeedbackInbox")),
                          **errors(401, s403="Not agency staff", s422="A bad status or overdue value")},
        },
    },
    "/api/v1/office/feedback/{feedback_id}": {
        "get": {
            "summary": "Một phản ánh, kiến nghị của cơ quan",
            "security": BEARER,
            "parameters": [_ID],
            "responses": {"200": json_response(ref("FeedbackItem")),
                          **errors(401, s404="Unknown, or another agency's feedback")},
        },
    },
    "/api/v1/office/feedback/{feedback_id}/assign": {
        "post": {
            "summary": "Phân công cán bộ của cơ quan trả lời phản ánh",
            "security": BEARER,
            "parameters": [_ID],
            "requestBody": body_doc({"type": "object", "required": ["assignee_id"],
                                     "properties": {"assignee_id": {"type": "integer"}}}),
            "responses": {"200": json_response(ref("FeedbackItem")), **_ACT_ERRORS},
        },
    },
    "/api/v1/office/feedback/{feedback_id}/answer": {
        "post": {
            "summary": "Trả lời phản ánh (một lần); người dân được thông báo",
            "security": BEARER,
            "parameters": [_ID],
            "requestBody": body_doc({"type": "object", "required": ["answer"],
                                     "properties": {"answer": {"type": "string", "minLength": 1, "maxLength": 8000}}}),
            "responses": {"200": json_response(ref("FeedbackItem")), **_ACT_ERRORS},
        },
    },
}
