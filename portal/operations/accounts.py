"""Accounts: citizen registration, staff creation, sign-in with throttling, API tokens, and the
end of every session of an account (logout, password change, lock, role change)."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import Agency, ApiToken, LoginAttempt, User
from portal.models.types import utcnow
from portal.models.user import normalize_username
from portal.operations import audit, citizen_registry, notifications, passwords, throttle
from portal.operations.errors import AccountError
from portal.operations.throttle import ThrottlePolicy
from portal.text import normalize_phone
from workflow.citizen_id import parse_citizen_id
from workflow.states import Role


class DuplicateAccount(AccountError):
    status = 409


class InvalidCredentials(AccountError):
    status = 401
    keeps_changes = True  # the failed attempt is recorded: the throttle counts it


class LoginThrottled(AccountError):
    status = 429
    keeps_changes = True

    def __init__(self, retry_after: int):
        super().__init__("throttled", minutes=max(1, math.ceil(retry_after / 60)))
        self.retry_after = retry_after


def _username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def register_citizen(*, username: str, password: str, full_name: str, id_number: str,
                     phone: str | None, email: str | None, address: str | None = None,
                     min_password_length: int = 10, client_address: str | None = None) -> User | None:
    """The new citizen account; None when the ID number already has one.

    That case is not refused: the answer must not tell whoever typed the number that its owner
    has an account. The owner is told through their own channels instead (``_tell_owner``).
    """
    username = normalize_username(username)
    check_username(username)
    citizen_id = parse_citizen_id(id_number)
    check_password_strength(password, min_password_length, username=username, id_number=citizen_id.number)
    if not full_name or not full_name.strip():
        raise AccountError("full_name_required", "full_name")
    if _username_taken(username):
        raise DuplicateAccount("username_taken", "username")
    # Asked before anything is written: a refusal keeps only the lookup's audit entry.
    found = citizen_registry.check_new_citizen(citizen_id.number, full_name, client_address=client_address)
    owner = db.session.scalar(select(User).where(User.id_number == citizen_id.number))
    if owner is not None:
        _tell_owner(owner, client_address)
        return None
    user = User(
        username=username,
        full_name=" ".join(full_name.split()),
        id_number=citizen_id.number,
        phone=normalize_phone(phone or "") or None,
        email=(email or "").strip().lower() or None,
        address=(address or "").strip() or None,
        role=Role.CITIZEN.value,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    citizen_registry.apply_to_new_account(user, found)
    audit.record("account.registered", user=user, object_type="user", object_id=user.id,
                 address=client_address)
    return user


def _tell_owner(owner: User, client_address: str | None) -> None:
    """Someone registered with the ID number of ``owner``: an audit entry, a notification on the
    owner's account and, when the owner gave one, an e-mail through the outbox."""
    audit.record("account.duplicate_registration", user=owner, object_type="user", object_id=owner.id,
                 address=client_address)
    notifications.notify_account(owner, notifications.DUPLICATE_REGISTRATION)


def role_and_agency(role: str, agency_code: str | None) -> tuple[Role, Agency | None]:
    """A staff role and its agency, checked: every role but citizen and administrator belongs to one."""
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
    return role_enum, agency


def create_staff_user(*, username: str, password: str | None, role: str, agency_code: str | None,
                      full_name: str | None = None, position: str | None = None,
                      email: str | None = None, phone: str | None = None, min_password_length: int = 10,
                      created_by: User | None = None) -> User:
    """A staff or administrator account. Without a ``password`` it gets an unknown one: the
    person sets theirs through a password reset (``account_changes.create_staff_account``)."""
    username = normalize_username(username)
    check_username(username)
    if password is not None:
        check_password_strength(password, min_password_length, username=username)
    role_enum, agency = role_and_agency(role, agency_code)
    if role_enum is Role.CITIZEN:
        raise AccountError("unknown_role", "role")
    if _username_taken(username):
        raise DuplicateAccount("username_taken", "username")
    user = User(username=username, full_name=" ".join((full_name or "").split()) or username, role=role_enum.value,
                agency=agency, position=(position or "").strip() or None, email=(email or "").strip().lower() or None,
                phone=(phone or "").strip() or None)
    user.set_password(password if password is not None else secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", user=created_by, object_type="user", object_id=user.id,
                 before={}, after=snapshot(user))
    return user


def snapshot(user: User) -> dict:
    """The administered fields of an account, as the audit log records them (before/after)."""
    return {"full_name": user.full_name, "position": user.position, "role": user.role,
            "agency": user.agency.code if user.agency else None, "email": user.email, "phone": user.phone,
            "is_active": user.is_active_account}


USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def check_username(username: str) -> None:
    if not 3 <= len(username) <= 64 or not set(username) <= USERNAME_CHARS:
        raise AccountError("username_invalid", "username")


def check_password_strength(password: str, min_length: int, *, username: str | None = None,
                            id_number: str | None = None) -> None:
    try:
        passwords.check_password(password, min_length=min_length, username=username, id_number=id_number)
    except passwords.PasswordRefused as refusal:
        raise AccountError(refusal.code, "password", **refusal.params) from None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def needs_second_factor(user: User, two_factor_roles: Iterable[str]) -> bool:
    """Whether ``user`` signs in with a TOTP code after the password (``two_factor``): their role
    is one of ``two_factor_roles`` (the setting ``TWO_FACTOR_ROLES``), or they enrolled."""
    return user.totp_enrolled_at is not None or user.role in set(two_factor_roles)


def authenticate(username: str, password: str, *, client_address: str,
                 policy: ThrottlePolicy, now: datetime | None = None,
                 two_factor_roles: Iterable[str] = ()) -> User:
    """Check a username and password, throttled per (account, address), per account and per
    address (``portal.operations.throttle``). For an account that needs a second factor the
    sign-in is not complete yet: it is recorded when the code is accepted (``two_factor``).

    An unknown or locked account costs the same as a known one: a password hash is checked in
    every case (a dummy one when there is no account). The attempt is recorded whatever the
    outcome, so the caller must commit even on failure (``keeps_changes``).
    """
    now = now or utcnow()
    username = normalize_username(username or "")[:64]
    try:
        pair_failures = throttle.admit(username, client_address, now, policy)
    except throttle.Throttled as blocked:
        audit.record("auth.throttled", actor=username or "?", address=client_address)
        raise LoginThrottled(blocked.retry_after) from None
    user = db.session.scalar(select(User).where(User.username == username))
    # An account without a local password (VNeID only) costs the same check and never matches.
    stored = user.password_hash if user is not None and user.has_password else _dummy_hash()
    matches = check_password_hash(stored, password or "") and user is not None and user.has_password
    ok = matches and user is not None and user.is_active
    throttle.settle(username, client_address, now, policy, pair_failures=pair_failures, succeeded=ok)
    db.session.add(LoginAttempt(username=username, address=client_address, succeeded=ok,
                                attempted_at=now))
    if not ok:
        audit.record("auth.failed", actor=username or "?", address=client_address)
        raise InvalidCredentials("invalid_credentials")
    if needs_second_factor(user, two_factor_roles):
        audit.record("auth.password_accepted", user=user, address=client_address)
        return user
    user.last_login_at = now
    audit.record("auth.login", user=user, address=client_address)
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, lifetime: timedelta) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash_token(token), expires_at=utcnow() + lifetime,
                   session_generation=user.session_generation)
    db.session.add(row)
    db.session.flush()
    audit.record("api.token_issued", user=user, object_type="api_token", object_id=row.id)
    return token, row


@lru_cache(maxsize=1)
def _token_with_user():
    """One query: the token with its user (a join, not a second SELECT for ``row.user``). Built
    once: the statement remembers its cache key, which every API request would otherwise
    compute anew (the eager-load option makes it one of the costlier keys)."""
    return (select(ApiToken).options(joinedload(ApiToken.user))
            .where(ApiToken.token_hash == bindparam("token_hash")))


def user_for_token(token: str) -> tuple[User, ApiToken] | None:
    row = db.session.scalar(_token_with_user(), {"token_hash": _hash_token(token)})
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.is_active or row.session_generation != row.user.session_generation:
        return None
    return row.user, row


def user_for_session(session_id: str) -> User | None:
    """The user of a web session (Flask-Login's ``"<id>.<generation>"``, see ``User.get_id``);
    None when the account is locked or the session was ended since it was opened."""
    user_id, _, generation = session_id.partition(".")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_generation != int(generation):
        return None
    return user


def revoke_api_token(row: ApiToken) -> None:
    row.revoked_at = utcnow()
    audit.record("api.token_revoked", user=row.user, object_type="api_token", object_id=row.id)


def end_all_sessions(user: User, reason: str, *, by: User | None = None, address: str | None = None) -> None:
    """End every web session and every API token of ``user``: the generation they carry no
    longer matches. One atomic increment, so two concurrent ends both count."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=User.session_generation + 1))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    db.session.refresh(user)
    audit.record("account.sessions_ended", user=by or user, object_type="user", object_id=user.id,
                 address=address, reason=reason)


def logout(user: User, *, address: str | None = None) -> None:
    audit.record("auth.logout", user=user, address=address)
    end_all_sessions(user, "logout", address=address)
