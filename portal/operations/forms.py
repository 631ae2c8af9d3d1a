"""Standard one-stop forms built from a dossier and its event log.

The renderers in :mod:`portal.documents` take plain dataclasses; this module fills them from the
database (dossier, procedure, agency, events) and picks the form set configured as ``FORM_SET``
("2018": Thông tư 01/2018/TT-VPCP, "2025": Thông tư 03/2025/TT-VPCP). Forms issued by a
person are signed by that person when the signing module provides ``sign_form``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import func, select

from portal import documents as docs
from portal.extensions import db
from portal.models import Agency, Dossier, DossierEvent, DossierFile, Field, Procedure, User
from portal.models.files import FileKind
from portal.models.types import utcnow
from portal.operations import appointments, document_register
from portal.operations.dossiers import (
    DossierError,
    item_names,
    linked_agency_names,
    processing_days,
)
from portal.operations.result_document import (
    applicant_of,
    code_of,
    desk_agency,
    desk_header,
    letter_header,
    local_day,
    position_of,
    render_result_document,
)
from portal.storage import put_blob, read_blob
from workflow.calendar import VN_TZ
from workflow.states import DeliveryMethod, ResultKind, Role, Status

FORMS = ("receipt", "supplement_request", "refusal", "apology", "stop_notice", "control_sheet")
ROLE_TITLES = {
    Role.ONE_STOP_OFFICER.value: "Bộ phận Tiếp nhận và Trả kết quả",
    Role.SPECIALIST.value: "Chuyên viên xử lý",
    Role.UNIT_LEADER.value: "Lãnh đạo phòng chuyên môn",
    Role.AGENCY_LEADER.value: "Lãnh đạo cơ quan",
    Role.CLERK.value: "Văn thư",
    Role.CITIZEN.value: "Người nộp hồ sơ",
}
# The texts above and below are printed on the legal forms, which are always in Vietnamese
# (people read translated labels in ``portal.labels``).
ORIGINALS = {"original": "Bản chính", "copy": "Bản sao", "original_or_copy": "Bản chính hoặc bản sao"}
DELIVERY_TEXT = {DeliveryMethod.DESK: "Trực tiếp", DeliveryMethod.POST: "Bưu chính", DeliveryMethod.ONLINE: "Trực tuyến"}


class FormNotAvailable(LookupError):
    """The dossier has not reached the point where this form exists (HTTP 404/409)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def form_set() -> str:
    value = str(current_app.config.get("FORM_SET", "2018"))
    return value if value in docs.FORM_SETS else "2018"


def forms_in_set() -> tuple[str, ...]:
    return tuple(f for f in FORMS if f in docs.FORM_SETS[form_set()])


def proof_url_for(code: str) -> str:
    """The public page of an appointment's verification code (printed as a QR code)."""
    if has_request_context() and "appointments.proof" in current_app.view_functions:
        return url_for("appointments.proof", code=code, _external=True)
    base = current_app.config.get("PUBLIC_BASE_URL", "")
    return f"{base.rstrip('/')}/hen-tra/{code}"


def proof_stamp(dossier_id: int, kind: str) -> docs.ProofStamp | None:
    """The verification code and page of the dossier's latest appointment of ``kind``."""
    proof = appointments.latest_proof(dossier_id, kind)
    if proof is None:
        return None
    return docs.ProofStamp(appointments.display_code(proof.code), proof_url_for(appointments.display_code(proof.code)))


def lookup_url_for(code: str) -> str:
    """The public lookup address of a dossier (printed as a QR code on the receipt)."""
    if has_request_context():
        if "citizen.lookup" in current_app.view_functions:
            return url_for("citizen.lookup", code=code, _external=True)
        return f"{request.url_root.rstrip('/')}/ho-so/tra-cuu?code={code}"
    base = current_app.config.get("PUBLIC_BASE_URL", "")
    return f"{base.rstrip('/')}/ho-so/tra-cuu?code={code}"


# ---------------------------------------------------------------------------------------------
# Helpers


def _events(dossier: Dossier) -> list[DossierEvent]:
    return list(db.session.scalars(
        db.select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.seq)))


def _last(events: list[DossierEvent], *actions: str) -> DossierEvent | None:
    for event in reversed(events):
        if event.action in actions:
            return event
    return None


def _local_day(dt: datetime | None) -> date:
    return local_day(dt)


#: The numbered forms: the register book they are entered in and their abbreviation in the number.
NUMBERED = {
    "receipt": (document_register.DESK, "TNHS"),
    "supplement_request": (document_register.DESK, "BSHS"),
    "refusal": (document_register.DESK, "TCHS"),
    "apology": (document_register.OUTGOING, ""),
    "stop_notice": (document_register.OUTGOING, "TB"),
}
#: The event that issues each numbered form.
ISSUING_ACTIONS = {
    "accept": "receipt", "request_supplement": "supplement_request", "refuse_intake": "refusal",
    "apologize": "apology", "stop": "stop_notice", "withdraw": "stop_notice",
}
FORM_TITLES = {form: title for forms in docs.FORM_SETS.values() for form, (_n, title) in forms.items()}


def form_number(dossier: Dossier, form: str, event: DossierEvent) -> str:
    """The number of ``form`` issued by ``event``, from the register of the issuing side (the
    one-stop unit for the desk's forms, the deciding agency for its letters); taken once."""
    book, kind = NUMBERED[form]
    agency = desk_agency(dossier.agency) if book == document_register.DESK else dossier.agency
    entry = document_register.register(
        agency, book=book, kind=kind, dossier_id=dossier.id, document=form, event_seq=event.seq,
        title=f"{FORM_TITLES[form]} - {_code(dossier)}", issued_on=_local_day(event.at))
    return entry.symbol


def register_issued_form(dossier: Dossier, event: DossierEvent) -> None:
    """Enter the form that ``event`` issues in its register (called with every dossier event,
    inside the action's transaction): its number is fixed when the act is done."""
    form = ISSUING_ACTIONS.get(event.action)
    if form is None or form not in docs.FORM_SETS[form_set()]:
        return
    if form == "stop_notice" and dossier.received_at is None:
        return  # withdrawn before reception: nothing was being processed
    form_number(dossier, form, event)


def _header(dossier: Dossier, at: datetime | None, number: str | None = None) -> docs.Header:
    return desk_header(dossier.agency, at, number)


def _desk_phone(agency: Agency, officer: User | None = None) -> str:
    """The contact phone of the unit that receives ``agency``'s dossiers: the one-stop unit's, the
    agency's, the guiding officer's own."""
    unit = agency.one_stop_unit
    return ((unit.phone if unit is not None else None) or agency.phone
            or (officer.phone if officer is not None else None) or "")


def _applicant(dossier: Dossier) -> docs.Applicant:
    return applicant_of(dossier)


def _code(dossier: Dossier) -> str:
    return code_of(dossier)


def _recipients(dossier: Dossier) -> list[str]:
    """"Nơi nhận" of a letter of the deciding agency, after the applicant: the one-stop unit that
    hands it over."""
    unit = dossier.agency.one_stop_unit
    return [unit.name_vi] if unit is not None else []


def _processing_days(dossier: Dossier) -> float:
    return processing_days(dossier)  # the one rule (remote areas, online filing)


def _person(event: DossierEvent, home_agency_id: int | None = None) -> str:
    """Who acted, with the agency when it is a linked agency (link-up: another agency's step)."""
    title = ROLE_TITLES.get(event.actor_role, event.actor_role)
    if home_agency_id is not None and event.agency_id not in (None, home_agency_id):
        agency = db.session.get(Agency, event.agency_id)
        if agency is not None:
            title = f"{title}, {agency.name_vi}"
    return f"{event.actor_name} ({title})"


def _step_role(dossier: Dossier, step_key: str | None) -> str | None:
    for step in dossier.terms.steps:
        if step["key"] == step_key:
            return step["role"]
    return None


# ---------------------------------------------------------------------------------------------
# Builders: one per form


def receipt_data(dossier: Dossier, events: list[DossierEvent]) -> docs.ReceiptData:
    accept = _last(events, "accept")
    if accept is None or dossier.received_at is None:
        raise FormNotAvailable("not_received")
    provided = set(db.session.scalars(select(DossierFile.document_key).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind.in_((FileKind.DOCUMENT, FileKind.SCAN)))))
    checked = set((accept.payload or {}).get("checked", [])) | set((accept.payload or {}).get("paper", []))
    lines = [
        docs.DocumentLine(d["name_vi"], ORIGINALS.get(d.get("original"), "Bản chính"), int(d.get("quantity") or 1))
        for d in dossier.terms.documents
        if d["key"] in provided or d["key"] in checked or (d.get("required") and not provided and not checked)
    ]
    sequence = (dossier.code or "").rsplit("-", 1)[-1]
    return docs.ReceiptData(
        header=_header(dossier, accept.at, form_number(dossier, "receipt", accept)), dossier_code=_code(dossier),
        applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, documents=lines, sets=1,
        processing_days=_processing_days(dossier), received_at=dossier.received_at,
        due_at=dossier.original_due_at or dossier.due_at,
        collect_at=_collect_at(dossier.agency),
        register_book=str(_local_day(dossier.received_at).year), register_entry=sequence,
        officer_name=accept.actor_name, lookup_url=lookup_url_for(dossier.code),
        proof=proof_stamp(dossier.id, "receipt"),
    )


def _collect_at(agency: Agency) -> str:
    unit = agency.one_stop_unit or agency
    return ", ".join(x for x in (agency.desk_name(), unit.address) if x)


def supplement_request_data(dossier: Dossier, events: list[DossierEvent]) -> docs.SupplementRequestData:
    event = _last(events, "request_supplement")
    if event is None:
        raise FormNotAvailable("no_supplement_request")
    items = item_names(dossier, (event.payload or {}).get("items") or []) or [event.comment or ""]
    officer = db.session.get(User, event.actor_id) if event.actor_id else None
    return docs.SupplementRequestData(
        header=_header(dossier, event.at, form_number(dossier, "supplement_request", event)),
        dossier_code=_code(dossier), applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, items=items, reason=event.comment or "",
        contact=dossier.agency.desk_name(), phone=_desk_phone(dossier.agency, officer), officer_name=event.actor_name,
    )


def refusal_data(dossier: Dossier, events: list[DossierEvent]) -> docs.RefusalData:
    event = _last(events, "refuse_intake")  # a refused request is answered by the result (written reply)
    if event is None:
        raise FormNotAvailable("not_refused")
    reasons = [line.strip() for line in (event.comment or "").splitlines() if line.strip()]
    return docs.RefusalData(
        header=_header(dossier, event.at, form_number(dossier, "refusal", event)), dossier_code=_code(dossier),
        applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, reasons=reasons, officer_name=event.actor_name,
    )


def _title_of(event: DossierEvent) -> str:
    user = db.session.get(User, event.actor_id) if event.actor_id else None
    return position_of(user) if user is not None else ROLE_TITLES.get(event.actor_role, "")


def apology_data(dossier: Dossier, events: list[DossierEvent]) -> docs.ApologyData:
    event = _last(events, "apologize")
    if event is None:
        raise FormNotAvailable("no_apology")
    before = [e for e in events if e.seq < event.seq and e.due_at is not None]
    original = before[-1].due_at if before else dossier.original_due_at
    new_due = datetime.fromisoformat(event.payload["new_due_at"]) if (event.payload or {}).get("new_due_at") \
        else dossier.due_at
    return docs.ApologyData(
        header=letter_header(dossier.agency, event.at, form_number(dossier, "apology", event)),
        addressee=_applicant(dossier).full_name,
        received_at=dossier.received_at, procedure_name=dossier.procedure.name_vi, dossier_code=_code(dossier),
        original_due_at=original, reason=event.comment or "", new_due_at=new_due,
        signer_name=event.actor_name, signer_title=_title_of(event), agency_name=dossier.agency.name_vi,
        recipients=_recipients(dossier),
        proof=proof_stamp(dossier.id, "apology"),
    )


def _stop_signer(dossier: Dossier, event: DossierEvent) -> User | None:
    """Who signs the stop notice: the leader who stopped, the officer who recorded a withdrawal;
    for a withdrawal the applicant made online, the agency's leader (the notice is the agency's)."""
    actor = db.session.get(User, event.actor_id) if event.actor_id else None
    if actor is not None and actor.is_staff:
        return actor
    return db.session.scalar(select(User).where(
        User.agency_id == dossier.agency_id, User.role == Role.AGENCY_LEADER.value, User.is_active_account.is_(True))
        .order_by(User.id).limit(1))


def stop_notice_data(dossier: Dossier, events: list[DossierEvent]) -> docs.StopNoticeData:
    event = _last(events, "stop", "withdraw")
    if event is None or dossier.received_at is None:
        raise FormNotAvailable("not_stopped")
    signer = _stop_signer(dossier, event)
    withdrawn = event.action == "withdraw"
    reason = event.comment or ""
    if withdrawn:
        reason = f"Ông/Bà đề nghị rút hồ sơ ({reason})" if reason else "Ông/Bà đề nghị rút hồ sơ"
    return docs.StopNoticeData(
        header=letter_header(dossier.agency, event.at, form_number(dossier, "stop_notice", event)),
        dossier_code=_code(dossier), applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, reason=reason,
        signer_name=signer.full_name if signer is not None else "",
        signer_title=position_of(signer) if signer is not None else "Thủ trưởng cơ quan",
        received_at=dossier.received_at, agency_name=dossier.agency.name_vi, withdrawn=withdrawn,
        recipients=_recipients(dossier),
    )


HANDOVER_ACTIONS = ("accept", "forward", "send_back", "issue_result", "return_result", "refuse", "stop")


def handover_rows(dossier: Dossier, events: list[DossierEvent]) -> list[docs.HandoverRow]:
    """One row per hand-over, from the event log, with the giver's early/on-time/late."""
    rows = []
    handovers = [e for e in events if e.action in HANDOVER_ACTIONS]
    for i, event in enumerate(handovers):
        if event.action == "accept":
            giver = f"{_applicant(dossier).full_name} ({ROLE_TITLES['citizen']})"
            receiver = _person(event)
        elif event.action == "return_result":
            giver = _person(event)
            receiver = f"{_applicant(dossier).full_name} ({ROLE_TITLES['citizen']})"
        else:
            giver = _person(event, dossier.agency_id)
            following = handovers[i + 1] if i + 1 < len(handovers) else None
            role = _step_role(dossier, event.to_step)
            if following is not None and (role is None or following.actor_role == role):
                receiver = _person(following, dossier.agency_id)
            else:
                receiver = ROLE_TITLES.get(role or "", "") or "—"
        note = {"send_back": "Trả lại: ", "refuse": "Từ chối: ", "stop": "Dừng: "}.get(event.action, "")
        rows.append(docs.HandoverRow(giver=giver, receiver=receiver, at=event.at,
                                     result=event.step_timeliness, note=(note + (event.comment or "")).strip()))
    return rows


def control_sheet_data(dossier: Dossier, events: list[DossierEvent]) -> docs.ControlSheetData:
    if dossier.received_at is None:
        raise FormNotAvailable("not_received")
    accept = _last(events, "accept")
    number = form_number(dossier, "receipt", accept) if accept is not None else None  # issued with the receipt
    return docs.ControlSheetData(
        header=_header(dossier, dossier.received_at, number), dossier_code=_code(dossier),
        procedure_name=dossier.procedure.name_vi, handling_agency=dossier.agency.name_vi,
        coordinating_agencies=linked_agency_names(dossier.terms),
        received_at=dossier.received_at, due_at=dossier.due_at, handovers=handover_rows(dossier, events),
        applicant_name=_applicant(dossier).full_name,
    )


#: Form -> (its data, the name of its renderer in portal.documents, read at the first render so
#: that ReportLab is not imported at start-up, the signature box's key).
BUILDERS = {
    "receipt": (receipt_data, "render_receipt", "officer"),
    "supplement_request": (supplement_request_data, "render_supplement_request", "officer"),
    "refusal": (refusal_data, "render_refusal", "officer"),
    "apology": (apology_data, "render_apology", "head"),
    "stop_notice": (stop_notice_data, "render_stop_notice", "head"),
    "control_sheet": (control_sheet_data, "render_control_sheet", None),
}
SIGNING_EVENT = {"receipt": ("accept",), "supplement_request": ("request_supplement",),
                 "refusal": ("refuse_intake",), "apology": ("apologize",),
                 "stop_notice": ("stop", "withdraw")}


@dataclass
class FormPdf:
    pdf: bytes
    filename: str
    signed: bool
    sign_error: str | None = None  # why the form is served unsigned (the caller rolls back)


#: Which event makes each form available (the receipt and control sheet exist from reception on).
FORM_EVENTS = {
    "supplement_request": {"request_supplement"},
    "refusal": {"refuse_intake"},
    "apology": {"apologize"},
    "stop_notice": {"stop", "withdraw"},
}


def available_forms(dossier: Dossier, events: list[DossierEvent]) -> list[str]:
    """The standard forms of the configured set that ``dossier`` has reached, in the set's order."""
    reached = {event.action for event in events}
    return [form for form in forms_in_set()
            if (dossier.received_at is not None if form not in FORM_EVENTS else bool(reached & FORM_EVENTS[form]))
            and (form != "stop_notice" or dossier.received_at is not None)]


def render_form(dossier: Dossier, form: str) -> FormPdf:
    """The PDF of ``form`` for ``dossier``; signed by the issuing person when signing exists.

    Raises ``FormNotAvailable`` when the form is unknown in the configured set or the dossier
    has not reached it yet.
    """
    chosen = form_set()
    if form not in BUILDERS or form not in docs.FORM_SETS[chosen]:
        raise FormNotAvailable("unknown_form")
    build, renderer, box_key = BUILDERS[form]
    render = getattr(docs, renderer)
    events = _events(dossier)
    filename = f"{form}-{dossier.code or dossier.id}.pdf"
    event = _last(events, *SIGNING_EVENT[form]) if form in SIGNING_EVENT else None
    # A signed form is issued once per event and kept: every later download is the same document.
    issued_key = f"{chosen}:{form}:{event.seq}" if event is not None else None
    if issued_key is not None:
        stored = _issued_form(dossier.id, issued_key)
        if stored is not None:
            return FormPdf(read_blob(stored.blob_sha256), filename, True)
    rendered = render(build(dossier, events), chosen)
    pdf, signed = rendered.pdf, False
    if box_key is not None:
        if form == "stop_notice" and event is not None:
            signer = _stop_signer(dossier, event)
        else:
            signer = db.session.get(User, event.actor_id) if event is not None and event.actor_id else None
        if signer is not None:
            from portal.operations.signing import (
                sign_form,  # pyHanko: imported by the first signed form
            )

            title = docs.form_info(chosen, form)[1]
            try:
                pdf = sign_form(pdf, signer, rendered.signature_boxes.get(box_key), f"{title} - {_code(dossier)}")
                signed = True
            except DossierError as error:  # no certificate yet, signing not configured: unsigned copy
                current_app.logger.warning("Form %s of dossier %s served unsigned: %s", form, dossier.id, error.code)
                return FormPdf(rendered.pdf, filename, False, error.code)
            _keep_issued_form(dossier.id, issued_key, pdf, filename, signer)
    return FormPdf(pdf, filename, signed)


def _issued_form(dossier_id: int, key: str) -> DossierFile | None:
    return db.session.scalar(select(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == FileKind.FORM, DossierFile.document_key == key))


def _keep_issued_form(dossier_id: int, key: str, pdf: bytes, filename: str, signer: User) -> None:
    blob = put_blob(pdf, "application/pdf")
    db.session.add(DossierFile(dossier_id=dossier_id, kind=FileKind.FORM.value, document_key=key, blob_sha256=blob.sha256,
                               original_name=filename, uploaded_by_id=signer.id))
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Register (sổ theo dõi) per field and period


def register_data(agency_id: int, field_id: int | None, period_from: date, period_to: date,
                  limit: int = 5000) -> docs.RegisterData:
    start = datetime.combine(period_from, datetime.min.time(), VN_TZ)
    end = datetime.combine(period_to + timedelta(days=1), datetime.min.time(), VN_TZ)
    query = (select(Dossier).join(Procedure, Procedure.id == Dossier.procedure_id)
             .where(Dossier.agency_id == agency_id, Dossier.received_at >= start, Dossier.received_at < end)
             .order_by(Dossier.received_at, Dossier.id).limit(limit))
    if field_id:
        query = query.where(Procedure.field_id == field_id)
    dossiers = list(db.session.scalars(query))
    ids = [d.id for d in dossiers]
    firsts, deliveries = {}, {}
    if ids:
        firsts = dict(db.session.execute(
            select(DossierEvent.dossier_id, func.min(DossierEvent.at))
            .where(DossierEvent.dossier_id.in_(ids), DossierEvent.action == "forward")
            .group_by(DossierEvent.dossier_id)).all())
        for dossier_id, payload in db.session.execute(
                select(DossierEvent.dossier_id, DossierEvent.payload)
                .where(DossierEvent.dossier_id.in_(ids), DossierEvent.action == "return_result")):
            deliveries[dossier_id] = (payload or {}).get("delivery")
    rows = []
    for no, d in enumerate(dossiers, 1):
        a = d.applicant or {}
        note = {Status.NOT_ACCEPTED.value: "Từ chối tiếp nhận", Status.WITHDRAWN.value: "Rút hồ sơ",
                Status.STOPPED.value: "Dừng xử lý", Status.SUPPLEMENT_REQUESTED.value: "Chờ bổ sung"}.get(d.status, "")
        if d.result_kind == ResultKind.REFUSED:
            note = "Từ chối giải quyết"
        rows.append(docs.RegisterRow(
            no=no, dossier_code=_code(d), procedure_name=d.procedure.name_vi, applicant=a.get("full_name", ""),
            address_phone=", ".join(x for x in (a.get("address"), a.get("phone")) if x),
            lead_agency=d.agency.name_vi, received_at=d.received_at, due_at=d.due_at or d.received_at,
            transferred_at=firsts.get(d.id), result_at=d.finished_at, returned_at=d.returned_at,
            returned_how=DELIVERY_TEXT.get(deliveries.get(d.id) or "", None) if d.returned_at else None, note=note,
        ))
    agency = db.session.get(Agency, agency_id)
    field = db.session.get(Field, field_id) if field_id else None
    header = replace(desk_header(agency, None, str(period_from.year)), number_label="Quyển số")
    return docs.RegisterData(header=header, field_name=field.name_vi if field else "Tất cả lĩnh vực",
                             period_from=period_from, period_to=period_to, rows=rows)


# ---------------------------------------------------------------------------------------------
# Draft result document (the specialist's proposal, before the leader signs)


def render_result_draft(dossier: Dossier, author: User, now: datetime | None = None) -> bytes:
    """The result document as it will be issued, marked "DỰ THẢO" and without a number (the
    number is taken when the leader signs). ``author`` is the specialist who proposes it."""
    del author  # the draft is the agency's document; its author is in the audit entry
    return render_result_document(dossier, None, now or utcnow(), draft=True).pdf
