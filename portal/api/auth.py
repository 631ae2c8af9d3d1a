from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, request

from portal.api import bp
from portal.api.common import ApiAbort, form_data, iso, json_body, token_required
from portal.auth.forms import RegistrationForm
from portal.auth.messages import ACCOUNT_MESSAGES
from portal.errors import api_error
from portal.extensions import db
from portal.operations import accounts


@bp.errorhandler(ApiAbort)
def _api_abort(error: ApiAbort):
    return error.response


def _client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


@bp.post("/auth/token")
def issue_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return api_error(422, "Cần có username và password (chuỗi ký tự).", "invalid")
    try:
        user = accounts.authenticate(username, password, client_address=_client_address(),
                                     policy=accounts.ThrottlePolicy.from_config(current_app.config))
    except accounts.LoginThrottled as error:
        db.session.commit()
        response = api_error(429, str(ACCOUNT_MESSAGES[error.code]), "rate_limited")
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except accounts.AccountError as error:
        db.session.commit()
        return api_error(401, str(ACCOUNT_MESSAGES[error.code]), error.code)
    token, row = accounts.issue_api_token(user, timedelta(seconds=current_app.config["API_TOKEN_LIFETIME_SECONDS"]))
    db.session.commit()
    return jsonify({"token": token, "expires_at": iso(row.expires_at), "role": user.role})


@bp.delete("/auth/token")
@token_required
def revoke_token():
    accounts.revoke_api_token(g.api_token)
    db.session.commit()
    return "", 204


@bp.post("/auth/register")
def register():
    body = json_body()
    body = {**body, "confirm": body.get("password")}
    form = RegistrationForm(formdata=form_data(body), meta={"csrf": False})
    if not form.validate():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return api_error(422, "Thông tin đăng ký chưa hợp lệ.", "invalid", fields=fields)
    try:
        user = accounts.register_citizen(
            username=form.username.data, password=form.password.data, full_name=form.full_name.data,
            id_number=form.id_number.data, phone=form.phone.data, email=form.email.data,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"], client_address=_client_address(),
        )
    except accounts.AccountError as error:
        db.session.rollback()
        return api_error(error.status, str(ACCOUNT_MESSAGES[error.code]), error.code,
                         fields={error.field: [str(ACCOUNT_MESSAGES[error.code])]} if error.field else {})
    db.session.commit()
    return jsonify({"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role}), 201


@bp.get("/me")
@token_required
def me():
    user = g.api_user
    return jsonify({"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
                    "agency": user.agency.code if user.agency else None})
