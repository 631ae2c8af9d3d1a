"""Helpers shared by the API modules: JSON bodies, bearer tokens, serialisation."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import abort, g, request
from werkzeug.datastructures import MultiDict

from portal.errors import api_error
from portal.operations import accounts
from workflow.calendar import VN_TZ

VN_OFFSET_NAME = "+07:00"


class ApiAbort(Exception):
    def __init__(self, response):
        self.response = response


def json_body() -> dict:
    """The request's JSON object, or a 400/415 error response raised as ApiAbort."""
    if not request.is_json:
        raise ApiAbort(api_error(415, "Content-Type phải là application/json.", "unsupported_media_type"))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiAbort(api_error(400, "Nội dung JSON không hợp lệ hoặc không phải một đối tượng.", "malformed_json"))
    return body


def form_data(body: dict) -> MultiDict:
    """A JSON object as form data for WTForms validation (scalars only)."""
    return MultiDict({k: str(v) for k, v in body.items() if isinstance(v, (str, int, float))})


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(VN_TZ).isoformat() if dt else None


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        found = accounts.user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        if found is None:
            return api_error(401, "Thiếu mã truy cập hoặc mã không hợp lệ, đã hết hạn hay đã bị thu hồi.")
        g.api_user, g.api_token = found
        return view(*args, **kwargs)

    return wrapper


def not_found():
    abort(404)
