"""Administrators keep the agencies: the tree (province, departments, one-stop centres, communes,
vertical agencies), the header printed on their forms, their one-stop unit, contacts and opening
hours. Every change is audited with the agency before and after.

An agency is never deleted here: staff, procedures and dossiers point at it. Renaming it or
changing its printed header leaves the codes of its existing dossiers as they were (codes are
stored when given); its identifier may change only to one no other agency's dossiers carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import exists, select

from portal.extensions import db
from portal.models import Agency, Dossier, User, WorkingHoursSetting
from portal.models.agency import AGENCY_LEVELS, NEW_AGENCY_LEVELS
from portal.operations import audit, calendar
from portal.operations.errors import DomainError

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
#: The national electronic identifier of an agency (QĐ 20/2020/QĐ-BTTTT style: "000.00.07.H33",
#: "H34.12"): dotted groups of capitals and digits, no hyphen (a dossier code is
#: ``<identifier>-<YYMMDD>-<sequence>``).
IDENTIFIER = re.compile(r"^[A-Z0-9]{1,4}(?:\.[A-Z0-9]{1,4}){1,4}$")
PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{5,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The agency part of a document number ("SYT" in "05/QĐ-SYT"): capitals (Vietnamese too) and digits.
DOCUMENT_SYMBOL = re.compile(r"^[A-ZĐÀ-Ỹ0-9]{1,32}$")

#: Which levels an agency's parent may have (None: no parent). A vertical agency (Công an tỉnh,
#: Bảo hiểm xã hội) belongs to its ministry's line, not to the province's People's Committee.
PARENT_LEVELS: dict[str, tuple[str | None, ...]] = {
    "province": (None,),
    "department": ("province", "department"),
    "centre": ("province", "department", "commune"),
    "commune": ("province",),
    "vertical": (None, "vertical"),
    "district": ("province",),
}
LEVEL_ORDER = {level: i for i, level in enumerate(AGENCY_LEVELS)}


class AgencyError(DomainError):
    """A refused change of an agency; ``field`` names the form field it concerns."""

    def __init__(self, code: str, field: str | None = None, **params: object):
        super().__init__(code, **params)
        self.field = field


@dataclass(frozen=True)
class AgencyInput:
    """What an administrator states about an agency (the same from every door)."""

    code: str
    identifier: str
    name_vi: str
    name_en: str
    level: str
    parent_id: int | None = None
    governing_body: str = ""
    printed_name: str = ""
    #: The place of "…, ngày … tháng … năm …" and the agency's abbreviation in document numbers.
    place_name: str = ""
    document_symbol: str = ""
    one_stop_unit_id: int | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    #: Opening hours of the agency (e.g. [["07:00", "11:30"], ["13:30", "17:00"]]); None: the
    #: province's default hours.
    working_hours: list[list[str]] | None = None


def agency_tree() -> list[tuple[Agency, int]]:
    """Every agency with its depth, parents before their children (roots by level, then name)."""
    rows = list(db.session.scalars(select(Agency)))
    children: dict[int | None, list[Agency]] = {}
    ids = {a.id for a in rows}
    for a in rows:
        children.setdefault(a.parent_id if a.parent_id in ids else None, []).append(a)
    ordered: list[tuple[Agency, int]] = []
    stack = [(a, 0) for a in reversed(_sorted(children.get(None, [])))]
    seen: set[int] = set()
    while stack:
        agency, depth = stack.pop()
        if agency.id in seen:
            continue
        seen.add(agency.id)
        ordered.append((agency, depth))
        stack.extend((c, depth + 1) for c in reversed(_sorted(children.get(agency.id, []))))
    return ordered


def _sorted(agencies: list[Agency]) -> list[Agency]:
    return sorted(agencies, key=lambda a: (LEVEL_ORDER.get(a.level, 99), a.name_vi))


def get_agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise AgencyError("unknown_agency")
    return agency


def working_hours_of(agency_id: int) -> list[list[str]] | None:
    """The agency's own opening hours, or None when it keeps the province's default."""
    row = db.session.scalar(select(WorkingHoursSetting).where(WorkingHoursSetting.agency_id == agency_id))
    return row.periods if row is not None else None


def snapshot(agency: Agency) -> dict:
    """The agency as the audit log keeps it."""
    parent = db.session.get(Agency, agency.parent_id) if agency.parent_id else None
    unit = db.session.get(Agency, agency.one_stop_unit_id) if agency.one_stop_unit_id else None
    return {
        "code": agency.code, "identifier": agency.identifier, "name_vi": agency.name_vi, "name_en": agency.name_en,
        "level": agency.level, "parent": parent.code if parent else None,
        "governing_body": agency.governing_body, "printed_name": agency.printed_name,
        "place_name": agency.place_name, "document_symbol": agency.document_symbol,
        "one_stop_unit": unit.code if unit else None, "phone": agency.phone, "email": agency.email,
        "address": agency.address, "working_hours": working_hours_of(agency.id) if agency.id else None,
    }


def create_agency(values: AgencyInput, by: User) -> Agency:
    clean = _checked(values, None)
    agency = Agency(**clean)
    db.session.add(agency)
    db.session.flush()
    _set_hours(agency, values.working_hours, by)
    audit.record("agency.created", user=by, object_type="agency", object_id=agency.id,
                 before=None, after=snapshot(agency))
    return agency


def update_agency(agency_id: int, values: AgencyInput, by: User) -> Agency:
    agency = get_agency(agency_id)
    before = snapshot(agency)
    clean = _checked(values, agency)
    for key, value in clean.items():
        setattr(agency, key, value)
    db.session.flush()
    _set_hours(agency, values.working_hours, by)
    after = snapshot(agency)
    if after != before:
        audit.record("agency.updated", user=by, object_type="agency", object_id=agency.id,
                     before=before, after=after)
    return agency


def _set_hours(agency: Agency, periods: list[list[str]] | None, by: User) -> None:
    if periods:
        if periods != working_hours_of(agency.id):
            calendar.set_working_hours(periods, agency.id, by=by)
        return
    row = db.session.scalar(select(WorkingHoursSetting).where(WorkingHoursSetting.agency_id == agency.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def _text(value: str | None, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def _checked(values: AgencyInput, agency: Agency | None) -> dict:
    """The agency's columns from ``values``, or the first rule they break (AgencyError)."""
    code = (values.code or "").strip().lower()
    identifier = (values.identifier or "").strip().upper()
    name_vi, name_en = _text(values.name_vi, 255), _text(values.name_en, 255)
    if not CODE.match(code):
        raise AgencyError("bad_agency_code", "code")
    if not IDENTIFIER.match(identifier):
        raise AgencyError("bad_agency_identifier", "identifier")
    if not name_vi or not name_en:
        raise AgencyError("agency_name_required", "name_vi" if not name_vi else "name_en")
    allowed = NEW_AGENCY_LEVELS + ((agency.level,) if agency is not None and agency.level in AGENCY_LEVELS else ())
    if values.level not in allowed:
        raise AgencyError("bad_agency_level", "level")
    own_id = agency.id if agency is not None else None
    if db.session.scalar(select(exists().where(Agency.code == code, Agency.id != own_id))):
        raise AgencyError("agency_code_taken", "code", value=code)
    if db.session.scalar(select(exists().where(Agency.identifier == identifier, Agency.id != own_id))):
        raise AgencyError("agency_identifier_taken", "identifier", value=identifier)
    if agency is not None and identifier != agency.identifier and _carried_by_dossiers(identifier, own_id):
        raise AgencyError("agency_identifier_in_use", "identifier", value=identifier)
    _check_parent(values.level, values.parent_id, own_id)
    if own_id is not None and values.level != agency.level:
        _check_children(values.level, own_id)
    _check_one_stop_unit(values.one_stop_unit_id)
    phone, email = _text(values.phone, 32), _text(values.email, 255)
    if phone and not PHONE.match(phone):
        raise AgencyError("bad_agency_phone", "phone")
    if email and not EMAIL.match(email):
        raise AgencyError("bad_agency_email", "email")
    symbol = _text(values.document_symbol, 32).upper()
    if symbol and not DOCUMENT_SYMBOL.match(symbol):
        raise AgencyError("bad_document_symbol", "document_symbol")
    return {
        "code": code, "identifier": identifier, "name_vi": name_vi, "name_en": name_en, "level": values.level,
        "parent_id": values.parent_id, "governing_body": _text(values.governing_body, 255).upper() or None,
        "printed_name": _text(values.printed_name, 255).upper() or None,
        "place_name": _text(values.place_name, 100) or None, "document_symbol": symbol or None,
        "one_stop_unit_id": values.one_stop_unit_id, "phone": phone or None, "email": email or None,
        "address": _text(values.address, 500) or None,
    }


def _carried_by_dossiers(identifier: str, own_id: int | None) -> bool:
    """Whether another agency's dossiers already carry codes made from ``identifier`` (taking it
    over would let a new code repeat one of theirs)."""
    return bool(db.session.scalar(select(exists().where(
        Dossier.code.like(f"{identifier}-%"), Dossier.agency_id != own_id))))


def _check_parent(level: str, parent_id: int | None, own_id: int | None) -> None:
    parent = db.session.get(Agency, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        raise AgencyError("unknown_parent_agency", "parent_id")
    if (parent.level if parent else None) not in PARENT_LEVELS[level]:
        raise AgencyError("agency_parent_level", "parent_id")
    seen: set[int] = set()
    while parent is not None and parent.id not in seen:
        if parent.id == own_id:
            raise AgencyError("agency_cycle", "parent_id")
        seen.add(parent.id)
        parent = db.session.get(Agency, parent.parent_id) if parent.parent_id else None


def _check_children(level: str, own_id: int) -> None:
    """A new level must still suit the agencies under it."""
    for child_level in db.session.scalars(select(Agency.level).where(Agency.parent_id == own_id).distinct()):
        if level not in PARENT_LEVELS.get(child_level, (level,)):
            raise AgencyError("agency_children_level", "level")


def _check_one_stop_unit(unit_id: int | None) -> None:
    if unit_id is None:
        return
    unit = db.session.get(Agency, unit_id)
    if unit is None or unit.level != "centre":
        raise AgencyError("agency_one_stop_unit", "one_stop_unit_id")
