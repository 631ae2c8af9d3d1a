"""Changes to an existing account that end every session of it: a password change (by the
owner, who stays signed in on the device that made it), a lock or unlock, a role change
(administrators, through ``flask user``)."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from portal.extensions import db
from portal.models import User
from portal.models.types import utcnow
from portal.models.user import normalize_username
from portal.operations import audit, throttle
from portal.operations.accounts import (
    AccountError,
    LoginThrottled,
    check_password_strength,
    end_all_sessions,
    role_and_agency,
)
from portal.operations.throttle import ThrottlePolicy


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == normalize_username(username or "")))
    if user is None:
        raise AccountError("unknown_user", "username")
    return user


class WrongCurrentPassword(AccountError):
    keeps_changes = True  # counted by the sign-in throttle, like a failed sign-in


def change_password(user: User, *, current: str, new: str, min_length: int, address: str = "unknown",
                    policy: ThrottlePolicy | None = None) -> None:
    """Set a new password and end every session and API token of the account.

    With a ``policy`` (the owner's change) the current password must be given, and wrong ones
    are throttled as sign-ins are (a borrowed session cannot try passwords freely); without
    one (an administrator's reset, ``flask user set-password``) it is not asked for."""
    if policy is not None:
        _check_current(user, current, address, policy)
    check_password_strength(new, min_length, username=user.username, id_number=user.id_number)
    user.set_password(new)
    audit.record("account.password_changed", user=user, object_type="user", object_id=user.id, address=address)
    end_all_sessions(user, "password_changed", address=address)


def _check_current(user: User, current: str, address: str, policy: ThrottlePolicy) -> None:
    now = utcnow()
    try:
        pair_failures = throttle.admit(user.username, address, now, policy)
    except throttle.Throttled as blocked:
        raise LoginThrottled(blocked.retry_after) from None
    ok = check_password_hash(user.password_hash, current or "")
    throttle.settle(user.username, address, now, policy, pair_failures=pair_failures, succeeded=ok)
    if not ok:
        audit.record("account.password_change_failed", user=user, address=address)
        raise WrongCurrentPassword("password_wrong", "current_password")


def set_active(user: User, active: bool, *, by: User | None = None) -> None:
    """Lock (``active=False``) or unlock an account; a lock ends its sessions and tokens."""
    if user.is_active_account == active:
        return
    user.is_active_account = active
    audit.record("account.unlocked" if active else "account.locked", user=by, object_type="user", object_id=user.id)
    if not active:
        end_all_sessions(user, "locked", by=by)


def change_role(user: User, role: str, agency_code: str | None, *, by: User | None = None) -> None:
    """Give ``user`` another role (and agency): every session and token opened under the old
    one ends, so no page or token keeps the old rights."""
    role_enum, agency = role_and_agency(role, agency_code)
    if user.role == role_enum.value and user.agency_id == (agency.id if agency else None):
        return
    old = user.role
    user.role, user.agency = role_enum.value, agency
    audit.record("account.role_changed", user=by, object_type="user", object_id=user.id,
                 old=old, new=role_enum.value, agency=agency_code)
    end_all_sessions(user, "role_changed", by=by)


def set_notification_channels(user: User, *, email: bool, sms: bool, zalo: bool) -> bool:
    """The channels ``user`` wants notices on (audited); whether anything changed."""
    before = {"email": user.notify_email, "sms": user.notify_sms, "zalo": user.notify_zalo}
    after = {"email": bool(email), "sms": bool(sms), "zalo": bool(zalo)}
    if before == after:
        return False
    user.notify_email, user.notify_sms, user.notify_zalo = after["email"], after["sms"], after["zalo"]
    audit.record("account.notification_channels", user=user, object_type="user", object_id=user.id,
                 before=before, after=after)
    return True
