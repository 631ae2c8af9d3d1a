"""Accounts: citizen registration, staff creation, sign-in with throttling, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, ApiToken, LoginAttempt, User
from portal.models.types import utcnow
from portal.models.user import normalize_username
from portal.operations import audit
from portal.operations.errors import DomainError
from workflow.citizen_id import parse_citizen_id
from workflow.states import Role


class AccountError(DomainError):
    """A use-case failure with a machine code and the field it concerns (for forms and the API)."""

    status = 422

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.field = field


class DuplicateAccount(AccountError):
    status = 409


class InvalidCredentials(AccountError):
    status = 401
    keeps_changes = True  # the failed attempt is recorded: the throttle counts it


class LoginThrottled(AccountError):
    status = 429
    keeps_changes = True

    def __init__(self, retry_after: int):
        super().__init__("throttled")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_per_user: int
    max_failures_per_address: int
    window: timedelta

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        return cls(
            config["LOGIN_MAX_FAILURES_PER_USER"],
            config["LOGIN_MAX_FAILURES_PER_IP"],
            timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]),
        )


def _username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def _id_number_taken(id_number: str) -> bool:
    return db.session.scalar(select(User.id).where(User.id_number == id_number)) is not None


def register_citizen(*, username: str, password: str, full_name: str, id_number: str,
                     phone: str | None, email: str | None, address: str | None = None,
                     min_password_length: int = 10, client_address: str | None = None) -> User:
    username = normalize_username(username)
    check_username(username)
    check_password_strength(password, min_password_length)
    citizen_id = parse_citizen_id(id_number)
    if not full_name or not full_name.strip():
        raise AccountError("full_name_required", "full_name")
    if _username_taken(username):
        raise DuplicateAccount("username_taken", "username")
    if _id_number_taken(citizen_id.number):
        raise DuplicateAccount("id_number_taken", "id_number")
    user = User(
        username=username,
        full_name=" ".join(full_name.split()),
        id_number=citizen_id.number,
        phone=(phone or "").strip() or None,
        email=(email or "").strip().lower() or None,
        address=(address or "").strip() or None,
        role=Role.CITIZEN.value,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("account.registered", user=user, object_type="user", object_id=user.id,
                 address=client_address)
    return user


def create_staff_user(*, username: str, password: str, role: str, agency_code: str | None,
                      full_name: str | None = None, position: str | None = None,
                      email: str | None = None, min_password_length: int = 10,
                      created_by: User | None = None) -> User:
    username = normalize_username(username)
    check_username(username)
    check_password_strength(password, min_password_length)
    try:
        role_enum = Role(role)
    except ValueError:
        raise AccountError("unknown_role", "role") from None
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise AccountError("unknown_agency", "agency")
    if role_enum not in (Role.CITIZEN, Role.ADMIN) and agency is None:
        raise AccountError("agency_required", "agency")
    if _username_taken(username):
        raise DuplicateAccount("username_taken", "username")
    user = User(username=username, full_name=full_name or username, role=role_enum.value,
                agency=agency, position=position, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", user=created_by, object_type="user", object_id=user.id,
                 role=role_enum.value, agency=agency_code)
    return user


USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def check_username(username: str) -> None:
    if not 3 <= len(username) <= 64 or not set(username) <= USERNAME_CHARS:
        raise AccountError("username_invalid", "username")


def check_password_strength(password: str, min_length: int) -> None:
    if len(password or "") < min_length:
        raise AccountError("password_too_short", "password")
    classes = sum([any(c.isalpha() for c in password), any(c.isdigit() for c in password)])
    if classes < 2:
        raise AccountError("password_too_simple", "password")


def _recent_failures(column, value: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
        )
    )


def authenticate(username: str, password: str, *, client_address: str,
                 policy: ThrottlePolicy, now: datetime | None = None) -> User:
    """Check a username and password, counting failures per username and per address.

    The attempt is recorded whatever the outcome, so the caller must commit even on failure.
    """
    now = now or utcnow()
    username = normalize_username(username or "")[:64]
    since = now - policy.window
    if (
        _recent_failures(LoginAttempt.username, username, since) >= policy.max_failures_per_user
        or _recent_failures(LoginAttempt.address, client_address, since)
        >= policy.max_failures_per_address
    ):
        audit.record("auth.throttled", actor=username or "?", address=client_address)
        raise LoginThrottled(int(policy.window.total_seconds()))
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.is_active and user.check_password(password or "")
    db.session.add(LoginAttempt(username=username, address=client_address, succeeded=ok,
                                attempted_at=now))
    if not ok:
        audit.record("auth.failed", actor=username or "?", address=client_address)
        raise InvalidCredentials("invalid_credentials")
    user.last_login_at = now
    audit.record("auth.login", user=user, address=client_address)
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, lifetime: timedelta) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash_token(token), expires_at=utcnow() + lifetime)
    db.session.add(row)
    db.session.flush()
    audit.record("api.token_issued", user=user, object_type="api_token", object_id=row.id)
    return token, row


def user_for_token(token: str) -> tuple[User, ApiToken] | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.is_active:
        return None
    return row.user, row


def revoke_api_token(row: ApiToken) -> None:
    row.revoked_at = utcnow()
    audit.record("api.token_revoked", user=row.user, object_type="api_token", object_id=row.id)
