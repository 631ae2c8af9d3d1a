"""Changes to an existing account that end every session of it: a password change (by the
owner, who stays signed in on the device that made it), a lock or unlock, a role change, and
the administrators' edits of staff accounts (the users admin pages and ``flask user``).

Every administrator's change is audited with the account's fields before and after it, and
none may leave the portal without an active administrator (``last_admin``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash

from portal.extensions import db
from portal.models import Agency, User
from portal.models.types import utcnow
from portal.models.user import normalize_username
from portal.operations import audit, password_resets, throttle
from portal.operations.accounts import (
    AccountError,
    LoginThrottled,
    check_password_strength,
    create_staff_user,
    end_all_sessions,
    role_and_agency,
    snapshot,
)
from portal.operations.throttle import ThrottlePolicy
from workflow.states import Role


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
    if policy is not None and not user.has_password:  # nothing to give as the current password
        raise AccountError("signs_in_with_vneid", "current_password")
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


def _changed(before: dict, after: dict) -> dict:
    keys = [key for key in after if before.get(key) != after[key]]
    return {"before": {key: before.get(key) for key in keys}, "after": {key: after[key] for key in keys}}


class LastAdministrator(AccountError):
    status = 409


def _keep_an_administrator(user: User) -> None:
    """Refuse when ``user`` is the last active administrator (their lock or new role would leave
    nobody to administer the portal). The active administrators' rows are locked, so two
    administrators demoting each other at once cannot both succeed."""
    if user.role != Role.ADMIN.value or not user.is_active_account:
        return
    admins = db.session.scalars(select(User.id).where(User.role == Role.ADMIN.value, User.is_active_account.is_(True))
                                .order_by(User.id).with_for_update()).all()
    if not set(admins) - {user.id}:
        raise LastAdministrator("last_admin")


def set_active(user: User, active: bool, *, by: User | None = None, reason: str | None = None) -> None:
    """Lock (``active=False``) or unlock an account; a lock ends its sessions and tokens."""
    if user.is_active_account == active:
        return
    if not active:
        _keep_an_administrator(user)
    before = snapshot(user)
    user.is_active_account = active
    audit.record("account.unlocked" if active else "account.locked", user=by, object_type="user", object_id=user.id,
                 **_changed(before, snapshot(user)), reason=reason)
    if not active:
        end_all_sessions(user, "locked", by=by)


def change_role(user: User, role: str, agency_code: str | None, *, by: User | None = None) -> None:
    """Give ``user`` another role (and agency): every session and token opened under the old
    one ends, so no page or token keeps the old rights."""
    role_enum, agency = role_and_agency(role, agency_code)
    if user.role == role_enum.value and user.agency_id == (agency.id if agency else None):
        return
    if role_enum is not Role.ADMIN:
        _keep_an_administrator(user)
    if (user.role == Role.CITIZEN.value) != (role_enum is Role.CITIZEN):
        raise AccountError("citizen_role_fixed", "role")
    before = snapshot(user)
    user.role, user.agency = role_enum.value, agency
    audit.record("account.role_changed", user=by, object_type="user", object_id=user.id,
                 **_changed(before, snapshot(user)))
    end_all_sessions(user, "role_changed", by=by)


def update_staff(user: User, *, full_name: str, position: str | None, role: str, agency_code: str | None,
                 email: str | None, phone: str | None, by: User | None = None) -> None:
    """An administrator's edit of a staff account. A citizen's account is theirs: its personal
    data is not edited by staff (``citizen_not_editable``). A new role or agency goes through
    ``change_role`` (every session ends)."""
    if user.role == Role.CITIZEN.value:
        raise AccountError("citizen_not_editable")
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError("full_name_required", "full_name")
    change_role(user, role, agency_code, by=by)
    before = snapshot(user)
    user.full_name, user.position = full_name, (position or "").strip() or None
    user.email, user.phone = (email or "").strip().lower() or None, (phone or "").strip() or None
    change = _changed(before, snapshot(user))
    if change["after"]:
        audit.record("account.updated", user=by, object_type="user", object_id=user.id, **change)


def create_staff_account(*, username: str, full_name: str, position: str | None, role: str,
                         agency_code: str | None, email: str | None, phone: str | None, reset_lifetime: timedelta,
                         link_base: str, by: User | None = None) -> tuple[User, str]:
    """A new staff account (the users admin pages, ``flask user create``). Nobody types its
    password: the account starts with a password reset, whose one-time code is returned for the
    administrator to hand over (and whose link is e-mailed when the account has an address)."""
    if not " ".join((full_name or "").split()):
        raise AccountError("full_name_required", "full_name")
    user = create_staff_user(username=username, password=None, role=role, agency_code=agency_code,
                             full_name=full_name, position=position, email=email, phone=phone, created_by=by)
    code = password_resets.start_reset(user, lifetime=reset_lifetime, link_base=link_base, by=by)
    return user, code


PAGE_SIZE = 25


def search_users(*, text: str = "", role: str = "", agency_code: str = "", state: str = "",
                 page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[User], int]:
    """One page of accounts matching a text (username, name, e-mail, phone) and filters (role,
    agency code, ``active``/``locked``), and the number of matches."""
    query = select(User)
    words = (text or "").strip().lower()
    if words:
        like = f"%{words.replace('%', '').replace('_', '')}%"
        query = query.where(or_(func.lower(User.username).like(like), func.lower(User.full_name).like(like),
                                func.lower(User.email).like(like), User.phone.like(like)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if agency_code:
        query = query.join(Agency, User.agency_id == Agency.id).where(Agency.code == agency_code)
    if state in ("active", "locked"):
        query = query.where(User.is_active_account.is_(state == "active"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.options(joinedload(User.agency)).order_by(User.role, User.username)
                              .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return list(rows), total


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
