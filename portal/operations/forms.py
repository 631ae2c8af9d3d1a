"""Standard one-stop forms built from a dossier and its event log.

The renderers in :mod:`portal.documents` take plain dataclasses; this module fills them from the
database (dossier, procedure, agency, events) and picks the form set configured as ``FORM_SET``
("2018": Thông tư 01/2018/TT-VPCP, "2025": Thông tư 03/2025/TT-VPCP). Forms issued by a
person are signed by that person when the signing module provides ``sign_form``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, request, url_for
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table
from sqlalchemy import func, select

from portal import documents as docs
from portal.documents.common import (
    PORTRAIT_WIDTH,
    Styles,
    build_pdf,
    esc,
    grid_style,
    header_block,
    title_block,
)
from portal.extensions import db
from portal.models import Agency, Dossier, DossierEvent, DossierFile, Field, Procedure, User
from portal.models.files import FileKind
from portal.models.types import utcnow
from portal.operations import appointments
from portal.operations.dossiers import DossierError, item_names
from portal.operations.lifecycle import processing_days
from portal.operations.signing import sign_form
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
    return (dt or utcnow()).astimezone(VN_TZ).date()


def desk_header(agency: Agency, at: datetime | None) -> docs.Header:
    """The header of a form the receiving unit issues (receipt, supplement request, refusal,
    control sheet, register): the agency's one-stop unit (Trung tâm Phục vụ hành chính công of
    the province or of the commune), or the agency over its own desk."""
    governing, unit = agency.desk_header()
    return docs.Header(managing_body=governing, unit=unit, phrase=agency.desk_name(), place="Lai Châu",
                       date=_local_day(at))


def letter_header(agency: Agency, at: datetime | None) -> docs.Header:
    """The header of a letter the deciding agency signs (result, apology, stop notice)."""
    governing, name = agency.letter_header()
    return docs.Header(managing_body=governing, unit=name, phrase=agency.name_vi, place="Lai Châu",
                       date=_local_day(at))


def _header(dossier: Dossier, at: datetime | None) -> docs.Header:
    return desk_header(dossier.agency, at)


def _desk_phone(agency: Agency) -> str:
    unit = agency.one_stop_unit
    return (unit.phone if unit is not None else None) or agency.phone or str(current_app.config.get("OFFICE_PHONE", ""))


def _applicant(dossier: Dossier) -> docs.Applicant:
    a = dossier.applicant or {}
    return docs.Applicant(full_name=a.get("full_name") or "", id_number=a.get("id_number") or "",
                          address=a.get("address") or "", phone=a.get("phone") or "",
                          email=a.get("email") or "", proxy_name=a.get("proxy_name") or None)


def _code(dossier: Dossier) -> str:
    return dossier.code or f"Chưa cấp mã (hồ sơ số {dossier.id})"


def _processing_days(dossier: Dossier) -> float:
    return processing_days(dossier)  # the one rule (remote areas, online filing)


def _person(event: DossierEvent) -> str:
    return f"{event.actor_name} ({ROLE_TITLES.get(event.actor_role, event.actor_role)})"


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
        header=_header(dossier, accept.at), dossier_code=_code(dossier), applicant=_applicant(dossier),
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
    return docs.SupplementRequestData(
        header=_header(dossier, event.at), dossier_code=_code(dossier), applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, items=items, reason=event.comment or "",
        contact=dossier.agency.desk_name(), phone=_desk_phone(dossier.agency), officer_name=event.actor_name,
    )


def refusal_data(dossier: Dossier, events: list[DossierEvent]) -> docs.RefusalData:
    event = _last(events, "refuse_intake", "refuse")
    if event is None:
        raise FormNotAvailable("not_refused")
    reasons = [line.strip() for line in (event.comment or "").splitlines() if line.strip()]
    return docs.RefusalData(
        header=_header(dossier, event.at), dossier_code=_code(dossier), applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, reasons=reasons, officer_name=event.actor_name,
    )


def _title_of(event: DossierEvent) -> str:
    user = db.session.get(User, event.actor_id) if event.actor_id else None
    return (user.position if user is not None and user.position else ROLE_TITLES.get(event.actor_role, ""))


def apology_data(dossier: Dossier, events: list[DossierEvent]) -> docs.ApologyData:
    event = _last(events, "apologize")
    if event is None:
        raise FormNotAvailable("no_apology")
    before = [e for e in events if e.seq < event.seq and e.due_at is not None]
    original = before[-1].due_at if before else dossier.original_due_at
    new_due = datetime.fromisoformat(event.payload["new_due_at"]) if (event.payload or {}).get("new_due_at") \
        else dossier.due_at
    return docs.ApologyData(
        header=letter_header(dossier.agency, event.at), addressee=_applicant(dossier).full_name,
        received_at=dossier.received_at, procedure_name=dossier.procedure.name_vi, dossier_code=_code(dossier),
        original_due_at=original, reason=event.comment or "", new_due_at=new_due,
        signer_name=event.actor_name, signer_title=_title_of(event), agency_name=dossier.agency.name_vi,
        proof=proof_stamp(dossier.id, "apology"),
    )


def stop_notice_data(dossier: Dossier, events: list[DossierEvent]) -> docs.StopNoticeData:
    event = _last(events, "stop")
    if event is None:
        raise FormNotAvailable("not_stopped")
    return docs.StopNoticeData(
        header=letter_header(dossier.agency, event.at), dossier_code=_code(dossier), applicant=_applicant(dossier),
        procedure_name=dossier.procedure.name_vi, reason=event.comment or "", signer_name=event.actor_name,
        signer_title=_title_of(event), received_at=dossier.received_at, agency_name=dossier.agency.name_vi,
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
            giver = _person(event)
            following = handovers[i + 1] if i + 1 < len(handovers) else None
            role = _step_role(dossier, event.to_step)
            if following is not None and (role is None or following.actor_role == role):
                receiver = _person(following)
            else:
                receiver = ROLE_TITLES.get(role or "", "") or "—"
        note = {"send_back": "Trả lại: ", "refuse": "Từ chối: ", "stop": "Dừng: "}.get(event.action, "")
        rows.append(docs.HandoverRow(giver=giver, receiver=receiver, at=event.at,
                                     result=event.step_timeliness, note=(note + (event.comment or "")).strip()))
    return rows


def control_sheet_data(dossier: Dossier, events: list[DossierEvent]) -> docs.ControlSheetData:
    if dossier.received_at is None:
        raise FormNotAvailable("not_received")
    return docs.ControlSheetData(
        header=_header(dossier, dossier.received_at), dossier_code=_code(dossier),
        procedure_name=dossier.procedure.name_vi, handling_agency=dossier.agency.name_vi, coordinating_agencies=[],
        received_at=dossier.received_at, due_at=dossier.due_at, handovers=handover_rows(dossier, events),
        applicant_name=_applicant(dossier).full_name,
    )


BUILDERS = {
    "receipt": (receipt_data, docs.render_receipt, "officer"),
    "supplement_request": (supplement_request_data, docs.render_supplement_request, "officer"),
    "refusal": (refusal_data, docs.render_refusal, "officer"),
    "apology": (apology_data, docs.render_apology, "head"),
    "stop_notice": (stop_notice_data, docs.render_stop_notice, "head"),
    "control_sheet": (control_sheet_data, docs.render_control_sheet, None),
}
SIGNING_EVENT = {"receipt": ("accept",), "supplement_request": ("request_supplement",),
                 "refusal": ("refuse_intake", "refuse"), "apology": ("apologize",), "stop_notice": ("stop",)}


@dataclass
class FormPdf:
    pdf: bytes
    filename: str
    signed: bool
    sign_error: str | None = None  # why the form is served unsigned (the caller rolls back)


#: Which event makes each form available (the receipt and control sheet exist from reception on).
FORM_EVENTS = {
    "supplement_request": {"request_supplement"},
    "refusal": {"refuse_intake", "refuse"},
    "apology": {"apologize"},
    "stop_notice": {"stop"},
}


def available_forms(dossier: Dossier, events: list[DossierEvent]) -> list[str]:
    """The standard forms of the configured set that ``dossier`` has reached, in the set's order."""
    reached = {event.action for event in events}
    return [form for form in forms_in_set()
            if (dossier.received_at is not None if form not in FORM_EVENTS else bool(reached & FORM_EVENTS[form]))]


def render_form(dossier: Dossier, form: str) -> FormPdf:
    """The PDF of ``form`` for ``dossier``; signed by the issuing person when signing exists.

    Raises ``FormNotAvailable`` when the form is unknown in the configured set or the dossier
    has not reached it yet.
    """
    chosen = form_set()
    if form not in BUILDERS or form not in docs.FORM_SETS[chosen]:
        raise FormNotAvailable("unknown_form")
    build, render, box_key = BUILDERS[form]
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
        signer = db.session.get(User, event.actor_id) if event is not None and event.actor_id else None
        if signer is not None:
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
    header = desk_header(agency, None)
    return docs.RegisterData(header=header, field_name=field.name_vi if field else "Tất cả lĩnh vực",
                             period_from=period_from, period_to=period_to, rows=rows)


# ---------------------------------------------------------------------------------------------
# Draft result document (the specialist's proposal, before the leader signs)


def render_result_draft(dossier: Dossier, author: User) -> bytes:
    st = Styles()
    header = letter_header(dossier.agency, utcnow())
    story = [header_block(st, header, PORTRAIT_WIDTH), Spacer(1, 4 * mm),
             title_block(st, "DỰ THẢO KẾT QUẢ GIẢI QUYẾT HỒ SƠ"),
             Paragraph(f"Mã hồ sơ: <b>{esc(_code(dossier))}</b>", st.center), Spacer(1, 3 * mm),
             Paragraph(f"Thủ tục: {esc(dossier.procedure.name_vi)}", st.body),
             Paragraph(f"Kết quả: {esc(dossier.procedure.result_vi)}", st.body),
             Paragraph(f"Cấp cho: <b>{esc(_applicant(dossier).full_name)}</b>", st.body),
             Spacer(1, 2 * mm)]
    labels = {f.get("name"): f.get("label_vi", f.get("name")) for f in dossier.form_snapshot or []}
    rows = [[Paragraph(esc(labels.get(k, k)), st.cell), Paragraph(esc(v), st.cell)]
            for k, v in (dossier.form_data or {}).items() if v not in (None, "")]
    if rows:
        table = Table(rows, colWidths=[60 * mm, PORTRAIT_WIDTH - 60 * mm])
        table.setStyle(grid_style(header_rows=0))
        story.append(table)
    story += [Spacer(1, 6 * mm),
              Paragraph(f"Người dự thảo: {esc(author.full_name)} ({esc(ROLE_TITLES['specialist'])})", st.body)]
    pdf, _pages = build_pdf(story, title=f"Dự thảo kết quả - {_code(dossier)}")
    return pdf
