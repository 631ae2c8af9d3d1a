"""Password resets an administrator starts for an account (the users admin pages, ``flask user``).

The reset makes a one-time secret: only its SHA-256 is stored; the person receives it as a link
(by e-mail through the outbox, when the account has an address) and as a code the administrator
prints and hands over (same secret, two forms). Starting a reset replaces the account's password
with an unknown one, ends every session and API token of the account, and ends any older reset.
The secret sets a new password once, before it expires; wrong codes typed with a username are
throttled as sign-ins are.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import PasswordReset, User
from portal.models.types import utcnow
from portal.models.user import normalize_username
from portal.operations import audit, notifications, throttle
from portal.operations.accounts import (
    AccountError,
    LoginThrottled,
    check_password_strength,
    end_all_sessions,
)
from portal.operations.throttle import ThrottlePolicy
from workflow.calendar import VN_TZ

#: Letters and digits that cannot be mistaken for one another when read aloud or typed.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 16  # 80 bits


class ResetRefused(AccountError):
    status = 400


class WrongResetCode(ResetRefused):
    keeps_changes = True  # counted by the sign-in throttle


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


def formatted(code: str) -> str:
    """The code as printed: four groups of four characters."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


MAIL_SUBJECT = "Đặt lại mật khẩu tài khoản"
MAIL_BODY = ("Quản trị hệ thống đã yêu cầu đặt lại mật khẩu tài khoản “{username}”. Mở đường dẫn sau để "
             "đặt mật khẩu mới (dùng được một lần, đến {expires}):\n\n{link}\n\nHoặc nhập tên đăng nhập và mã "
             "{code} tại trang đặt lại mật khẩu. Nếu bạn không chờ thư này, hãy báo quản trị hệ thống.")


def start_reset(user: User, *, lifetime: timedelta, link_base: str, by: User | None = None,
                now: datetime | None = None) -> str:
    """Start a reset of ``user``'s password; returns the one-time code (shown to the
    administrator once, never stored). ``link_base`` + the code is the link e-mailed."""
    now = now or utcnow()
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
                                                   PasswordReset.replaced_at.is_(None)).values(replaced_at=now))
    row = PasswordReset(user_id=user.id, token_hash=_hash(code), created_at=now, expires_at=now + lifetime,
                        created_by_id=by.id if by is not None else None)
    db.session.add(row)
    user.set_password(secrets.token_urlsafe(32))  # the old password stops working now
    db.session.flush()
    audit.record("account.password_reset_started", user=by, object_type="user", object_id=user.id,
                 emailed=bool(user.email), expires_at=row.expires_at.isoformat())
    end_all_sessions(user, "password_reset", by=by)
    if user.email:
        notifications.queue_mail(db.session, user.email, MAIL_SUBJECT, MAIL_BODY.format(
            username=user.username, link=link_base + code, code=formatted(code),
            expires=row.expires_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")))
    return code


def find_reset(code: str, *, now: datetime | None = None) -> PasswordReset:
    """The reset of a link or code that can still be used; refused otherwise (unknown, used or
    replaced, expired), with a code the person's page explains."""
    now = now or utcnow()
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(code)))
    if row is None:
        raise ResetRefused("reset_unknown")
    if row.used_at is not None or row.replaced_at is not None:
        raise ResetRefused("reset_used")
    if row.expires_at <= now:
        raise ResetRefused("reset_expired")
    return row


def check_code(username: str, code: str, *, address: str, policy: ThrottlePolicy,
               now: datetime | None = None) -> PasswordReset:
    """A code typed with a username: throttled per (username, address) like a sign-in."""
    now = now or utcnow()
    username = normalize_username(username or "")[:64]
    try:
        pair_failures = throttle.admit(username, address, now, policy)
    except throttle.Throttled as blocked:
        raise LoginThrottled(blocked.retry_after) from None
    try:
        row = find_reset(code, now=now)
        if row.user.username != username:
            raise ResetRefused("reset_unknown")
    except ResetRefused as refusal:
        throttle.settle(username, address, now, policy, pair_failures=pair_failures, succeeded=False)
        audit.record("account.password_reset_refused", actor=username or "?", address=address, reason=refusal.code)
        raise WrongResetCode(refusal.code) from None
    throttle.settle(username, address, now, policy, pair_failures=pair_failures, succeeded=True)
    return row


def complete_reset(row: PasswordReset, new_password: str, *, min_length: int, address: str | None = None,
                   now: datetime | None = None) -> User:
    """Set the new password with a usable reset (``find_reset``/``check_code``); the reset ends.
    The row is locked first, so the same secret cannot set two passwords at once."""
    now = now or utcnow()
    user = row.user
    check_password_strength(new_password, min_length, username=user.username, id_number=user.id_number)
    used = db.session.execute(update(PasswordReset).where(
        PasswordReset.id == row.id, PasswordReset.used_at.is_(None), PasswordReset.replaced_at.is_(None),
        PasswordReset.expires_at > now).values(used_at=now))
    if used.rowcount != 1:
        raise ResetRefused("reset_used")
    user.set_password(new_password)
    audit.record("account.password_reset_completed", user=user, object_type="user", object_id=user.id, address=address)
    end_all_sessions(user, "password_reset", address=address)
    return user
