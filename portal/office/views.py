"""The one-stop office: work queues, the dossier page with its actions, desk registration,
standard forms and the register (sổ theo dõi)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.access import STAFF, roles_required, scope_to_agency
from portal.documents import register_xlsx, render_register
from portal.extensions import db
from portal.i18n import current_language
from portal.models import Dossier, DossierEvent, DossierFile, Field, Procedure
from portal.office.forms import ActionForm, DeskRegistrationForm, QueueFilterForm, RegisterBookForm
from portal.office.labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    ERROR_MESSAGES,
    EVENT_LABELS,
    FORM_LABELS,
    QUEUE_LABELS,
    STATUS_LABELS,
    TIMELINESS_LABELS,
)
from portal.operations import forms as form_ops
from portal.operations import office
from portal.operations.dossiers import DossierError, can_see
from portal.storage import read_blob
from workflow.calendar import VN_TZ
from workflow.states import Role

bp = Blueprint("office", __name__, url_prefix="/mot-cua", template_folder="templates")


@bp.context_processor
def labels():
    return {"STATUS_LABELS": STATUS_LABELS, "ACTION_LABELS": ACTION_LABELS, "QUEUE_LABELS": QUEUE_LABELS,
            "CHANNEL_LABELS": CHANNEL_LABELS, "TIMELINESS_LABELS": TIMELINESS_LABELS, "FORM_LABELS": FORM_LABELS,
            "EVENT_LABELS": EVENT_LABELS}


def _error(error: DossierError) -> str:
    return str(ERROR_MESSAGES.get(error.code, _("Không thực hiện được thao tác (%(code)s).", code=error.code)))


def _agency_procedures():
    query = scope_to_agency(select(Procedure).order_by(Procedure.seed_item), Procedure.agency_id, current_user)
    return db.session.scalars(query).all()


def _visible(dossier_id: int) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or dossier.status == "draft" or not can_see(current_user, dossier):
        abort(404)
    return dossier


# ---------------------------------------------------------------------------------------------
# Queue home


@bp.get("/")
@roles_required(*STAFF, Role.ADMIN)
def index():
    filters = QueueFilterForm(request.args)
    english = current_language() == "en"
    names = db.session.execute(scope_to_agency(
        select(Procedure.code, Procedure.name_en if english else Procedure.name_vi).order_by(Procedure.seed_item),
        Procedure.agency_id, current_user)).all()
    filters.procedure.choices = [("", _("Tất cả"))] + [(code, name) for code, name in names]
    filters.status.choices = [SelectChoice("", _("Tất cả"))] + [SelectChoice(k, v) for k, v in STATUS_LABELS.items() if k != "draft"]
    filters.validate()
    queue = request.args.get("queue", "work")
    flt = office.QueueFilter(
        queue=queue if queue in office.QUEUES else "work", q=filters.q.data or "",
        procedure=filters.procedure.data or None, status=filters.status.data or None,
        channel=filters.channel.data or None, received_from=filters.received_from.data,
        received_to=filters.received_to.data, page=max(1, min(filters.page.data or 1, 100_000)),
    )
    try:
        page = office.queue(current_user, flt)
    except office.QueueError:
        flash(_("Bộ lọc không hợp lệ; đã hiển thị hàng đợi mặc định."), "error")
        flt = office.QueueFilter()
        page = office.queue(current_user, flt)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("office/index.html", page=page, flt=flt, filters=filters, args=args,
                           time_left=office.TimeLeft(page.now, current_language(), _("tạm dừng: chờ bổ sung")), queues=office.QUEUES)


# ---------------------------------------------------------------------------------------------
# Dossier page and actions


def _action_form(dossier: Dossier) -> ActionForm:
    form = ActionForm()
    form.checked.choices = [(d["key"], d["name_vi"]) for d in dossier.procedure.documents]
    role = office.next_step_role(dossier)
    people = office.assignees(dossier, role) if role else []
    form.assignee.choices = [("", _("Bất kỳ ai có vai trò %(role)s", role=ROLE_TITLE(role)))] + [
        (str(u.id), f"{u.full_name} ({u.position or u.username})") for u in people]
    return form


def ROLE_TITLE(role: str | None) -> str:
    from portal.templating import ROLE_LABELS

    return str(ROLE_LABELS.get(role or "", role or ""))


@bp.get("/ho-so/<int:dossier_id>")
@roles_required(*STAFF, Role.ADMIN)
def dossier(dossier_id: int):
    dossier = _visible(dossier_id)
    form = _action_form(dossier)
    form.version.data = dossier.version
    files = office.files_of(dossier.id)
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.seq)).all()
    reached = {e.action for e in events}
    forms_ready = [f for f in form_ops.forms_in_set() if {
        "receipt": dossier.received_at is not None, "control_sheet": dossier.received_at is not None,
        "supplement_request": "request_supplement" in reached, "refusal": bool(reached & {"refuse_intake", "refuse"}),
        "apology": "apologize" in reached, "stop_notice": "stop" in reached}[f]]
    return render_template("office/dossier.html", dossier=dossier, form=form, files=files, events=events,
                           actions=office.available_actions(dossier, current_user), forms_ready=forms_ready,
                           time_left=office.TimeLeft(lang=current_language(), paused_text=_("tạm dừng: chờ bổ sung")),
                           handovers=form_ops.handover_rows(dossier, events) if dossier.received_at else [])


def _new_due(form: ActionForm) -> datetime | None:
    if form.new_due_date.data is None:
        return None
    return datetime.combine(form.new_due_date.data, form.new_due_time.data or datetime.min.time().replace(hour=17),
                            VN_TZ)


@bp.post("/ho-so/<int:dossier_id>/thao-tac/<action>")
@roles_required(*STAFF)
def act(dossier_id: int, action: str):
    dossier = _visible(dossier_id)
    form = _action_form(dossier)
    back = redirect(url_for("office.dossier", dossier_id=dossier_id))
    if not form.validate_on_submit() or not str(form.version.data).isdigit():
        flash(_("Biểu mẫu không hợp lệ: %(errors)s", errors="; ".join(
            f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()) or "version"), "error")
        return back
    draft = request.files.get("draft")
    data = office.OfficeAction(
        version=int(form.version.data), reason=form.reason.data or "",
        items=[line.strip() for line in (form.items.data or "").splitlines() if line.strip()],
        new_due_at=_new_due(form), assignee_id=int(form.assignee.data) if form.assignee.data else None,
        delivery=form.delivery.data or None, checked=form.checked.data or [],
        draft=draft.read() if draft and draft.filename else None, draft_name=draft.filename if draft else "",
        generate=bool(form.generate.data),
    )
    try:
        office.office_action(dossier_id, action, current_user, data)
    except DossierError as error:
        db.session.rollback()
        flash(_error(error), "error")
        return back
    db.session.commit()
    flash(_("Đã thực hiện: %(action)s.", action=ACTION_LABELS.get(action, action)), "success")
    if action in ("accept", "refuse_intake", "request_supplement", "return_result", "issue_result", "approve",
                  "refuse", "stop"):
        return redirect(url_for("office.index"))
    return back


@bp.get("/ho-so/<int:dossier_id>/tep/<int:file_id>")
@roles_required(*STAFF, Role.ADMIN)
def file(dossier_id: int, file_id: int):
    dossier = _visible(dossier_id)
    row = db.session.get(DossierFile, file_id)
    if row is None or row.dossier_id != dossier.id:
        abort(404)
    return Response(read_blob(row.blob_sha256), mimetype=row.blob.content_type, headers={
        "Content-Disposition": f'inline; filename="file-{row.id}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


@bp.get("/ho-so/<int:dossier_id>/bieu-mau/<form>.pdf")
@roles_required(*STAFF, Role.ADMIN)
def form_pdf(dossier_id: int, form: str):
    dossier = _visible(dossier_id)
    try:
        rendered = form_ops.render_form(dossier, form)
    except form_ops.FormNotAvailable:
        abort(404)
    if rendered.sign_error:
        db.session.rollback()
    else:
        db.session.commit()
    return Response(rendered.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{rendered.filename}"', "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------------------------------------
# Desk registration (in person, by post) with scans


@bp.route("/tiep-nhan", methods=["GET", "POST"])
@roles_required(Role.ONE_STOP_OFFICER)
def register():
    procedures = _agency_procedures()
    form = DeskRegistrationForm()
    form.procedure.choices = [(p.code, f"{p.name(current_language())} ({p.code})") for p in procedures]
    chosen = next((p for p in procedures if p.code == (form.procedure.data or request.args.get("procedure"))),
                  procedures[0] if procedures else None)
    if chosen is not None:
        form.procedure.data = form.procedure.data or chosen.code
        form.paper.choices = [(d["key"], d["name_vi"]) for d in chosen.documents]
    if request.method == "POST" and request.form.get("reload"):
        return render_template("office/register.html", form=form, procedure=chosen)
    if form.validate_on_submit():
        scans = [office.Scan(key.removeprefix("scan-"), f.filename, f.read())
                 for key, f in request.files.items(multi=True) if key.startswith("scan-") and f and f.filename]
        registration = office.DeskRegistration(
            procedure_code=form.procedure.data, channel=form.channel.data,
            applicant={k: form[k].data for k in office.APPLICANT_FIELDS}, scans=scans,
            paper_documents=form.paper.data or [], note=form.note.data or "",
            form_data={k: v for k, v in request.form.items() if k.startswith("data-")},
        )
        try:
            dossier = office.register_at_desk(current_user, registration)
        except DossierError as error:
            db.session.rollback()
            flash(_error(error), "error")
            return render_template("office/register.html", form=form, procedure=chosen), 422
        db.session.commit()
        flash(_("Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận cho người nộp.", code=dossier.code), "success")
        return redirect(url_for("office.dossier", dossier_id=dossier.id))
    return render_template("office/register.html", form=form, procedure=chosen), 422 if form.errors else 200


# ---------------------------------------------------------------------------------------------
# Register (sổ theo dõi hồ sơ), per field and period


@bp.get("/so-theo-doi")
@roles_required(*STAFF, Role.ADMIN)
def register_book():
    form = RegisterBookForm(request.args)
    fields = db.session.scalars(select(Field).order_by(Field.name_vi)).all()
    form.field.choices = [("", _("Tất cả lĩnh vực"))] + [(str(f.id), f.name(current_language())) for f in fields]
    today = datetime.now(VN_TZ).date()
    if not request.args:
        form.period_from.data, form.period_to.data = date(today.year, today.month, 1), today
        return render_template("office/register_book.html", form=form)
    if not form.validate() or form.period_from.data > form.period_to.data or current_user.agency_id is None:
        if form.period_from.data and form.period_to.data and form.period_from.data > form.period_to.data:
            form.period_to.errors = [*form.period_to.errors, _("Ngày kết thúc phải sau ngày bắt đầu.")]
        return render_template("office/register_book.html", form=form), 422
    data = form_ops.register_data(current_user.agency_id, int(form.field.data) if form.field.data else None,
                                  form.period_from.data, form.period_to.data)
    name = f"so-theo-doi-{form.period_from.data:%Y%m%d}-{form.period_to.data:%Y%m%d}"
    if form.format.data == "xlsx":
        return Response(register_xlsx(data), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rendered = render_register(data, form_ops.form_set())
    return Response(rendered.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
