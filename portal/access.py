"""Who may see what: role checks and agency scope."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import Select

from workflow.states import Role


def roles_required(*roles: Role):
    """Signed-in users with one of ``roles``; others get 403 (anonymous users go to sign in)."""
    allowed = {role.value for role in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


STAFF = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.UNIT_LEADER, Role.AGENCY_LEADER, Role.CLERK)


def scope_to_agency(query: Select, agency_column, user) -> Select:
    """Staff see the rows of their own agency; administrators see everything."""
    if user.role == Role.ADMIN.value:
        return query
    return query.where(agency_column == user.agency_id)


def client_address() -> str:
    """The caller's address as the throttles count it (behind a proxy: see PROXY_FIX_HOPS)."""
    return (request.remote_addr or "unknown")[:64]
