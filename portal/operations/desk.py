"""Registering dossiers brought to the one-stop desk in person or by post.

The desk officer types the applicant's details, scans the documents (or records that a paper copy
was received), and the dossier is created, submitted and accepted at once: the receipt is issued.

"File at any desk": a one-stop officer may register a dossier for another agency's procedure. The
dossier belongs to that agency from the start; the receiving desk accepts it (the receipt is issued
at once) and hands the first step on to that agency in the same transaction, a recorded and
classified hand-over (``forward`` with ``received_for`` in its payload). The receiving desk keeps
seeing the dossier it received; everything after belongs to the deciding agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Dossier, Procedure, User
from portal.models.files import FileKind
from portal.models.types import utcnow
from portal.operations import audit, idempotency, messaging
from portal.operations.dossiers import (
    DossierError,
    DossierNotFound,
    Forbidden,
    NotAllowed,
    load_for_update,
)
from portal.operations.events import append_event
from portal.operations.lifecycle import ActionInput, apply_action
from portal.operations.scans import Scan, store_scan
from workflow.states import Action, Channel, Role, Status

__all__ = ["APPLICANT_FIELDS", "DeskRegistration", "Scan", "receipt_destinations", "register_at_desk", "register_once",
           "send_receipt"]


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
    if procedure is None or not procedure.is_published:
        raise DossierNotFound("unknown_procedure", "no such procedure")
    for_another_agency = procedure.agency_id != officer.agency_id
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
    for spec in procedure.form_schema:  # what the declaration repeats from the applicant's details
        source = spec.get("prefill")
        if source in APPLICANT_FIELDS and applicant.get(source) and form_data.get(spec["name"]) in (None, ""):
            form_data[spec["name"]] = applicant[source]

    dossier = Dossier(
        procedure=procedure, agency_id=procedure.agency_id, applicant_id=None, applicant=applicant,
        channel=registration.channel, status=Status.DRAFT.value, form_version=procedure.form_version,
        procedure_version=procedure.version,
        form_snapshot=procedure.form_schema, form_data=form_data, fee_amount=procedure.fee_amount,
        desk_agency_id=officer.agency_id if for_another_agency else None,
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
    if for_another_agency:
        apply_action(dossier, Action.FORWARD, officer, ActionInput(
            payload={"received_for": procedure.agency.code, "received_at_desk_of": officer.agency.code}), now=now)
    return dossier


def register_once(officer: User, registration: DeskRegistration, key: str | None,
                  now: datetime | None = None) -> tuple[Dossier, bool]:
    """``register_at_desk`` with an idempotency key (the intake page's hidden field, the API's
    ``Idempotency-Key``): a double click or a retry registers one dossier and gets it back;
    returns ``(dossier, replayed)``."""
    key = idempotency.checked_key(key)
    if key is None:
        return register_at_desk(officer, registration, now), False
    request = idempotency.digest(registration)
    if (earlier := _replay(officer, key, request)) is not None:
        return earlier, True
    try:
        with db.session.begin_nested():
            dossier = register_at_desk(officer, registration, now)
            idempotency.remember(officer, key, request, dossier.id)
    except IntegrityError:
        if (earlier := _replay(officer, key, request)) is not None:
            return earlier, True
        raise
    return dossier, False


def _replay(officer: User, key: str, request: str) -> Dossier | None:
    dossier_id = idempotency.recorded(officer, key, request)
    return db.session.get(Dossier, dossier_id) if dossier_id is not None else None


# ---------------------------------------------------------------------------------------------
# Sending the receipt (giấy tiếp nhận) to the applicant


def receipt_destinations(dossier: Dossier) -> list[str]:
    """Where the receipt can be sent: the applicant's e-mail and mobile number, as given."""
    details = dossier.applicant or {}
    found = []
    if details.get("email"):
        found.append(str(details["email"]))
    if messaging.international_phone(details.get("phone")):
        found.append(str(details["phone"]))
    return found


def _receipt_text(dossier: Dossier, link: str) -> str:
    from workflow.calendar import VN_TZ

    def local(moment):
        return moment.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if moment else ""

    return (f"Giấy tiếp nhận hồ sơ {dossier.code}: thủ tục “{dossier.procedure.name_vi}”, tiếp nhận lúc "
            f"{local(dossier.received_at)}, hẹn trả kết quả {local(dossier.due_at)}. Tra cứu: {link}")


def send_receipt(dossier_id: int, officer: User, now: datetime | None = None) -> list[str]:
    """Send the receipt of an accepted dossier to the applicant's e-mail and phone (through the
    outbox, after the commit); returns where it went. Flushes; the caller commits."""
    from portal.operations.forms import lookup_url_for
    from portal.operations.notifications import queue_mail

    dossier = load_for_update(dossier_id, officer)
    if officer.role != Role.ONE_STOP_OFFICER.value or officer.agency_id not in (dossier.agency_id,
                                                                                dossier.desk_agency_id):
        raise Forbidden("role_not_allowed", "only the agency's one-stop officers send receipts")
    if dossier.received_at is None or not dossier.code:
        raise NotAllowed("not_received", "the dossier has not been accepted")
    destinations = receipt_destinations(dossier)
    if not destinations:
        raise DossierError("no_contact", "the applicant gave neither an e-mail nor a mobile number")
    text = _receipt_text(dossier, lookup_url_for(dossier.code))
    details = dossier.applicant or {}
    if details.get("email"):
        queue_mail(db.session, str(details["email"]), f"Giấy tiếp nhận hồ sơ {dossier.code}", text)
    phone = messaging.international_phone(details.get("phone"))
    if phone:
        from flask import current_app

        sms = messaging.sms_text(text, bool(current_app.config.get("SMS_ASCII_ONLY")))
        db.session.add(messaging.sms_message(phone, sms, dossier.id, dossier.code, "receipt"))
    audit.record("dossier.receipt_sent", user=officer, object_type="dossier", object_id=dossier.id,
                 to=destinations, at=(now or utcnow()).isoformat())
    db.session.flush()
    return destinations
