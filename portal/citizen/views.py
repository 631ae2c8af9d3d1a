"""Citizens' pages: file a dossier online, follow it, answer supplement requests, pay, rate.

Each view loads, checks access, validates a form, calls one operation of
``portal.operations.filing`` (or ``payments``), commits once, flashes and redirects.
"""

from __future__ import annotations

import secrets
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from portal.access import roles_required
from portal.citizen import forms
from portal.citizen.messages import (
    ACTION_LABELS,
    PAYMENT_STATUS_LABELS,
    RATING_LABELS,
    STATUS_LABELS,
    filing_message,
)
from portal.extensions import db
from portal.i18n import current_language
from portal.models import DossierEvent, Procedure
from portal.operations import filing, notifications, payments
from portal.operations.filing import FilingError, Limits
from portal.payments import get_gateway
from portal.payments.views import bp as sandbox_bank_bp
from portal.storage import blob_path
from workflow.states import NATIONAL_CODE, Role, Status

bp = Blueprint("citizen", __name__, url_prefix="/ho-so", template_folder="templates")
bp.register_blueprint(sandbox_bank_bp)

citizen_only = roles_required(Role.CITIZEN)


@bp.app_context_processor
def citizen_labels():
    return {"STATUS_LABELS": STATUS_LABELS, "ACTION_LABELS": ACTION_LABELS, "RATING_LABELS": RATING_LABELS,
            "PAYMENT_STATUS_LABELS": PAYMENT_STATUS_LABELS}


def _limits() -> Limits:
    return Limits.from_config(current_app.config)


def _fail(error: FilingError, category: str = "error") -> None:
    db.session.rollback()
    flash(filing_message(error), category)


def with_dossier(view):
    """Load the signed-in citizen's dossier ``dossier_id`` (anyone else's is a 404)."""

    @wraps(view)
    def wrapper(dossier_id: int, *args, **kwargs):
        try:
            dossier = filing.own_dossier(dossier_id, current_user)
        except FilingError:
            abort(404)
        return view(dossier, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Filing


def _editor(schema: list[dict], data: dict | None = None):
    form_class = forms.dossier_form_class(schema, current_language())
    return form_class(data=data) if request.method == "GET" else form_class()


def _form_problems(form, final: bool) -> dict:
    form.validate()
    return form.errors if final else forms.draft_errors(form)


@bp.route("/nop/<code>", methods=["GET", "POST"])
@citizen_only
def start_dossier(code: str):
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.code == code, Procedure.is_published))
    if procedure is None:
        abort(404)
    if not procedure.accepts_online_filing:
        flash(_("Thủ tục này không được nộp trực tuyến."), "error")
        return redirect(url_for("catalogue.detail", code=code))
    form = _editor(procedure.form_schema, forms.prefill(procedure.form_schema, current_user))
    key = request.form.get("idempotency_key") or secrets.token_urlsafe(18)
    status = 200
    if request.method == "POST":
        final = request.form.get("step") != "draft"
        problems = _form_problems(form, final)
        if not problems:
            try:
                dossier, _created = filing.start_draft(current_user, procedure, forms.cleaned(form), key=key)
            except FilingError as error:
                _fail(error)
                return redirect(url_for("catalogue.detail", code=code))
            db.session.commit()
            return _after_save(dossier, final)
        status = 422
    return render_template("citizen/form.html", procedure=procedure, form=form, dossier=None,
                           idempotency_key=key, drafts=filing.open_draft(current_user, procedure)), status


def _after_save(dossier, final: bool):
    if final:
        return redirect(url_for("citizen.documents", dossier_id=dossier.id))
    flash(_("Đã lưu bản nháp. Bạn có thể tiếp tục bất cứ lúc nào từ mục “Hồ sơ của tôi”."), "success")
    return redirect(url_for("citizen.my_dossiers"))


@bp.route("/<int:dossier_id>/thong-tin", methods=["GET", "POST"])
@citizen_only
@with_dossier
def edit_form(dossier):
    if dossier.status != Status.DRAFT.value:
        return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    form = _editor(dossier.form_snapshot, forms.to_form_values(dossier.form_snapshot, dossier.form_data or {}))
    status = 200
    if request.method == "POST":
        final = request.form.get("step") != "draft"
        problems = _form_problems(form, final)
        if not problems:
            filing.save_form(dossier, current_user, forms.cleaned(form))
            db.session.commit()
            return _after_save(dossier, final)
        status = 422
    return render_template("citizen/form.html", procedure=dossier.procedure, form=form, dossier=dossier,
                           idempotency_key=None, drafts=None), status


@bp.get("/<int:dossier_id>/giay-to")
@citizen_only
@with_dossier
def documents(dossier):
    if dossier.status not in (Status.DRAFT.value, Status.SUPPLEMENT_REQUESTED.value):
        return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    return _documents_page(dossier)


def _documents_page(dossier, status: int = 200):
    return render_template(
        "citizen/documents.html", dossier=dossier, files=filing.files_by_document(dossier),
        reusable=filing.reusable_documents(dossier, current_user), form=forms.PlainForm(),
        editable=filing.editable_items(dossier), limits=_limits(), allowed=filing.allowed_types,
    ), status


def _back_to_documents(dossier):
    target = "citizen.supplement" if dossier.status == Status.SUPPLEMENT_REQUESTED.value else "citizen.documents"
    return redirect(url_for(target, dossier_id=dossier.id) + "#giay-to")


@bp.post("/<int:dossier_id>/giay-to/<key>")
@citizen_only
@with_dossier
def upload(dossier, key: str):
    if not forms.PlainForm().validate_on_submit():
        abort(400)
    uploads = [f for f in request.files.getlist("file") if f and (f.filename or f.content_length)]
    if not uploads:
        flash(_("Vui lòng chọn tệp để tải lên."), "error")
        return _back_to_documents(dossier)
    limits = _limits()
    try:
        for item in uploads:
            filing.add_attachment(dossier, current_user, key, item.filename, item.stream.read(limits.max_file + 1), limits)
    except FilingError as error:
        _fail(error)
        if error.status in (413, 415):
            dossier = filing.own_dossier(dossier.id, current_user)
            if dossier.status == Status.SUPPLEMENT_REQUESTED.value:
                return _supplement_page(dossier, None, None, error.status)
            return _documents_page(dossier, error.status)
        return _back_to_documents(dossier)
    db.session.commit()
    flash(_("Đã tải lên %(n)s tệp.", n=len(uploads)), "success")
    return _back_to_documents(dossier)


@bp.post("/<int:dossier_id>/giay-to/xoa/<int:file_id>")
@citizen_only
@with_dossier
def remove_file(dossier, file_id: int):
    if not forms.PlainForm().validate_on_submit():
        abort(400)
    try:
        filing.remove_attachment(dossier, current_user, file_id)
    except FilingError as error:
        _fail(error)
        return _back_to_documents(dossier)
    db.session.commit()
    flash(_("Đã gỡ tệp khỏi hồ sơ."), "success")
    return _back_to_documents(dossier)


@bp.post("/<int:dossier_id>/giay-to/dung-lai/<int:file_id>")
@citizen_only
@with_dossier
def reuse_file(dossier, file_id: int):
    if not forms.PlainForm().validate_on_submit():
        abort(400)
    try:
        filing.reuse_document(dossier, current_user, file_id, _limits())
    except FilingError as error:
        _fail(error)
        return _back_to_documents(dossier)
    db.session.commit()
    flash(_("Đã dùng lại giấy tờ bạn đã nộp trước đây."), "success")
    return _back_to_documents(dossier)


def _delivery_choices(procedure):
    from portal.templating import DELIVERY_LABELS

    methods = [m for m in procedure.result_delivery if m in filing.DELIVERY_METHODS] if procedure.level >= 4 else []
    return [SelectChoice(m, DELIVERY_LABELS[m]) for m in (methods or ["desk"])]


@bp.route("/<int:dossier_id>/kiem-tra", methods=["GET", "POST"])
@citizen_only
@with_dossier
def review(dossier):
    if dossier.status != Status.DRAFT.value:
        return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    form = forms.SubmitForm()
    form.delivery.choices = _delivery_choices(dossier.procedure)
    if request.method == "GET":
        form.delivery.data = (dossier.applicant or {}).get("delivery", {}).get("method") or form.delivery.choices[0].value
    status = 200
    if form.validate_on_submit():
        try:
            choice = filing.delivery_choice(dossier.procedure, form.delivery.data, form.delivery_address.data)
            filing.submit(dossier.id, current_user, choice)
        except FilingError as error:
            _fail(error)
            dossier = filing.own_dossier(dossier.id, current_user)
            status = error.status
        else:
            db.session.commit()
            return redirect(url_for("citizen.submitted", dossier_id=dossier.id))
    elif request.method == "POST":
        status = 422
    return render_template("citizen/review.html", dossier=dossier, form=form, files=filing.files_by_document(dossier),
                           missing_fields=filing.missing_fields(dossier),
                           missing_documents=filing.missing_documents(dossier)), status


@bp.get("/<int:dossier_id>/da-nop")
@citizen_only
@with_dossier
def submitted(dossier):
    if dossier.status == Status.DRAFT.value:
        return redirect(url_for("citizen.review", dossier_id=dossier.id))
    return render_template("citizen/submitted.html", dossier=dossier)


# ---------------------------------------------------------------------------------------------
# Following a dossier


@bp.get("/")
@citizen_only
def my_dossiers():
    return render_template("citizen/my_dossiers.html", dossiers=filing.my_dossiers(current_user),
                           unread=notifications.unread_count(current_user))


def _history(dossier):
    return db.session.scalars(db.select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                              .order_by(DossierEvent.seq)).all()


@bp.get("/<int:dossier_id>")
@citizen_only
@with_dossier
def detail(dossier):
    return render_template(
        "citizen/detail.html", dossier=dossier, history=_history(dossier), files=filing.files_by_document(dossier),
        result=filing.result_file(dossier), supplement_request=filing.supplement_request(dossier),
        can_pay=payments.can_pay_online(dossier), payments=payments.payments_of(dossier),
        rating=filing.rating_of(dossier), form=forms.PlainForm(), national_code=NATIONAL_CODE[Status(dossier.status)],
    )


@bp.route("/<int:dossier_id>/bo-sung", methods=["GET", "POST"])
@citizen_only
@with_dossier
def supplement(dossier):
    if dossier.status != Status.SUPPLEMENT_REQUESTED.value:
        return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    form = _supplement_form(dossier, request.method == "GET")
    note = forms.SupplementNoteForm(prefix="s")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and note.validate():
            try:
                filing.answer_supplement(dossier.id, current_user, forms.cleaned(form), note.note.data or "",
                                         version=int(note.version.data) if (note.version.data or "").isdigit() else None)
            except FilingError as error:
                _fail(error)
                dossier = filing.own_dossier(dossier.id, current_user)
                status = error.status
            else:
                db.session.commit()
                flash(_("Đã gửi phần bổ sung. Thời hạn giải quyết được tính tiếp từ bây giờ."), "success")
                return redirect(url_for("citizen.detail", dossier_id=dossier.id))
        else:
            status = 422
    return _supplement_page(dossier, form, note, status)


def _supplement_form(dossier, prefilled: bool):
    only = set(filing.editable_items(dossier).fields)
    form_class = forms.dossier_form_class(dossier.form_snapshot, current_language(), only=only)
    values = forms.to_form_values(dossier.form_snapshot, dossier.form_data or {})
    return form_class(data=values) if prefilled else form_class()


def _supplement_page(dossier, form, note, status: int = 200):
    form = form or _supplement_form(dossier, True)
    note = note or forms.SupplementNoteForm(prefix="s", formdata=None)
    note.version.data = dossier.version
    return render_template("citizen/supplement.html", dossier=dossier, form=form, note=note,
                           request_info=filing.editable_items(dossier), files=filing.files_by_document(dossier),
                           upload_form=forms.PlainForm(), limits=_limits(), allowed=filing.allowed_types), status


@bp.route("/<int:dossier_id>/rut", methods=["GET", "POST"])
@citizen_only
@with_dossier
def withdraw(dossier):
    form = forms.ReasonForm()
    status = 200
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            filing.withdraw(dossier.id, current_user, form.reason.data, version=version)
        except FilingError as error:
            _fail(error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Hồ sơ đã được rút."), "success")
            return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    elif request.method == "POST":
        status = 422
    form.version.data = dossier.version
    return render_template("citizen/withdraw.html", dossier=dossier, form=form), status


@bp.route("/<int:dossier_id>/danh-gia", methods=["GET", "POST"])
@citizen_only
@with_dossier
def rate(dossier):
    form = forms.RatingForm()
    status = 200
    if form.validate_on_submit():
        try:
            filing.rate(dossier.id, current_user, form.level.data, form.comment.data)
        except FilingError as error:
            _fail(error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Cảm ơn bạn đã đánh giá."), "success")
            return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    elif request.method == "POST":
        status = 422
    return render_template("citizen/rate.html", dossier=dossier, form=form, rating=filing.rating_of(dossier)), status


@bp.route("/gop-y", methods=["GET", "POST"])
@citizen_only
def feedback():
    form = forms.FeedbackForm()
    if request.method == "GET" and request.args.get("ma"):
        form.dossier_code.data = request.args["ma"][:40]
    status = 200
    if form.validate_on_submit():
        try:
            filing.send_feedback(current_user, form.kind.data, form.subject.data, form.body.data, form.dossier_code.data)
        except FilingError as error:
            _fail(error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã gửi phản ánh, kiến nghị. Cơ quan sẽ trả lời trong 10 ngày làm việc."), "success")
            return redirect(url_for("citizen.my_dossiers"))
    elif request.method == "POST":
        status = 422
    return render_template("citizen/feedback.html", form=form), status


@bp.get("/thong-bao")
@citizen_only
def notifications_page():
    return render_template("citizen/notifications.html", items=notifications.for_user(current_user),
                           form=forms.PlainForm(), title=notifications.title, body=notifications.body)


@bp.post("/thong-bao/da-doc")
@citizen_only
def notifications_read():
    if not forms.PlainForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("citizen.notifications_page"))


@bp.get("/hop-thu-di")
@login_required
def outbox():
    if current_user.role != Role.ADMIN.value and current_app.config["PORTAL_ENV"] != "development":
        abort(404)
    return render_template("citizen/outbox.html", messages=notifications.outbox())


# ---------------------------------------------------------------------------------------------
# Public lookup


@bp.get("/tra-cuu")
def lookup():
    form = forms.LookupForm(request.args)
    dossier, status = None, 200
    if request.args.get("code") is not None:
        if form.validate():
            dossier = filing.find_by_code(form.code.data)
        if dossier is None:
            status = 404 if form.validate() else 422
    return render_template("citizen/lookup.html", form=form, dossier=dossier,
                           searched=request.args.get("code") is not None), status


# ---------------------------------------------------------------------------------------------
# Files


def _send(row):
    response = send_file(blob_path(row.blob_sha256), mimetype=row.blob.content_type, as_attachment=True,
                         download_name=row.original_name, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/tep/<int:file_id>")
@login_required
def download(file_id: int):
    try:
        row, _dossier = filing.downloadable_file(file_id, current_user)
    except FilingError:
        abort(404)
    return _send(row)


@bp.get("/<int:dossier_id>/ket-qua")
@citizen_only
@with_dossier
def result(dossier):
    row = filing.result_file(dossier)
    if row is None:
        abort(404)
    return _send(row)


#: Standard forms addressed to the applicant (the control sheet and register are internal).
APPLICANT_FORMS = ("receipt", "supplement_request", "refusal", "apology", "stop_notice")


@bp.get("/<int:dossier_id>/bieu-mau/<form>.pdf")
@citizen_only
@with_dossier
def form_pdf(dossier, form: str):
    from portal.operations.forms import FormNotAvailable, render_form

    if form not in APPLICANT_FORMS:
        abort(404)
    try:
        rendered = render_form(dossier, form)
    except FormNotAvailable:
        abort(404)
    if rendered.sign_error:
        db.session.rollback()
    else:
        db.session.commit()  # the signed form is kept, so every download is the same document
    return Response(rendered.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{rendered.filename}"', "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------------------------------------
# Fees


@bp.post("/<int:dossier_id>/thanh-toan")
@citizen_only
@with_dossier
def pay(dossier):
    if not forms.PlainForm().validate_on_submit():
        abort(400)
    gateway = get_gateway()
    if gateway is None:
        flash(_("Thanh toán trực tuyến chưa được kết nối. Vui lòng nộp phí tại Bộ phận Một cửa."), "error")
        return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    try:
        _payment, url = payments.start_payment(dossier.id, current_user, gateway,
                                               url_for("citizen.payment_return", _external=True))
    except FilingError as error:
        _fail(error)
        return redirect(url_for("citizen.detail", dossier_id=dossier.id))
    db.session.commit()
    return redirect(url)


@bp.get("/thanh-toan/ket-qua")
@citizen_only
def payment_return():
    gateway = get_gateway()
    if gateway is None:
        abort(404)
    try:
        payment = payments.handle_callback(request.args, gateway)
    except payments.DuplicateCallback as duplicate:
        db.session.rollback()
        payment = duplicate.payment
    except FilingError as error:
        _fail(error)
        return redirect(url_for("citizen.my_dossiers"))
    else:
        db.session.commit()
    if payment.user_id != current_user.id:
        abort(404)
    if payment.status == "paid":
        flash(_("Thanh toán thành công."), "success")
    elif payment.status == "failed":
        flash(_("Thanh toán không thành công. Bạn có thể thử lại."), "error")
    return redirect(url_for("citizen.payment_receipt", payment_id=payment.id))


@bp.get("/thanh-toan/<int:payment_id>")
@citizen_only
def payment_receipt(payment_id: int):
    try:
        payment = payments.own_payment(payment_id, current_user)
    except FilingError:
        abort(404)
    return render_template("citizen/payment.html", payment=payment, dossier=payment.dossier)
