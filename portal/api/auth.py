from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, request

from portal.api.blueprint import bp
from portal.api.common import ApiAbort, form_data, iso, json_body, token_required
from portal.api.openapi import BEARER, JSON_BODY_ERRORS, errors, json_response, nullable, ref
from portal.api.openapi import json_body as body_doc
from portal.auth.forms import RegistrationForm
from portal.errors import api_error
from portal.messages import message_for
from portal.operations import accounts, citizen_registry, two_factor
from portal.transaction import refused
from workflow.states import Role


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
    totp = body.get("totp")
    if totp is not None and not isinstance(totp, str):
        return api_error(422, "totp phải là chuỗi 6 chữ số.", "invalid")
    policy = accounts.ThrottlePolicy.from_config(current_app.config)
    try:
        user = accounts.authenticate(username, password, client_address=_client_address(), policy=policy,
                                     two_factor_roles=current_app.config["TWO_FACTOR_ROLES"])
        _second_factor(user, totp, policy)
    except accounts.AccountError as error:
        return _sign_in_refused(error)
    token, row = accounts.issue_api_token(user, timedelta(seconds=current_app.config["API_TOKEN_LIFETIME_SECONDS"]))
    return jsonify({"token": token, "expires_at": iso(row.expires_at), "role": user.role})


def _second_factor(user, totp: str | None, policy: accounts.ThrottlePolicy) -> None:
    """The code of an account that signs in with two factors (``TWO_FACTOR_ROLES``, or enrolled)."""
    if not two_factor.required(user, current_app.config["TWO_FACTOR_ROLES"]):
        return
    if not two_factor.enrolled(user):
        raise two_factor.TwoFactorRefused("totp_enrolment_required")
    if not totp:
        raise two_factor.TwoFactorRefused("totp_required")
    two_factor.check_code(user, totp, address=_client_address(), policy=policy)


def _sign_in_refused(error: accounts.AccountError):
    """429 with Retry-After when throttled, 401 otherwise. The failed attempt is kept although the
    answer is an error (``keeps_changes``): the throttle counts it."""
    refused(error)
    if isinstance(error, accounts.LoginThrottled):
        response = api_error(429, message_for(error), "rate_limited")
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    return api_error(401, message_for(error), error.code)


@bp.delete("/auth/token")
@token_required
def revoke_token():
    accounts.revoke_api_token(g.api_token)
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
        _register(form)
    except accounts.AccountError as error:
        refused(error)
        return api_error(error.status, message_for(error), error.code,
                         fields={error.field: [message_for(error)]} if error.field else {})
    # 202 whether an account was created or the ID number already had one (its owner is told
    # by their own channels): the answer reveals nothing about someone else's ID number.
    return jsonify({"status": "received", "username": form.username.data.strip().lower(),
                    "message": message_for("registration_received")}), 202


def _register(form: RegistrationForm):
    return accounts.register_citizen(
        username=form.username.data, password=form.password.data, full_name=form.full_name.data,
        id_number=form.id_number.data, phone=form.phone.data, email=form.email.data,
        min_password_length=current_app.config["PASSWORD_MIN_LENGTH"], client_address=_client_address(),
    )


def _account_json(user) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
            "agency": user.agency.code if user.agency else None,
            "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
            "address": user.address, "identity_status": user.identity_status,
            "sources": citizen_registry.sources_of(user)}


@bp.get("/me")
@token_required
def me():
    return jsonify(_account_json(g.api_user))


@bp.post("/me/identity")
@token_required
def confirm_identity():
    """The same use case as the profile page's button (``citizen_registry.confirm_profile``)."""
    user = g.api_user
    if user.role != Role.CITIZEN.value:
        return api_error(403, "Chỉ tài khoản công dân được xác minh với CSDL dân cư.", "citizens_only")
    try:
        outcome = citizen_registry.confirm_profile(user, client_address=_client_address())
    except accounts.AccountError as error:
        refused(error)
        return api_error(error.status, message_for(error), error.code,
                         fields={error.field: [message_for(error)]} if error.field else {})
    return jsonify({**_account_json(user), "outcome": outcome.outcome.value,
                    "changed": sorted(outcome.changes)})


_ROLE = {"type": "string", "enum": [r.value for r in Role]}

OPENAPI_SCHEMAS = {
    "Token": {"type": "object", "required": ["token", "expires_at", "role"], "properties": {
        "token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}, "role": _ROLE}},
    "RegistrationReceived": {"type": "object", "required": ["status", "username", "message"], "properties": {
        "status": {"type": "string", "enum": ["received"]}, "username": {"type": "string"},
        "message": {"type": "string"}}},
    "Account": {"type": "object", "required": ["id", "username", "full_name", "role"], "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"}, "full_name": {"type": "string"}, "role": _ROLE,
        "agency": nullable("string", description="agency code of a staff account"),
        "date_of_birth": nullable("string", format="date"),
        "address": nullable("string", description="permanent address"),
        "identity_status": {"type": ["string", "null"], "enum": ["confirmed", "unconfirmed", None],
                            "description": "name and ID number confirmed with the population database, "
                                           "or not confirmed because it did not answer; null: never checked"},
        "sources": {"type": "object", "description": "field -> where it came from",
                    "additionalProperties": {"type": "string", "enum": ["vneid", "population_registry", "citizen"]}}}},
    "IdentityConfirmation": {"allOf": [{"$ref": "#/components/schemas/Account"}, {
        "type": "object", "required": ["outcome", "changed"], "properties": {
            "outcome": {"type": "string", "enum": ["confirmed", "unavailable"]},
            "changed": {"type": "array", "items": {"type": "string"}}}}]},
}

OPENAPI_PATHS = {
    "/api/v1/auth/token": {
        "post": {
            "summary": "Đăng nhập, nhận mã truy cập (Bearer)",
            "description": "Accounts that sign in with two factors (roles in the setting TWO_FACTOR_ROLES, "
                           "by default leaders and administrators in production, and every account that "
                           "enrolled) send `totp`, the current 6-digit code of their authenticator app "
                           "(RFC 6238; one 30-second step early or late, each code once). Without it the "
                           "answer is 401 `totp_required`; a wrong or reused code is 401 `totp_wrong` or "
                           "`totp_reused` and counts as a failed sign-in; an account that has not enrolled "
                           "yet gets 401 `totp_enrolment_required` (enrol by signing in on the web once).",
            "requestBody": body_doc({"type": "object", "required": ["username", "password"], "properties": {
                "username": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 1},
                "totp": {"type": "string", "pattern": r"^\d{6}$",
                         "description": "TOTP code; required for two-factor accounts"}}}),
            "responses": {
                "200": json_response(ref("Token")),
                **errors(*JSON_BODY_ERRORS, s401="Wrong username or password, or the TOTP code missing or wrong"),
                "429": {**errors(429)["429"], "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
            },
        },
        "delete": {"summary": "Thu hồi mã truy cập đang dùng", "security": BEARER,
                   "responses": {"204": {"description": "Revoked"}, **errors(401)}},
    },
    "/api/v1/auth/register": {
        "post": {
            "summary": "Đăng ký tài khoản công dân",
            "requestBody": body_doc({"type": "object", "required": ["username", "password", "full_name", "id_number", "phone"],
                                     "properties": {
                "username": {"type": "string"}, "password": {"type": "string"}, "full_name": {"type": "string"},
                "id_number": {"type": "string", "pattern": r"^\d{12}$"}, "phone": {"type": "string"},
                "email": {"type": "string", "format": "email"}}}),
            "description": "The same 202 whether an account was created or the ID number already had "
                           "one (its owner is told by notification and e-mail): the answer does not "
                           "reveal whether someone else's ID number has an account. With the population "
                           "database configured (docs/population-registry.md), a name that does not match "
                           "the ID number (422 `registry_mismatch`) or a number not registered (422 "
                           "`registry_not_found`) is refused; when it does not answer, the account is "
                           "created unconfirmed.",
            "responses": {"202": json_response(ref("RegistrationReceived"), "Received"),
                          **errors(*JSON_BODY_ERRORS, s409="Username already taken",
                                   s429="Too many registrations from this address while the population "
                                        "database checks them (REGISTRY_LOOKUPS_PER_WINDOW)")},
        }
    },
    "/api/v1/me": {
        "get": {"summary": "Tài khoản của mã truy cập", "security": BEARER,
                "responses": {"200": json_response(ref("Account")), **errors(401)}},
    },
    "/api/v1/me/identity": {
        "post": {
            "summary": "Xác minh tài khoản với CSDL quốc gia về dân cư",
            "description": "Asks the population database (docs/population-registry.md) to confirm the "
                           "account's name and ID number; when it does, the registered date of birth and "
                           "permanent address replace the profile's (`changed` lists the fields). "
                           "`unavailable`: the database did not answer, nothing changed but the status "
                           "(unconfirmed). A name that does not match or a number not registered: 422, "
                           "nothing changed. Every lookup is in the audit log.",
            "security": BEARER,
            "responses": {"200": json_response(ref("IdentityConfirmation")),
                          **errors(401, s403="Not a citizen account",
                                   s409="The population database is not configured",
                                   s422="Name and ID number do not match, or the number is not registered")},
        },
    },
}
