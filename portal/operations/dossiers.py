"""Dossiers: the refusals every dossier use case shares, who may see a dossier, codes, and
creating a draft. The lifecycle itself (every action on a dossier) is ``portal.operations.lifecycle``;
what each actor must send with an action is ``portal.operations.commands``.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm.util import identity_key

from portal.database import add_as_inserted, dialect_insert
from portal.extensions import db
from portal.models import Agency, Dossier, DossierCodeCounter, Procedure, User
from portal.models.dossier import search_columns
from portal.models.types import utcnow
from portal.operations.errors import DomainError
from portal.operations.events import append_event
from workflow.calendar import VN_TZ
from workflow.codes import CodeFormat, format_code
from workflow.deadlines import legal_days
from workflow.process import ProcessPlan, Step
from workflow.states import Channel, Role, Status


class DossierError(DomainError):
    """A use-case failure. ``status`` is the HTTP status it maps to; ``code`` a stable key."""


class DossierNotFound(DossierError):
    status = 404


class StaleVersion(DossierError):
    status = 409


class NotAllowed(DossierError):
    status = 409


class Forbidden(DossierError):
    status = 403


# ---------------------------------------------------------------------------------------------
# Access


def can_see(user: User, dossier: Dossier) -> bool:
    """Who may see a dossier, on every door (office pages, API, files, forms, actions): the
    applicant always; the officers of its agency (an administrator: of every agency) only once it
    has been submitted. An unsubmitted draft is the citizen's alone: to anyone else it is a 404."""
    if user.role == Role.CITIZEN.value:
        return dossier.applicant_id == user.id
    if dossier.status == Status.DRAFT.value:
        return False
    if user.role == Role.ADMIN.value:
        return True
    # A linked agency sees the dossier while it is at that agency's step (link-up); the desk that
    # received it for another agency ("file at any desk") keeps seeing what it received.
    return user.agency_id is not None and user.agency_id in (dossier.agency_id, dossier.step_agency_id,
                                                             dossier.desk_agency_id)


def load_for_update(dossier_id: int, user: User) -> Dossier:
    """The dossier with its row locked (PostgreSQL), or DossierNotFound if it is not visible."""
    query = select(Dossier).where(Dossier.id == dossier_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
        held = db.session.identity_map.get(identity_key(Dossier, dossier_id))
        if held is None or not db.session.is_modified(held):
            # The locked read refreshes a copy read earlier in the request without the lock:
            # acting on its stale version would fail at flush (concurrent submits of one draft
            # gave 500s). A copy this request already changed was locked before it was changed.
            query = query.execution_options(populate_existing=True)
    dossier = db.session.scalar(query)
    if dossier is None or not can_see(user, dossier):
        raise DossierNotFound("not_found")
    return dossier


def item_names(dossier: Dossier, items) -> list[str]:
    """Supplement items as people read them: an e-form field's label or a document's name where
    the item is its key ("van-ban-de-nghi" -> "Văn bản đề nghị ..."), free text as typed."""
    names = {f["name"]: f.get("label_vi") or f["name"] for f in dossier.form_snapshot or []}
    names.update({d["key"]: d.get("name_vi") or d["key"] for d in dossier.terms.documents})
    return [names.get(str(item).strip(), str(item)) for item in items]


# ---------------------------------------------------------------------------------------------
# Codes


def code_format() -> CodeFormat:
    """The format new dossier codes are written in (settings ``DOSSIER_CODE_FORMAT`` and
    ``DOSSIER_CODE_SYSTEM``; checked when the application starts)."""
    return CodeFormat(str(current_app.config.get("DOSSIER_CODE_FORMAT") or "2018"),
                      str(current_app.config.get("DOSSIER_CODE_SYSTEM") or ""))


def next_sequence(agency_id: int, day, limit: int) -> int:
    """Atomically take the next sequence number of ``agency_id`` for ``day`` (at most ``limit``)."""
    connection = db.session.connection()  # a counter row, not an entity: no ORM execution path
    sequence = connection.execute(_next_sequence_statement(connection.dialect.name),
                                  {"agency_id": agency_id, "day": day}).scalar_one()
    if sequence > limit:
        raise DossierError("code_sequence_exhausted", f"more than {limit} dossiers in one day for this agency")
    return sequence


@cache
def _next_sequence_statement(dialect: str):
    counters = DossierCodeCounter.__table__
    statement = dialect_insert(dialect)(counters).values(
        agency_id=bindparam("agency_id"), day=bindparam("day"), last_sequence=1)
    return statement.on_conflict_do_update(
        index_elements=[counters.c.agency_id, counters.c.day], set_={"last_sequence": counters.c.last_sequence + 1},
    ).returning(counters.c.last_sequence)


def assign_code(dossier: Dossier, received_at: datetime) -> str:
    agency = db.session.get(Agency, dossier.agency_id)
    local_day = received_at.astimezone(VN_TZ).date()
    fmt = code_format()
    return format_code(agency.identifier, local_day, next_sequence(agency.id, local_day, fmt.max_sequence), fmt)


# ---------------------------------------------------------------------------------------------
# The procedure's process


def plan_of(procedure: Procedure) -> ProcessPlan:
    """The procedure's internal process (quy trình nội bộ), built from its stored step rows."""
    return ProcessPlan.from_rows(procedure.steps)


def processing_days(dossier: Dossier) -> float:
    """The legal time limit (``workflow.deadlines.legal_days``): the longer limit of a remote area
    when the agency is in one, the shorter online limit for an online filing, if any."""
    procedure = dossier.terms  # as the dossier was filed
    return legal_days(procedure.processing_days, online_days=procedure.online_processing_days,
                      remote_days=procedure.remote_processing_days, online=dossier.channel == Channel.ONLINE.value,
                      remote=bool(dossier.remote_area or dossier.agency.remote_area))


def step_agency_id(step: Step | None) -> int | None:
    """The id of the linked agency taking ``step`` (link-up), ``None`` for the procedure's own."""
    if step is None or not step.agency:
        return None
    agency_id = db.session.scalar(select(Agency.id).where(Agency.code == step.agency))
    if agency_id is None:
        raise DossierError("unknown_step_agency", f"step {step.key!r}: no agency {step.agency!r}")
    return agency_id


def current_step(dossier: Dossier) -> Step | None:
    if not dossier.step_key:
        return None
    try:
        return plan_of(dossier.terms).step(dossier.step_key)
    except KeyError:
        return None


def linked_agency_names(procedure) -> list[str]:
    """The printed names of the agencies taking link-up steps of ``procedure``'s process (the
    control sheet's coordinating agencies), in process order."""
    codes = plan_of(procedure).linked_agencies
    if not codes:
        return []
    names = dict(db.session.execute(select(Agency.code, Agency.name_vi).where(Agency.code.in_(codes))).all())
    return [names.get(code, code) for code in codes]


# ---------------------------------------------------------------------------------------------
# Creating dossiers


def create_draft(applicant: User, procedure: Procedure, form_data: dict, *, channel: Channel = Channel.ONLINE,
                 applicant_details: dict | None = None, record: bool = True) -> Dossier:
    """A new draft, inserted (it has its id) with its ``create`` event; ``record=False``: the
    caller appends that event later with ``record_creation`` (in the same transaction), so that
    the dossier's anchor rides on a later UPDATE instead of one of its own."""
    if not procedure.is_published:
        raise DossierNotFound("unknown_procedure")
    if channel == Channel.ONLINE and procedure.level < 3:
        raise NotAllowed("not_online", "this procedure is not filed online")
    details = applicant_details or {
        "full_name": applicant.full_name, "id_number": applicant.id_number, "address": applicant.address,
        "phone": applicant.phone, "email": applicant.email,
    }
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()  # what is pending first (an applicant created in this transaction gets its id)
    dossier = _insert_draft({
        "procedure_id": procedure.id, "agency_id": procedure.agency_id, "applicant_id": applicant.id,
        "applicant": details, "channel": channel.value, "status": Status.DRAFT.value,
        "form_version": procedure.form_version, "procedure_version": procedure.version,
        "form_snapshot": procedure.form_schema, "form_data": form_data, "fee_amount": procedure.fee_amount,
        **search_columns(None, details)})
    if record:
        record_creation(dossier, applicant)
    return dossier


def _insert_draft(values: dict) -> Dossier:
    """The new draft's row in one ``INSERT ... RETURNING`` on the session's connection, and its
    object put in the session as loaded (every column as stored: no query when one is read, no
    INSERT at the next flush). The same row and statement as the flush of a new ``Dossier``
    (the columns' defaults, the folded search columns of its mapper event), without the unit of
    work (about 0.6 ms of CPU per draft). The flush's listeners have nothing to do for it: a
    draft is counted nowhere (queue and day counts) and has no event yet."""
    session = db.session()
    row = session.connection().execute(_insert_draft_statement(), values).one()
    dossier = Dossier(**row._asdict())
    add_as_inserted(session, [dossier])
    return dossier


@cache
def _insert_draft_statement():
    """Built once: its compiled form is cached per process."""
    table = Dossier.__table__
    return table.insert().returning(*table.columns)


def record_creation(dossier: Dossier, applicant: User) -> None:
    """The ``create`` event of a draft inserted in this transaction (its first event: no query)."""
    append_event(dossier, first=True, at=utcnow(), actor_id=applicant.id, actor_name=applicant.full_name,
                 actor_role=applicant.role, agency_id=applicant.agency_id, action="create",
                 from_status=None, to_status=Status.DRAFT.value, payload={"channel": dossier.channel})
