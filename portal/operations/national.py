"""The seam to the national public-service portal (docs/national-portal.md).

Inbound: a dossier handed over by the national portal becomes a dossier here through the same use
cases as a citizen's own filing (``filing.start_draft``, ``filing.add_attachment`` with its
structural checks, ``filing.submit``), with ``source = national`` and its national code; the same
national code again is answered with the same dossier, or refused when the body differs.

Outbound: a session hook (like ``portal.operations.notifications``) writes, for every new
``DossierEvent`` of a dossier that came from the national portal (of every dossier with
NATIONAL_SYNC_ALL), one message of the outbox's ``national`` channel in the same transaction;
``flask national sync`` delivers them (``deliver``: a signed POST per message). Once a day each
agency's figures of the day before go out too (``enqueue_daily_statistics``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.lazy import lazy_module
from portal.models import Agency, Dossier, DossierEvent, DossierFile, Procedure, User
from portal.models.dossier import DossierSource
from portal.models.files import FileKind
from portal.models.filing import OutboxChannel, OutboxMessage
from portal.models.statistics import DossierDayCount
from portal.models.types import utcnow
from portal.operations import audit, filing
from portal.operations.filing import FilingError, Limits
from portal.storage import sniff_content_type
from signatures.webhook import signed_headers
from workflow.calendar import VN_TZ
from workflow.citizen_id import InvalidCitizenId, parse_citizen_id
from workflow.states import NATIONAL_CODE, Action, Role, Status

requests = lazy_module("requests")  # imported at the first call (about 70 ms of start-up)

#: What one day's statistics message counts (flows of ``dossier_day_counts``).
DAILY_FIGURES = ("received", "received_online", "received_in_person", "received_post", "processed", "early",
                 "on_time", "late", "refused", "stopped", "withdrawn", "returned")


# ---------------------------------------------------------------------------------------------
# Inbound: a dossier handed over by the national portal


@dataclass(frozen=True)
class NationalDocument:
    key: str
    filename: str
    content_type: str
    content: bytes | None  # None: not valid base64
    sha256: str


@dataclass(frozen=True)
class NationalFiling:
    """What the door read from the request (shapes checked; rules are checked here)."""

    national_code: str
    procedure: str
    applicant: dict
    data: dict
    documents: tuple[NationalDocument, ...]
    payment: dict | None
    delivery: dict | None
    submitted_at: str | None
    digest: str  # SHA-256 of the request's canonical JSON


def digest_of(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def decode_content(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def earlier_filing(national_code: str, digest: str) -> Dossier | None:
    """The dossier already created for ``national_code`` (same request), None when new; another
    request under the same code is a 409."""
    dossier = db.session.scalar(select(Dossier).where(Dossier.national_code == national_code))
    if dossier is None:
        return None
    if dossier.national_digest != digest:
        raise FilingError("national_code_conflict", 409)
    return dossier


def procedure_for(code: str) -> Procedure:
    """The published procedure with this national or catalogue code (422 when unknown)."""
    column = getattr(Procedure, "national_code", None)
    match = Procedure.code == code if column is None else (Procedure.code == code) | (column == code)
    procedure = db.session.scalar(select(Procedure).where(match, Procedure.is_published).limit(1))
    if procedure is None:
        raise FilingError("unknown_procedure", 422)
    return procedure


def applicant_account(details: dict) -> User:
    """The citizen account of the applicant's personal identification number: the existing one,
    or a new account without a password (the citizen signs in through VNeID, or asks the desk)."""
    try:
        number = parse_citizen_id(str(details.get("id_number") or "")).number
    except InvalidCitizenId:
        raise FilingError("national_applicant_invalid", 422) from None
    full_name = " ".join(str(details.get("full_name") or "").split())
    if not full_name:
        raise FilingError("national_applicant_invalid", 422)
    user = db.session.scalar(select(User).where(User.id_number == number))
    if user is not None:
        if user.role != Role.CITIZEN.value:
            raise FilingError("national_applicant_invalid", 422)
        return user
    username = f"cd{number}"
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        username = f"cd{number}-{uuid.uuid4().hex[:6]}"  # someone chose that name: any free one will do
    user = User(username=username, full_name=full_name[:255], id_number=number, role=Role.CITIZEN.value,
                phone=(str(details.get("phone") or "").strip() or None), address=str(details.get("address") or "")[:500] or None,
                email=(str(details.get("email") or "").strip().lower() or None),
                password_hash="!national-portal: no local password")
    db.session.add(user)
    db.session.flush()
    audit.record("account.created_for_national_dossier", user=user, object_type="user", object_id=user.id)
    return user


def _attach(dossier: Dossier, user: User, document: NationalDocument, limits: Limits) -> None:
    if not document.content:
        raise FilingError("national_document_invalid", 422, key=document.key[:64])
    if hashlib.sha256(document.content).hexdigest() != document.sha256.lower():
        raise FilingError("national_sha256_mismatch", 422, key=document.key[:64])
    if sniff_content_type(document.content) != document.content_type:
        raise FilingError("wrong_type", 422)
    try:
        filing.add_attachment(dossier, user, document.key, document.filename, document.content, limits)
    except FilingError as error:  # too large, wrong type, bad structure: all 422 on this door
        raise FilingError(error.code, 422, **error.params) from None


def receive(request: NationalFiling, procedure: Procedure, data: dict, limits: Limits) -> Dossier:
    """Create and submit the dossier handed over by the national portal (``data`` already checked
    by the e-form's rules). Any refusal leaves nothing: the caller rolls back, and stored files
    of a rolled-back transaction are removed (``portal.storage``)."""
    user = applicant_account(request.applicant)
    dossier, _created = filing.start_draft(user, procedure, data)
    details = {key: str(request.applicant.get(key) or "")[:500]
               for key in ("full_name", "id_number", "phone", "email", "address")}
    if request.payment:
        details["payment"] = {key: request.payment.get(key) for key in ("amount", "paid_at", "transaction_id")}
    try:
        with db.session.begin_nested():  # the same national code being received at this moment
            dossier.applicant = details
            dossier.source = DossierSource.NATIONAL.value
            dossier.national_code, dossier.national_digest = request.national_code, request.digest
            db.session.flush()
    except IntegrityError:
        raise FilingError("national_code_conflict", 409) from None
    for document in request.documents:
        _attach(dossier, user, document, limits)
    delivery = request.delivery or {}
    choice = filing.delivery_choice(procedure, delivery.get("method"), delivery.get("address"))
    dossier, _ = filing.submit(dossier.id, user, choice)
    return dossier


# ---------------------------------------------------------------------------------------------
# Outbound: one message per change


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(VN_TZ).isoformat() if moment else None


def reported(dossier: Dossier) -> bool:
    return dossier.source == DossierSource.NATIONAL.value or bool(current_app.config.get("NATIONAL_SYNC_ALL"))


def dossier_key(dossier: Dossier) -> str:
    """The path segment naming the dossier for the national portal."""
    return dossier.national_code or f"province-{dossier.id}"


def _result(session: Session, dossier: Dossier) -> dict | None:
    """The signed result the citizen downloads (one being stored in this flush included)."""
    pending = [obj for obj in session.new if isinstance(obj, DossierFile) and obj.dossier_id == dossier.id
               and obj.kind == FileKind.RESULT.value]
    row = pending[-1] if pending else session.scalar(
        select(DossierFile).where(DossierFile.dossier_id == dossier.id, DossierFile.kind == FileKind.RESULT.value,
                                  DossierFile.superseded_at.is_(None))
        .order_by(DossierFile.uploaded_at.desc(), DossierFile.id.desc()).limit(1))
    if row is None:
        return None
    base = current_app.config.get("PORTAL_BASE_URL") or ""
    return {"url": f"{base}/ho-so/{dossier.id}/ket-qua", "sha256": row.blob_sha256 or row.blob.sha256,
            "signed_at": _iso(row.uploaded_at)}


def event_message(session: Session, dossier: Dossier, ev: DossierEvent) -> OutboxMessage:
    """The outbox message reporting ``ev`` (see the message catalogue in docs/national-portal.md)."""
    event_id = str(uuid.uuid4())
    status = Status(ev.to_status)
    agency = session.get(Agency, dossier.agency_id)
    payload = {
        "type": "dossier_event", "event_id": event_id, "seq": ev.seq, "national_code": dossier.national_code,
        "dossier": dossier_key(dossier), "code": dossier.code, "action": ev.action, "status": status.value,
        "status_code": NATIONAL_CODE[status], "at": _iso(ev.at), "agency": agency.identifier if agency else None,
        "due_at": _iso(ev.due_at or dossier.due_at), "step": ev.to_step, "comment": ev.comment or None,
    }
    extra = ev.payload or {}
    if ev.action == Action.PAY_FEE.value:
        payload["payment"] = {"amount": extra.get("amount"), "paid_at": _iso(ev.at),
                              "receipt_number": extra.get("receipt_number"), "reference": extra.get("payment_reference")}
    if ev.action == Action.RATE.value:
        payload["rating"] = {"level": extra.get("level"), "comment": ev.comment or None}
    if dossier.result_signed or status in (Status.PROCESSED, Status.RETURNED):
        payload["result"] = _result(session, dossier)
    return OutboxMessage(channel=OutboxChannel.NATIONAL.value, event_id=event_id, dossier_id=dossier.id,
                         seq=ev.seq, payload=payload)


@event.listens_for(Session, "before_flush")
def _report_to_national_portal(session: Session, _context, _instances) -> None:
    events = [obj for obj in session.new if isinstance(obj, DossierEvent) and obj.to_status != Status.DRAFT.value]
    if not events or not has_app_context():
        return
    with session.no_autoflush:
        for ev in sorted(events, key=lambda e: (e.dossier_id, e.seq)):
            dossier = session.get(Dossier, ev.dossier_id)
            if dossier is not None and reported(dossier):
                session.add(event_message(session, dossier, ev))


# ---------------------------------------------------------------------------------------------
# Daily statistics per agency


def enqueue_daily_statistics(day: date) -> int:
    """One message per agency with that day's figures, unless already written; the number written."""
    columns = [func.coalesce(func.sum(getattr(DossierDayCount, name)), 0) for name in DAILY_FIGURES]
    sums = {row[0]: row[1:] for row in db.session.execute(
        select(DossierDayCount.agency_id, *columns).where(DossierDayCount.day == day).group_by(DossierDayCount.agency_id))}
    written = 0
    for agency in db.session.scalars(select(Agency).order_by(Agency.id)):
        key = f"daily_statistics:{day.isoformat()}:{agency.id}"
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is not None:
            continue
        figures = dict(zip(DAILY_FIGURES, (int(v) for v in sums.get(agency.id, (0,) * len(DAILY_FIGURES))), strict=True))
        event_id = str(uuid.uuid4())
        db.session.add(OutboxMessage(channel=OutboxChannel.NATIONAL.value, event_id=event_id, dedup_key=key, payload={
            "type": "daily_statistics", "event_id": event_id, "day": day.isoformat(), "agency": agency.identifier,
            "counts": figures}))
        written += 1
    db.session.flush()
    return written


def yesterday(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(VN_TZ).date() - timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Delivery


def target_path(payload: dict) -> str:
    if payload.get("type") == "daily_statistics":
        return "/statistics/daily"
    if payload.get("type") == "periodic_report":  # portal.operations.statistics.push_periodic_report
        return "/statistics/periodic"
    return f"/dossiers/{payload['dossier']}/events"


class Deliverer:
    """The national channel's transport: a signed POST per message, over one HTTP session."""

    def __init__(self, base_url: str, secret: str, timeout: float):
        self.base_url, self.secret, self.timeout = base_url.rstrip("/"), secret, timeout
        self.http = requests.Session()

    @classmethod
    def from_config(cls) -> Deliverer:
        config = current_app.config
        return cls(config["NATIONAL_PORTAL_URL"], config["NATIONAL_PORTAL_SECRET"],
                   float(config["NATIONAL_TIMEOUT_SECONDS"]))

    def post(self, message: OutboxMessage) -> str | None:
        body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode()
        try:
            answer = self.http.post(self.base_url + target_path(message.payload or {}), data=body,
                                    headers=signed_headers(self.secret, body), timeout=self.timeout)
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"
        if 200 <= answer.status_code < 300:
            return None
        return f"HTTP {answer.status_code}: {answer.text[:200]}"

    def __call__(self, rows: list[OutboxMessage]) -> list[str | None]:
        return [self.post(row) for row in rows]
