"""The one-stop office: work queues, the dossier page with its actions, desk registration,
standard forms and the register (sổ theo dõi).

Each view translates the request into the plain values of a use case and its outcome into a
page; the rules are in ``portal.operations`` (the same ones the API calls), the transaction
boundary is ``portal.transaction``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import STAFF, roles_required, scope_to_agency
from portal.documents import register_xlsx, render_register
from portal.downloads import form_pdf_response
from portal.extensions import db
from portal.i18n import current_language
from portal.labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    EVENT_LABELS,
    FORM_LABELS,
    QUEUE_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    TIMELINESS_LABELS,
)
from portal.messages import message_for
from portal.models import Dossier, DossierEvent, DossierFile, Field, Procedure
from portal.office.forms import ActionForm, DeskRegistrationForm, QueueFilterForm, RegisterBookForm
from portal.operations import appointments, commands, desk, office
from portal.operations import forms as form_ops
from portal.operations.dossiers import DossierError, can_see
from portal.operations.lifecycle import offered_actions
from portal.storage import read_blob
from portal.transaction import refused
from workflow.calendar import VN_TZ
from workflow.states import Action, Role

bp = Blueprint("office", __name__, url_prefix="/mot-cua", template_folder="templates")

#: Stored files the office page shows in the browser (checked and typed on upload); others download.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})

#: After these actions the dossier has left the officer's hands: back to the queue.
BACK_TO_QUEUE = {Action.ACCEPT, Action.REFUSE_INTAKE, Action.REQUEST_SUPPLEMENT, Action.RETURN_RESULT,
                 Action.ISSUE_RESULT, Action.APPROVE, Action.REFUSE, Action.STOP}


@bp.context_processor
def labels():
    return {"STATUS_LABELS": STATUS_LABELS, "ACTION_LABELS": ACTION_LABELS, "QUEUE_LABELS": QUEUE_LABELS,
            "CHANNEL_LABELS": CHANNEL_LABELS, "TIMELINESS_LABELS": TIMELINESS_LABELS, "FORM_LABELS": FORM_LABELS,
            "EVENT_LABELS": EVENT_LABELS}


@bp.errorhandler(DossierError)
def action_refused(error: DossierError):
    """A refused action: nothing is kept, the officer reads why on the dossier page (or, when a
    service the action needs is down, on a 503 page that leads back to the dossier)."""
    refused(error)
    dossier_id = (request.view_args or {}).get("dossier_id")
    if error.status >= 500:
        back = url_for("office.dossier", dossier_id=dossier_id) if dossier_id else url_for("office.index")
        return render_template("error.html", status=error.status, message=message_for(error), back=back), \
            error.status, {"Retry-After": "60"}
    flash(message_for(error), "error")
    return redirect(url_for("office.dossier", dossier_id=dossier_id) if dossier_id else url_for("office.index"))


def _paused_text() -> str:
    return _("tạm dừng: chờ bổ sung")


def _fee_paused_text() -> str:
    return _("tạm dừng: chờ nộp phí")


def _visible(dossier_id: int) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or not can_see(current_user, dossier):
        abort(404)
    return dossier


# ---------------------------------------------------------------------------------------------
# Queue home


def _filter_form() -> QueueFilterForm:
    filters = QueueFilterForm(request.args)
    english = current_language() == "en"
    names = db.session.execute(scope_to_agency(
        select(Procedure.code, Procedure.name_en if english else Procedure.name_vi).order_by(Procedure.seed_item),
        Procedure.agency_id, current_user)).all()
    filters.set_procedure_choices([("", _("Tất cả"))] + [(code, name) for code, name in names])
    filters.set_status_choices([("", _("Tất cả"))] + [(k, v) for k, v in STATUS_LABELS.items() if k != "draft"])
    filters.validate()
    return filters


def _queue_filter(filters: QueueFilterForm) -> office.QueueFilter:
    queue = request.args.get("queue", "work")
    return office.QueueFilter(
        queue=queue if queue in office.QUEUES else "work", q=filters.q.data or "",
        procedure=filters.procedure.data or None, status=filters.status.data or None,
        channel=filters.channel.data or None, received_from=filters.received_from.data,
        received_to=filters.received_to.data, page=max(1, min(filters.page.data or 1, 100_000)),
    )


@bp.get("/")
@roles_required(*STAFF, Role.ADMIN)
def index():
    filters = _filter_form()
    flt = _queue_filter(filters)
    try:
        page = office.queue(current_user, flt)
    except office.QueueError:
        flash(_("Bộ lọc không hợp lệ; đã hiển thị hàng đợi mặc định."), "error")
        flt = office.QueueFilter()
        page = office.queue(current_user, flt)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("office/index.html", page=page, flt=flt, filters=filters, args=args, queues=office.QUEUES,
                           time_left=office.TimeLeft(page.now, current_language(), _paused_text(),
                                                     _fee_paused_text()))


# ---------------------------------------------------------------------------------------------
# Dossier page and actions


def _action_form(dossier: Dossier) -> ActionForm:
    form = ActionForm()
    form.set_document_choices([(d["key"], d["name_vi"]) for d in dossier.terms.documents])
    role = commands.target_role(dossier)
    people = commands.assignees(dossier, role) if role else []
    form.set_assignee_choices([("", _("Bất kỳ ai có vai trò %(role)s", role=str(ROLE_LABELS.get(role or "", ""))))]
                              + [(str(u.id), f"{u.full_name} ({u.position or u.username})") for u in people])
    return form


def _dossier_page(dossier: Dossier) -> dict:
    form = _action_form(dossier)
    form.version.data = dossier.version
    form.idempotency_key.data = secrets.token_urlsafe(16)  # a double click does the action once
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.seq)).all()
    actions = [a.value for a in offered_actions(dossier, current_user)]
    advice = appointments.apology_advice(dossier)
    if advice is not None and request.args.get("chuan-bi") == "xin-loi" and Action.APOLOGIZE.value in actions:
        # the prepared letter: the apology form filled in, for the leader to complete and sign
        suggested = advice.suggested_due.astimezone(VN_TZ)
        form.reason.data = appointments.prepared_reason(dossier, advice)
        form.new_due_date.data, form.new_due_time.data = suggested.date(), suggested.time()
    return {"dossier": dossier, "form": form, "files": office.files_of(dossier.id), "events": events,
            "actions": actions, "apology_advice": advice,
            "forms_ready": form_ops.available_forms(dossier, events),
            "time_left": office.TimeLeft(lang=current_language(), paused_text=_paused_text(),
                                         fee_paused_text=_fee_paused_text()),
            "handovers": form_ops.handover_rows(dossier, events) if dossier.received_at else []}


@bp.get("/ho-so/<int:dossier_id>")
@roles_required(*STAFF, Role.ADMIN)
def dossier(dossier_id: int):
    return render_template("office/dossier.html", **_dossier_page(_visible(dossier_id)))


def _action_values(form: ActionForm) -> dict:
    """The action form as the plain values every door passes to ``commands.run``."""
    new_due = None
    if form.new_due_date.data is not None:
        new_due = datetime.combine(form.new_due_date.data,
                                   form.new_due_time.data or datetime.min.time().replace(hour=17), VN_TZ)
    draft = request.files.get("draft")
    return {"version": form.version.data, "reason": form.reason.data, "items": form.items.data,
            "repeat_reason": form.repeat_reason.data,
            "new_due_at": new_due, "assignee_id": form.assignee.data, "delivery": form.delivery.data,
            "checked": form.checked.data or [], "generate": bool(form.generate.data),
            "remote_area": bool(form.remote_area.data),
            "draft": draft.read() if draft and draft.filename else None,
            "draft_name": draft.filename if draft and draft.filename else ""}


def _form_errors(form: ActionForm) -> str:
    return _("Biểu mẫu không hợp lệ: %(errors)s", errors="; ".join(
        f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()))


@bp.post("/ho-so/<int:dossier_id>/thao-tac/<action>")
@roles_required(*STAFF)
def act(dossier_id: int, action: str):
    form = _action_form(_visible(dossier_id))
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for("office.dossier", dossier_id=dossier_id))
    commands.run_once(dossier_id, action, current_user, _action_values(form), form.idempotency_key.data)
    flash(_("Đã thực hiện: %(action)s.", action=ACTION_LABELS.get(action, action)), "success")
    if action in BACK_TO_QUEUE:
        return redirect(url_for("office.index"))
    return redirect(url_for("office.dossier", dossier_id=dossier_id))


@bp.get("/ho-so/<int:dossier_id>/tep/<int:file_id>")
@roles_required(*STAFF, Role.ADMIN)
def file(dossier_id: int, file_id: int):
    dossier = _visible(dossier_id)
    row = db.session.get(DossierFile, file_id)
    if row is None or row.dossier_id != dossier.id:
        abort(404)
    # shown in the browser only as the type the upload check pinned (never sniffed); anything else downloads
    disposition = "inline" if row.blob.content_type in INLINE_TYPES else "attachment"
    return Response(read_blob(row.blob_sha256), mimetype=row.blob.content_type, headers={
        "Content-Disposition": f'{disposition}; filename="file-{row.id}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


@bp.get("/ho-so/<int:dossier_id>/bieu-mau/<form>.pdf")
@roles_required(*STAFF, Role.ADMIN)
def form_pdf(dossier_id: int, form: str):
    try:
        return form_pdf_response(_visible(dossier_id), form)
    except form_ops.FormNotAvailable:
        abort(404)


# ---------------------------------------------------------------------------------------------
# Desk registration (in person, by post) with scans


def _registration_form() -> tuple[DeskRegistrationForm, Procedure | None]:
    procedures = db.session.scalars(scope_to_agency(
        select(Procedure).order_by(Procedure.seed_item), Procedure.agency_id, current_user)).all()
    form = DeskRegistrationForm()
    form.set_procedure_choices([(p.code, f"{p.name(current_language())} ({p.code})") for p in procedures])
    wanted = form.procedure.data or request.args.get("procedure")
    chosen = next((p for p in procedures if p.code == wanted), procedures[0] if procedures else None)
    if chosen is not None:
        form.procedure.data = form.procedure.data or chosen.code
        form.set_paper_choices([(d["key"], d["name_vi"]) for d in chosen.documents])
    return form, chosen


def _registration(form: DeskRegistrationForm) -> desk.DeskRegistration:
    scans = [desk.Scan(key.removeprefix("scan-"), f.filename, f.read())
             for key, f in request.files.items(multi=True) if key.startswith("scan-") and f and f.filename]
    return desk.DeskRegistration(
        procedure_code=form.procedure.data, channel=form.channel.data,
        applicant={k: form[k].data for k in desk.APPLICANT_FIELDS}, scans=scans,
        paper_documents=form.paper.data or [], note=form.note.data or "",
        form_data={k: v for k, v in request.form.items() if k.startswith("data-")},
    )


@bp.route("/tiep-nhan", methods=["GET", "POST"])
@roles_required(Role.ONE_STOP_OFFICER)
def register():
    form, chosen = _registration_form()
    if (request.method == "POST" and request.form.get("reload")) or not form.validate_on_submit():
        return render_template("office/register.html", form=form, procedure=chosen), 422 if form.errors else 200
    try:
        dossier = desk.register_at_desk(current_user, _registration(form))
    except DossierError as error:
        refused(error)
        flash(message_for(error), "error")
        return render_template("office/register.html", form=form, procedure=chosen), 422
    flash(_("Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận cho người nộp.", code=dossier.code), "success")
    return redirect(url_for("office.dossier", dossier_id=dossier.id))


# ---------------------------------------------------------------------------------------------
# Register (sổ theo dõi hồ sơ), per field and period


def _register_book_form() -> RegisterBookForm:
    form = RegisterBookForm(request.args)
    fields = db.session.scalars(select(Field).order_by(Field.name_vi)).all()
    form.set_field_choices([("", _("Tất cả lĩnh vực"))] + [(str(f.id), f.name(current_language())) for f in fields])
    return form


def _register_book_valid(form: RegisterBookForm) -> bool:
    if not form.validate() or current_user.agency_id is None:
        return False
    if form.period_from.data > form.period_to.data:
        form.period_to.errors = [*form.period_to.errors, _("Ngày kết thúc phải sau ngày bắt đầu.")]
        return False
    return True


def _register_book_file(form: RegisterBookForm) -> Response:
    data = form_ops.register_data(current_user.agency_id, int(form.field.data) if form.field.data else None,
                                  form.period_from.data, form.period_to.data)
    name = f"so-theo-doi-{form.period_from.data:%Y%m%d}-{form.period_to.data:%Y%m%d}"
    if form.format.data == "xlsx":
        return Response(register_xlsx(data), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(render_register(data, form_ops.form_set()).pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@bp.get("/so-theo-doi")
@roles_required(*STAFF, Role.ADMIN)
def register_book():
    form = _register_book_form()
    if not request.args:
        today = datetime.now(VN_TZ).date()
        form.period_from.data, form.period_to.data = date(today.year, today.month, 1), today
        return render_template("office/register_book.html", form=form)
    if not _register_book_valid(form):
        return render_template("office/register_book.html", form=form), 422
    return _register_book_file(form)
