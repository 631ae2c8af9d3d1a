"""Changes to an existing account that end every session of it: a password change (by the
owner, who stays signed in on the device that made it), a lock or unlock, a role change
(administrators, through ``flask user``)."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from portal.extensions import db
from portal.models import Agency, User
from portal.models.user import normalize_username
from portal.operations import audit
from portal.operations.accounts import AccountError, check_password_strength, end_all_sessions
from workflow.states import Role


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == normalize_username(username or "")))
    if user is None:
        raise AccountError("unknown_user", "username")
    return user


def change_password(user: User, *, current: str, new: str, min_length: int,
                    address: str | None = None, check_current: bool = True) -> None:
    """Set a new password (the owner gives the current one; an administrator's reset does not)
    and end every session and API token of the account."""
    if check_current and not check_password_hash(user.password_hash, current or ""):
        raise AccountError("password_wrong", "current_password")
    check_password_strength(new, min_length, username=user.username, id_number=user.id_number)
    user.set_password(new)
    audit.record("account.password_changed", user=user, object_type="user", object_id=user.id, address=address)
    end_all_sessions(user, "password_changed", address=address)


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
    if user.role == role_enum.value and user.agency_id == (agency.id if agency else None):
        return
    old = user.role
    user.role, user.agency = role_enum.value, agency
    audit.record("account.role_changed", user=by, object_type="user", object_id=user.id,
                 old=old, new=role_enum.value, agency=agency_code)
    end_all_sessions(user, "role_changed", by=by)
