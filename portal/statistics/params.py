"""Who may see statistics, and the filters of a request (codes -> ids), shared by the
dashboard pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Field, Procedure, User
from portal.statistics.queries import Scope
from workflow.states import Role

#: Leaders and administrators. Agency and unit leaders see their own agency only (the
#: organisation has no units below the agency yet, so a unit leader's unit is the agency).
STATS_ROLES = (Role.AGENCY_LEADER, Role.UNIT_LEADER, Role.ADMIN)
STATS_ROLE_VALUES = frozenset(role.value for role in STATS_ROLES)


def may_view(user: User) -> bool:
    return user.is_authenticated and user.role in STATS_ROLE_VALUES


def sees_all(user: User) -> bool:
    return user.role == Role.ADMIN.value


class ParamError(ValueError):
    """A filter that does not exist (400) or that the user may not use (403)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class ResolvedScope:
    scope: Scope
    agency: Agency | None
    field: Field | None
    procedure: Procedure | None

    def text(self, locale: str = "vi") -> str:
        parts = [obj.name(locale) for obj in (self.agency, self.field, self.procedure) if obj is not None]
        if parts:
            return "; ".join(parts)
        from portal.labels import TARGET_SCOPE_LABELS

        return str(TARGET_SCOPE_LABELS["province"]) if locale == "en" else "Toàn tỉnh"


def _by_code(model, code: str, what: str):
    obj = db.session.scalar(select(model).where(model.code == code))
    if obj is None:
        raise ParamError(400, f"unknown_{what}", f"Không có {dict(agency='cơ quan', field='lĩnh vực', procedure='thủ tục')[what]} với mã '{code}'.")
    return obj


def resolve_scope(user: User, agency: str = "", field: str = "", procedure: str = "", strict: bool = True) -> ResolvedScope:
    """The filters for ``user``. A leader is always limited to their agency; asking for another
    agency is a 403 when ``strict`` (the API), and is ignored otherwise (the page's form)."""
    agency_obj = _by_code(Agency, agency, "agency") if agency else None
    if not sees_all(user):
        if agency_obj is not None and agency_obj.id != user.agency_id and strict:
            raise ParamError(403, "forbidden", "Bạn chỉ xem được số liệu của cơ quan mình.")
        agency_obj = db.session.get(Agency, user.agency_id)
    field_obj = _by_code(Field, field, "field") if field else None
    procedure_obj = _by_code(Procedure, procedure, "procedure") if procedure else None
    scope = Scope(agency_id=agency_obj.id if agency_obj else None, field_id=field_obj.id if field_obj else None,
                  procedure_id=procedure_obj.id if procedure_obj else None)
    return ResolvedScope(scope, agency_obj, field_obj, procedure_obj)
