"""Builders for dossier tests: an office with one person per role, and walking a dossier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure, User
from portal.operations import dossiers, lifecycle
from portal.operations.lifecycle import ActionInput
from workflow.calendar import VN_TZ


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


@dataclass
class Office:
    procedure: Procedure
    citizen: User
    officer: User
    unit_leader: User
    specialist: User
    agency_leader: User
    clerk: User

    def by_role(self, role: str) -> User:
        return getattr(self, {"one_stop_officer": "officer"}.get(role, role))


def standard_procedure() -> Procedure:
    """A level-4 procedure whose steps follow desk -> unit leader -> specialist -> ... -> desk."""
    for p in db.session.scalars(select(Procedure).order_by(Procedure.seed_item)):
        roles = [s["role"] for s in p.steps]
        if roles[0] == "one_stop_officer" and "specialist" in roles and "agency_leader" in roles and "clerk" in roles:
            return p
    raise AssertionError("no procedure with a standard internal process in the catalogue")


def build_office(make_user, procedure: Procedure | None = None, prefix: str = "") -> Office:
    procedure = procedure or standard_procedure()
    agency = procedure.agency.code
    return Office(
        procedure=procedure,
        citizen=make_user(username=f"{prefix}congdan"),
        officer=make_user(role="one_stop_officer", agency=agency, username=f"{prefix}motcua"),
        unit_leader=make_user(role="unit_leader", agency=agency, username=f"{prefix}truongphong"),
        specialist=make_user(role="specialist", agency=agency, username=f"{prefix}chuyenvien"),
        agency_leader=make_user(role="agency_leader", agency=agency, username=f"{prefix}lanhdao"),
        clerk=make_user(role="clerk", agency=agency, username=f"{prefix}vanthu"),
    )


def act(dossier_id: int, action: str, user: User, now: datetime | None = None, **kwargs):
    kwargs.setdefault("documents_complete", action in ("submit", "accept"))  # the desk ticked every document
    dossier = lifecycle.perform(dossier_id, action, user, ActionInput(**kwargs), now=now)
    db.session.commit()
    return dossier


def new_submitted(office: Office, now: datetime):
    dossier = dossiers.create_draft(office.citizen, office.procedure, {"ghi_chu": "thử"})
    db.session.commit()
    return act(dossier.id, "submit", office.citizen, now)


def walk_to_result(office: Office, dossier_id: int, start: datetime, hours_between: int = 1):
    """Accept and walk every internal step until the result is issued; returns the dossier."""
    from datetime import timedelta

    t = start
    act(dossier_id, "accept", office.officer, t)
    dossier = db.session.get(dossiers.Dossier, dossier_id)
    while True:
        t += timedelta(hours=hours_between)
        step_role = dossier.holder_role
        actor = office.by_role(step_role)
        if step_role == "specialist" and not dossier.result_proposed:
            dossier = act(dossier_id, "propose_result", actor, t)
        if step_role == "agency_leader" and not dossier.result_signed:
            dossier = act(dossier_id, "approve", actor, t)
        if step_role == "clerk":
            return act(dossier_id, "issue_result", actor, t)
        dossier = act(dossier_id, "forward", actor, t)
