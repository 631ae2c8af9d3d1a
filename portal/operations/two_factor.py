"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238; ``pyotp``).

Accounts of the roles in the setting ``TWO_FACTOR_ROLES`` (and every account that enrolled)
confirm each sign-in, on the web and for an API token, with the 6-digit code of an
authenticator app. Enrolment happens at the first sign-in after the password: the secret is
shown once (QR code and text) and kept encrypted (Fernet, a key derived from SECRET_KEY or
``TOTP_ENCRYPTION_KEY``); it is never shown again once a code confirmed it. A code is accepted
one 30-second step early or late, once (its step is recorded); wrong codes count as failed
sign-ins (``portal.operations.throttle``). An administrator's reset removes the secret and ends
every session: the person enrols again at the next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import or_, update

from portal.extensions import db
from portal.models import User
from portal.models.types import utcnow
from portal.operations import audit, throttle
from portal.operations.accounts import (
    AccountError,
    LoginThrottled,
    end_all_sessions,
    needs_second_factor,
)
from portal.operations.throttle import ThrottlePolicy

ISSUER = "Dịch vụ công Lai Châu"


class TwoFactorRefused(AccountError):
    status = 401


class WrongCode(TwoFactorRefused):
    keeps_changes = True  # counted by the sign-in throttle, like a wrong password


required = needs_second_factor


def enrolled(user: User) -> bool:
    return user.totp_enrolled_at is not None


def _fernet() -> Fernet:
    secret = current_app.config.get("TOTP_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    key = hashlib.sha256(b"portal-totp-secret:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(user: User) -> str | None:
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the person enrols again after an administrator's reset
        return None


def enrolment_secret(user: User) -> str:
    """The secret to show while ``user`` enrols (the same one until a code confirms it)."""
    if enrolled(user):
        raise TwoFactorRefused("totp_already_enrolled")
    secret = _secret(user)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = _fernet().encrypt(secret.encode()).decode()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    digits = "".join(ch for ch in code or "" if not ch.isspace())
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), digits):
            return candidate
    return None


def check_code(user: User, code: str, *, address: str, policy: ThrottlePolicy, now: datetime | None = None) -> None:
    """Accept ``code`` once for ``user`` or refuse it (wrong, reused within its window, or
    throttled). Used for every sign-in of an enrolled account and to confirm an enrolment."""
    now = now or utcnow()
    try:
        pair_failures = throttle.admit(user.username, address, now, policy)
    except throttle.Throttled as blocked:
        audit.record("auth.throttled", user=user, address=address)
        raise LoginThrottled(blocked.retry_after) from None
    secret = _secret(user)
    step = _matching_step(secret, code, now) if secret else None
    problem = "totp_wrong" if step is None else None
    if step is not None:
        accepted = db.session.execute(update(User).where(
            User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step))
        problem = None if accepted.rowcount == 1 else "totp_reused"
    throttle.settle(user.username, address, now, policy, pair_failures=pair_failures, succeeded=problem is None)
    if problem is not None:
        audit.record("auth.totp_failed", user=user, address=address, reason=problem)
        raise WrongCode(problem)
    user.last_login_at = now
    audit.record("auth.login", user=user, address=address, second_factor=True)


def confirm_enrolment(user: User, code: str, *, address: str, policy: ThrottlePolicy,
                      now: datetime | None = None) -> None:
    """The first code from the authenticator app: from now on every sign-in asks for one."""
    if enrolled(user):
        raise TwoFactorRefused("totp_already_enrolled")
    check_code(user, code, address=address, policy=policy, now=now)
    user.totp_enrolled_at = now or utcnow()
    audit.record("account.totp_enrolled", user=user, object_type="user", object_id=user.id, address=address)


def reset(user: User, *, by: User | None = None, reason: str | None = None) -> None:
    """An administrator removes ``user``'s second factor (lost phone): every session ends and the
    person enrols again at the next sign-in."""
    before = {"two_factor": enrolled(user)}
    user.totp_secret, user.totp_enrolled_at, user.totp_last_step = None, None, None
    audit.record("account.totp_reset", user=by, object_type="user", object_id=user.id,
                 before=before, after={"two_factor": False}, reason=reason)
    end_all_sessions(user, "totp_reset", by=by)
