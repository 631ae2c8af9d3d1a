"""Registering dossiers brought to the one-stop desk in person or by post.

The desk officer types the applicant's details, scans the documents (or records that a paper copy
was received), and the dossier is created, submitted and accepted at once: the receipt is issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, Procedure, User
from portal.models.files import FileKind
from portal.models.types import utcnow
from portal.operations.dossiers import DossierError, DossierNotFound, Forbidden
from portal.operations.events import append_event
from portal.operations.lifecycle import ActionInput, apply_action
from portal.operations.scans import Scan, store_scan
from workflow.states import Action, Channel, Role, Status

__all__ = ["APPLICANT_FIELDS", "DeskRegistration", "Scan", "register_at_desk"]


@dataclass
class DeskRegistration:
    procedure_code: str
    channel: str
    applicant: dict
    form_data: dict = field(default_factory=dict)
    scans: list[Scan] = field(default_factory=list)
    paper_documents: list[str] = field(default_factory=list)  # keys received on paper, not scanned
    note: str = ""


APPLICANT_FIELDS = ("full_name", "id_number", "address", "phone", "email", "proxy_name", "proxy_id_number",
                    "proxy_address", "proxy_phone", "proxy_email", "authorisation")


def _clean_applicant(raw: dict) -> dict:
    applicant = {k: str(raw.get(k) or "").strip()[:500] for k in APPLICANT_FIELDS}
    if not applicant["full_name"]:
        raise DossierError("applicant_name_required", "the applicant's full name is required")
    if applicant["id_number"] and not (applicant["id_number"].isdigit() and len(applicant["id_number"]) in (9, 12)):
        raise DossierError("bad_id_number", "the ID number has 9 or 12 digits")
    if applicant["proxy_id_number"] and not (applicant["proxy_id_number"].isdigit()
                                             and len(applicant["proxy_id_number"]) in (9, 12)):
        raise DossierError("bad_id_number", "the ID number has 9 or 12 digits")
    return {k: v for k, v in applicant.items() if v}


def register_at_desk(officer: User, registration: DeskRegistration, now: datetime | None = None) -> Dossier:
    """Register a dossier brought in person or by post: create it with the desk's scans, submit
    and accept it at once (the receipt is issued). Flushes; the caller commits."""
    now = now or utcnow()
    if officer.role != Role.ONE_STOP_OFFICER.value:
        raise Forbidden("role_not_allowed", "only one-stop officers register dossiers at the desk")
    if registration.channel not in (Channel.IN_PERSON.value, Channel.POST.value):
        raise DossierError("bad_channel", "channel must be in_person or post")
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == registration.procedure_code))
    if procedure is None or not procedure.is_published or procedure.agency_id != officer.agency_id:
        raise DossierNotFound("unknown_procedure", "no such procedure at your agency")
    applicant = _clean_applicant(registration.applicant)
    known = {doc["key"] for doc in procedure.documents}
    scanned = {s.document_key for s in registration.scans}
    unknown = (scanned | set(registration.paper_documents)) - known
    if unknown:
        raise DossierError("unknown_document", f"unknown document keys: {sorted(unknown)}")
    missing = [doc["key"] for doc in procedure.documents
               if doc.get("required") and doc["key"] not in scanned and doc["key"] not in registration.paper_documents]
    if missing:
        raise DossierError("documents_incomplete", f"required documents missing: {missing}")
    form_data = {str(k)[:64]: v for k, v in (registration.form_data or {}).items()
                 if isinstance(v, (str, int, float, bool)) or v is None}

    dossier = Dossier(
        procedure=procedure, agency_id=procedure.agency_id, applicant_id=None, applicant=applicant,
        channel=registration.channel, status=Status.DRAFT.value, form_version=procedure.form_version,
        procedure_version=procedure.version,
        form_snapshot=procedure.form_schema, form_data=form_data, fee_amount=procedure.fee_amount,
    )
    db.session.add(dossier)
    db.session.flush()
    append_event(dossier, at=now, actor_id=officer.id, actor_name=officer.full_name, actor_role=officer.role,
                 agency_id=officer.agency_id, action="create", from_status=None, to_status=Status.DRAFT.value,
                 payload={"channel": registration.channel, "registered_at_desk": True})
    for scan in registration.scans:
        store_scan(dossier, scan, FileKind.SCAN, officer, now)
    db.session.flush()
    checklist = {"scanned": sorted(scanned), "paper": sorted(set(registration.paper_documents))}
    apply_action(dossier, Action.SUBMIT, officer, ActionInput(documents_complete=True, payload=checklist), now=now)
    apply_action(dossier, Action.ACCEPT, officer, ActionInput(
        reason=registration.note.strip()[:2000], documents_complete=True, payload=checklist), now=now)
    return dossier
