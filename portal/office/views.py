"""The one-stop office: work queues, the dossier page with its actions, desk registration,
standard forms and the register (sổ theo dõi).

Each view translates the request into the plain values of a use case and its outcome into a
page; the rules are in ``portal.operations`` (the same ones the API calls), the transaction
boundary is ``portal.transaction``.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import STAFF, roles_required, scope_to_agency
from portal.citizen import forms as citizen_forms
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
from portal.models import Dossier, DossierEvent, DossierFile, Field, Procedure, User
from portal.office.forms import (
    ActionForm,
    BulkActionForm,
    DeskRegistrationForm,
    QueueFilterForm,
    RegisterBookForm,
)
from portal.operations import appointments, commands, desk, office, result_signing
from portal.operations import forms as form_ops
from portal.operations.commands import InvalidInput
from portal.operations.dossiers import DossierError, can_see
from portal.operations.lifecycle import offered_actions, recommended_action
from portal.storage import read_blob
from portal.transaction import refused
from workflow.calendar import VN_TZ
from workflow.states import Action, Role

bp = Blueprint("office", __name__, url_prefix="/mot-cua", template_folder="templates")

#: Stored files the office page shows in the browser (checked and typed on upload); others download.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})

#: After these actions the dossier has left the officer's hands: back to the queue (acceptance
#: ends on the receipt page instead, to print or send the receipt).
BACK_TO_QUEUE = {Action.REFUSE_INTAKE, Action.REQUEST_SUPPLEMENT, Action.RETURN_RESULT,
                 Action.ISSUE_RESULT, Action.APPROVE, Action.PROPOSE_RESULT, Action.REFUSE, Action.STOP}

#: The field of the action form a refusal is about (the error summary links to it).
ERROR_FIELDS = {"guard_reason_given": "reason", "delivery_required": "delivery", "draft_required": "draft",
                "bad_new_due": "new_due_date", "guard_new_due_after_current": "new_due_date",
                "guard_apology_early_enough": "new_due_date", "guard_documents_complete": "checked",
                "unknown_document": "checked", "bad_assignee": "assignee", "file_type": "draft"}
INPUT_FIELDS = {"new_due_at": "new_due_date", "assignee_id": "assignee"}


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
        page = office.queue(current_user, flt, with_counts=True)
    except office.QueueError:
        flash(_("Bộ lọc không hợp lệ; đã hiển thị hàng đợi mặc định."), "error")
        flt = office.QueueFilter()
        page = office.queue(current_user, flt, with_counts=True)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    bulk = _bulk_form() if current_user.role != Role.ADMIN.value else None
    # The labels the rows repeat, translated once for the page (not once per row and column).
    once = {name: {key: str(label) for key, label in labels.items()} for name, labels in (
        ("STATUS_LABELS", STATUS_LABELS), ("CHANNEL_LABELS", CHANNEL_LABELS), ("QUEUE_LABELS", QUEUE_LABELS))}
    return render_template("office/index.html", page=page, flt=flt, filters=filters, args=args, queues=office.QUEUES,
                           **once,
                           time_left=office.TimeLeft(page.now, current_language(), _paused_text(), page.calendars,
                                                     _fee_paused_text()),
                           reception=office.ReceptionWait(page.now, current_language(), page.calendars), bulk=bulk,
                           more_filters=any(k in args for k in ("procedure", "status", "channel", "received_from",
                                                                 "received_to")))


def _bulk_form() -> BulkActionForm:
    form = BulkActionForm()
    form.set_assignee_choices([("", _("Người đảm nhận bước tiếp theo (bất kỳ ai)"))] + [
        (str(u.id), f"{u.full_name} · {ROLE_LABELS.get(u.role, '')}") for u in office.bulk_assignees(current_user)])
    if not form.key.data:
        form.key.data = secrets.token_urlsafe(16)  # a double click does each hand-over once
    return form


def _selected() -> list[tuple[int, int | None]]:
    """The ticked rows: "id:version" each (the version the officer saw on the queue)."""
    items = []
    for value in request.form.getlist("selected")[: office.MAX_BULK + 1]:
        dossier_id, _sep, version = value.partition(":")
        if dossier_id.isdigit():
            items.append((int(dossier_id), int(version) if version.isdigit() else None))
    return items


def _form_errors(form) -> str:
    return _("Biểu mẫu không hợp lệ: %(errors)s", errors="; ".join(
        f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()))


@bp.post("/hang-loat")
@roles_required(*STAFF)
def bulk_action():
    """Forward (or assign to a named person) every ticked dossier, each as its own action; the
    page then lists what was done and, per dossier, what was refused and why."""
    form = _bulk_form()
    back = request.form.get("back") or ""
    back = back if back.startswith("/mot-cua/") and "//" not in back else url_for("office.index")
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(back)
    assignee = int(form.assignee.data) if (form.assignee.data or "").isdigit() else None
    try:
        results = office.bulk_act(current_user, Action.FORWARD.value, _selected(), {"assignee_id": assignee},
                                  form.key.data)
    except office.QueueError as error:
        flash(message_for(error), "error")
        return redirect(back)
    except DossierError as error:  # a malformed key: nothing was done
        refused(error)
        flash(message_for(error), "error")
        return redirect(back)
    done = [r for r in results if r.error is None]
    failed = [(r, message_for(r.error)) for r in results if r.error is not None]
    codes = dict(db.session.execute(scope_to_agency(select(Dossier.id, Dossier.code).where(
        Dossier.id.in_([r.dossier_id for r, _reason in failed if r.error.status != 404])),
        Dossier.agency_id, current_user)).all()) if failed else {}
    return render_template("office/bulk_result.html", done=done, failed=failed, back=back, codes=codes,
                           assignee=db.session.get(User, assignee) if assignee else None)


# ---------------------------------------------------------------------------------------------
# Dossier page and actions


def _action_form(dossier: Dossier, formdata=None) -> ActionForm:
    """The action form; ``formdata=None`` reads the request (a POST), ``{}`` gives a blank form."""
    form = ActionForm() if formdata is None else ActionForm(formdata=formdata)
    form.set_document_choices([(d["key"], d["name_vi"]) for d in dossier.terms.documents])
    role = commands.target_role(dossier)
    people = commands.assignees(dossier, role, commands.target_agency_id(dossier)) if role else []
    form.set_assignee_choices([("", _("Bất kỳ ai có vai trò %(role)s", role=str(ROLE_LABELS.get(role or "", ""))))]
                              + [(str(u.id), f"{u.full_name} ({u.position or u.username})") for u in people])
    return form


def paper_documents(events) -> set[str]:
    """The documents the desk received on paper (ticked at intake or acceptance), by key."""
    keys: set[str] = set()
    for event in events:
        keys.update((event.payload or {}).get("paper") or ())
    return keys


def _dossier_page(dossier: Dossier, failed: dict | None = None) -> dict:
    """The dossier page; ``failed`` = {"action", "form"}: an action refused for what was typed,
    shown open with the values kept and its errors."""
    form = _action_form(dossier, formdata={})
    form.version.data = dossier.version
    form.idempotency_key.data = secrets.token_urlsafe(16)  # a double click does the action once
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.seq)).all()
    actions = offered_actions(dossier, current_user)
    recommended = recommended_action(dossier, actions)
    advice = appointments.apology_advice(dossier)
    prepared = (advice is not None and request.args.get("chuan-bi") == "xin-loi"
                and Action.APOLOGIZE in actions and failed is None)
    if prepared:
        # the prepared letter: the apology form filled in, for the leader to complete and sign
        suggested = advice.suggested_due.astimezone(VN_TZ)
        form.reason.data = appointments.prepared_reason(dossier, advice)
        form.new_due_date.data, form.new_due_time.data = suggested.date(), suggested.time()
    if failed is not None:
        failed["form"].version.data = dossier.version
        failed["form"].idempotency_key.data = form.idempotency_key.data
        for field in failed["form"]:
            field.id = f"{failed['action']}-{field.name}"  # the summary links to the field shown
    return {"dossier": dossier, "form": form, "files": office.files_of(dossier.id), "events": events,
            "actions": [a.value for a in actions], "recommended": recommended.value if recommended else None,
            "failed": failed, "paper": paper_documents(events), "apology_advice": advice,
            "open_action": Action.APOLOGIZE.value if prepared else None,
            "next_role": commands.target_role(dossier),
            "forms_ready": form_ops.available_forms(dossier, events),
            "time_left": office.TimeLeft(lang=current_language(), paused_text=_paused_text(),
                                         fee_paused_text=_fee_paused_text()),
            "handovers": form_ops.handover_rows(dossier, events) if dossier.received_at else [],
            **_signing_page(dossier)}


def _signing_page(dossier: Dossier) -> dict:
    signing = result_signing.status(dossier)
    return {"signing": signing, "signing_error": message_for(signing.error) if signing.error else None}


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
    assignee = form.assignee.data or None
    return {"version": form.version.data, "reason": form.reason.data, "items": form.items.data,
            "repeat_reason": form.repeat_reason.data,
            "new_due_at": new_due, "assignee_id": assignee, "delivery": form.delivery.data,
            "checked": form.checked.data or [], "generate": bool(form.generate.data),
            "remote_area": bool(form.remote_area.data),
            "draft": draft.read() if draft and draft.filename else None,
            "draft_name": draft.filename if draft and draft.filename else ""}


def _refused_for_input(dossier_id: int, action: str, form: ActionForm, error: DossierError | None = None):
    """The dossier page again with the action open, what was typed kept and the errors linked
    from the summary (422); nothing was changed."""
    if error is not None:
        refused(error)
        name = ERROR_FIELDS.get(error.code)
        if isinstance(error, InvalidInput):
            name = INPUT_FIELDS.get(error.field, error.field)
        target = form[name] if name in form else form.reason
        target.errors = [*target.errors, message_for(error)]
    page = _dossier_page(_visible(dossier_id), {"action": action, "form": form})
    return render_template("office/dossier.html", **page), 422


def _done_message(action: str, before_step: str | None, dossier: Dossier) -> str:
    done = _("Đã thực hiện: %(action)s.", action=ACTION_LABELS.get(action, _("thao tác")))
    if dossier.step_key and dossier.step_key != before_step and dossier.holder_role:
        step = next((s for s in dossier.terms.steps if s.get("key") == dossier.step_key), {})
        name = (step.get("name_en") if current_language() == "en" and step.get("name_en") else step.get("name_vi")) \
            or str(ROLE_LABELS.get(dossier.holder_role, ""))
        holder = dossier.holder.full_name if dossier.holder else str(ROLE_LABELS.get(dossier.holder_role, ""))
        done += " " + _("Hồ sơ đã chuyển đến bước “%(step)s” (%(holder)s).", step=name, holder=holder)
    return done


@bp.post("/ho-so/<int:dossier_id>/thao-tac/<action>")
@roles_required(*STAFF)
def act(dossier_id: int, action: str):
    dossier = _visible(dossier_id)
    form = _action_form(dossier)
    if not form.validate_on_submit():
        if form.csrf_token.errors or form.version.errors:  # an expired or foreign page: start again
            flash(_("Trang đã cũ hoặc không hợp lệ; hãy thao tác lại."), "error")
            return redirect(url_for("office.dossier", dossier_id=dossier_id))
        return _refused_for_input(dossier_id, action, form)
    before_step = dossier.step_key
    try:
        outcome = commands.run_once(dossier_id, action, current_user, _action_values(form),
                                    form.idempotency_key.data)
    except DossierError as error:
        about_input = isinstance(error, InvalidInput) or error.code in ERROR_FIELDS
        if error.status != 422 or not about_input:  # not about what was typed: the error handler says why
            raise
        return _refused_for_input(dossier_id, action, form, error)
    flash(_done_message(action, before_step, outcome.dossier), "success")
    if action in result_signing.SIGNED_DECISIONS and result_signing.pending_job(outcome.dossier) is not None:
        # the decision is recorded; its page follows the signatures (and asks to sign at once)
        return redirect(url_for("office.dossier", dossier_id=dossier_id, _anchor="signing"))
    if action == Action.ACCEPT:
        return redirect(url_for("office.receipt", dossier_id=dossier_id))
    if action in BACK_TO_QUEUE:
        return redirect(url_for("office.index"))
    return redirect(url_for("office.dossier", dossier_id=dossier_id))


# ---------------------------------------------------------------------------------------------
# Deferred signing of the leader's decision (portal.operations.result_signing)


def _sign_now_message(outcome: result_signing.Outcome) -> str:
    return {
        result_signing.Outcome.SIGNED: _("Kết quả đã được ký số."),
        result_signing.Outcome.NOTHING: _("Không có kết quả nào đang chờ ký số."),
        result_signing.Outcome.BUSY: _("Kết quả đang được ký số; trang sẽ cập nhật khi ký xong."),
        result_signing.Outcome.RETRY: _("Dịch vụ ký số (cấp dấu thời gian hoặc kho khóa ký) tạm thời không hoạt "
                                        "động. Quyết định đã được ghi nhận; hệ thống sẽ tự động ký lại, bạn có thể "
                                        "rời trang này."),
        result_signing.Outcome.FAILED: _("Chưa ký số được kết quả; cần khắc phục nguyên nhân rồi bấm “Thử ký lại”."),
    }[outcome]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/ho-so/<int:dossier_id>/ky-so")
@roles_required(*STAFF, Role.ADMIN)
def signing_status(dossier_id: int):
    """Where the signatures of the leader's decision stand (the page's script polls this)."""
    response = jsonify(result_signing.status(_visible(dossier_id)).as_json())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/ho-so/<int:dossier_id>/ky-so")
@roles_required(*STAFF, Role.ADMIN)
def sign_now(dossier_id: int):
    """Run this dossier's pending signing job now ("Ký số ngay"; the page's script asks at once)."""
    _visible(dossier_id)
    outcome, state = result_signing.sign_now(dossier_id, current_user)
    message = _sign_now_message(outcome)
    if _wants_json():
        return jsonify({"outcome": outcome.value, "message": message, **state.as_json()})
    ok = outcome in (result_signing.Outcome.SIGNED, result_signing.Outcome.NOTHING, result_signing.Outcome.BUSY)
    flash(message, "success" if ok else "error")
    return redirect(url_for("office.dossier", dossier_id=dossier_id, _anchor="signing"))


@bp.post("/ho-so/<int:dossier_id>/ky-so/thu-lai")
@roles_required(Role.AGENCY_LEADER, Role.ADMIN)
def retry_signing(dossier_id: int):
    """A parked signing job gets a fresh set of attempts, and runs now."""
    _visible(dossier_id)
    result_signing.retry(dossier_id, current_user)
    outcome, _state = result_signing.sign_now(dossier_id, current_user)
    flash(_sign_now_message(outcome), "success" if outcome is result_signing.Outcome.SIGNED else "error")
    return redirect(url_for("office.dossier", dossier_id=dossier_id, _anchor="signing"))


@bp.get("/ho-so/<int:dossier_id>/giay-tiep-nhan")
@roles_required(*STAFF, Role.ADMIN)
def receipt(dossier_id: int):
    """After acceptance: the receipt to print, or to send to the applicant, then the next step."""
    dossier = _visible(dossier_id)
    if dossier.received_at is None:
        return redirect(url_for("office.dossier", dossier_id=dossier_id))
    actions = offered_actions(dossier, current_user)
    return render_template("office/receipt.html", dossier=dossier, recommended=recommended_action(dossier, actions),
                           can_send=desk.receipt_destinations(dossier))


@bp.post("/ho-so/<int:dossier_id>/giay-tiep-nhan/gui")
@roles_required(Role.ONE_STOP_OFFICER)
def send_receipt(dossier_id: int):
    _visible(dossier_id)
    sent = desk.send_receipt(dossier_id, current_user)
    flash(_("Đã gửi giấy tiếp nhận cho người nộp: %(to)s.", to=", ".join(sent)), "success")
    return redirect(url_for("office.receipt", dossier_id=dossier_id))


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
    # "File at any desk": the agency's own procedures first, then every other published one.
    procedures = db.session.scalars(select(Procedure).where(Procedure.is_published.is_(True)).order_by(
        (Procedure.agency_id != current_user.agency_id), Procedure.seed_item)).all()
    form = DeskRegistrationForm()
    form.set_procedure_choices([(p.code, _desk_choice_label(p)) for p in procedures])
    wanted = form.procedure.data or request.args.get("procedure")
    chosen = next((p for p in procedures if p.code == wanted), procedures[0] if procedures else None)
    if chosen is not None:
        form.procedure.data = form.procedure.data or chosen.code
        form.set_paper_choices([(d["key"], d["name_vi"]) for d in chosen.documents])
    return form, chosen


def _desk_choice_label(procedure: Procedure) -> str:
    label = f"{procedure.name(current_language())} ({procedure.code})"
    if procedure.agency_id != current_user.agency_id:
        label += " — " + _("tiếp nhận thay %(agency)s", agency=procedure.agency.name_vi)
    return label


def _eform(procedure: Procedure | None):
    """The procedure's e-form (tờ khai), typed at the desk from the paper declaration: its fields
    are named ``data-<name>``; a value typed is checked like online, an empty one is allowed (the
    paper declaration is in the dossier)."""
    if procedure is None:
        return None
    form_class = citizen_forms.dossier_form_class(procedure.form_schema, current_language(), csrf=False)
    return form_class(prefix="data-", formdata=request.form if request.method == "POST" else None)


def _registration(form: DeskRegistrationForm, eform) -> desk.DeskRegistration:
    scans = [desk.Scan(key.removeprefix("scan-"), f.filename, f.read())
             for key, f in request.files.items(multi=True) if key.startswith("scan-") and f and f.filename]
    return desk.DeskRegistration(
        procedure_code=form.procedure.data, channel=form.channel.data,
        applicant={k: form[k].data for k in desk.APPLICANT_FIELDS}, scans=scans,
        paper_documents=form.paper.data or [], note=form.note.data or "",
        form_data=citizen_forms.cleaned(eform) if eform is not None else {},
    )


#: The field of the intake form a refusal of the desk use case is about.
DESK_ERROR_FIELDS = {"applicant_name_required": "full_name", "bad_id_number": "id_number",
                     "unknown_procedure": "procedure",
                     "documents_incomplete": "paper", "unknown_document": "paper", "bad_channel": "channel"}


def _registration_page(form, eform, chosen, status: int = 200, documents_error: str | None = None):
    return render_template("office/register.html", form=form, eform=eform, procedure=chosen,
                           documents_error=documents_error), status


@bp.route("/tiep-nhan", methods=["GET", "POST"])
@roles_required(Role.ONE_STOP_OFFICER)
def register():
    form, chosen = _registration_form()
    eform = _eform(chosen)
    if not form.idempotency_key.data:  # a double click registers one dossier
        form.idempotency_key.data = secrets.token_urlsafe(16)
    if request.method == "POST" and request.form.get("reload"):  # another procedure: its documents and fields
        form.paper.data = []
        return _registration_page(form, _eform_blank(chosen), chosen)
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        form.csrf_token.errors = [_("Phiên làm việc đã hết hạn; hãy gửi lại biểu mẫu.")]
    if eform is not None and request.method == "POST":
        eform.validate()
        for name, errors in citizen_forms.draft_errors(eform).items():  # a typed value badly formatted
            valid = False
            eform[name].errors = errors
        for field in eform:
            if field.name not in citizen_forms.draft_errors(eform):
                field.errors = []
    if not valid:
        return _registration_page(form, eform, chosen, 422 if request.method == "POST" else 200)
    try:
        dossier, _replayed = desk.register_once(current_user, _registration(form, eform), form.idempotency_key.data)
    except DossierError as error:
        refused(error)
        name = DESK_ERROR_FIELDS.get(error.code)
        if name == "paper":
            return _registration_page(form, eform, chosen, 422, message_for(error))
        target = form[name] if name else form.note
        target.errors = [*target.errors, message_for(error)]
        return _registration_page(form, eform, chosen, 422)
    flash(_("Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận cho người nộp.", code=dossier.code), "success")
    return redirect(url_for("office.receipt", dossier_id=dossier.id))


def _eform_blank(procedure: Procedure | None):
    if procedure is None:
        return None
    form_class = citizen_forms.dossier_form_class(procedure.form_schema, current_language(), csrf=False)
    return form_class(prefix="data-", formdata=None)


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
    from portal.documents import register_xlsx, render_register  # ReportLab loads at the first book

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
