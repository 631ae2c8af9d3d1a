"""Citizens' pages to follow a dossier: my dossiers, a dossier's page and history, withdrawal,
notices, the public lookup by code, and the files (attachments, result, standard forms).
"""

from __future__ import annotations

from flask import (
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

from portal.access import client_address
from portal.citizen import forms
from portal.citizen.common import (
    attempt,
    bp,
    citizen_only,
    plain_post,
    posted_version,
    to_detail,
    with_dossier,
)
from portal.downloads import form_pdf_response
from portal.extensions import db
from portal.messages import message_for
from portal.models import DossierEvent
from portal.operations import applicant, filing, notifications, payments
from portal.operations import feedback as feedback_inbox
from portal.operations.filing import FilingError
from portal.operations.forms import FormNotAvailable
from portal.storage import blob_path
from portal.transaction import refused
from workflow.states import NATIONAL_CODE, Role, Status


@bp.get("/")
@citizen_only
def my_dossiers():
    return render_template("citizen/my_dossiers.html", dossiers=filing.my_dossiers(current_user),
                           unread=notifications.unread_count(current_user),
                           feedback=feedback_inbox.of_citizen(current_user), overdue=feedback_inbox.is_overdue)


def _history(dossier):
    return db.session.scalars(db.select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                              .order_by(DossierEvent.seq)).all()


@bp.get("/<int:dossier_id>")
@citizen_only
@with_dossier
def detail(dossier):
    return render_template(
        "citizen/detail.html", dossier=dossier, history=_history(dossier), files=filing.files_by_document(dossier),
        result=applicant.applicant_result(dossier), supplement_request=filing.supplement_request(dossier),
        can_pay=payments.can_pay_online(dossier), payments=payments.payments_of(dossier),
        rating=applicant.rating_of(dossier), form=forms.PlainForm(), national_code=NATIONAL_CODE[Status(dossier.status)],
    )


@bp.route("/<int:dossier_id>/rut", methods=["GET", "POST"])
@citizen_only
@with_dossier
def withdraw(dossier):
    form = forms.ReasonForm()
    status = attempt(form.validate_on_submit(), lambda: applicant.withdraw(
        dossier.id, current_user, form.reason.data, version=posted_version(form.version)))
    if status is None:
        flash(_("Hồ sơ đã được rút."), "success")
        return to_detail(dossier)
    form.version.data = dossier.version
    return render_template("citizen/withdraw.html", dossier=dossier, form=form), status


# ---------------------------------------------------------------------------------------------
# Notices


@bp.get("/thong-bao")
@citizen_only
def notifications_page():
    return render_template("citizen/notifications.html", items=notifications.for_user(current_user),
                           form=forms.PlainForm(), title=notifications.title, body=notifications.body)


@bp.post("/thong-bao/da-doc")
@citizen_only
def notifications_read():
    plain_post()
    notifications.mark_all_read(current_user)
    return redirect(url_for("citizen.notifications_page"))


@bp.get("/hop-thu-di")
@login_required
def outbox():
    if current_user.role != Role.ADMIN.value and current_app.config["PORTAL_ENV"] != "development":
        abort(404)
    return render_template("citizen/outbox.html", messages=notifications.mail_outbox(),
                           sinks=notifications.undrained_channels())


# ---------------------------------------------------------------------------------------------
# Public lookup


@bp.get("/tra-cuu")
def lookup():
    form = forms.LookupForm(request.args)
    searched = request.args.get("code") is not None
    dossier, status = None, 200
    if searched and not form.validate():
        status = 422
    elif searched:
        try:
            dossier = applicant.lookup(form.code.data, form.phone.data, address=client_address())
        except FilingError as error:
            refused(error)
            if error.code.startswith("lookup_"):
                form.phone.errors.append(message_for(error))
            status = error.status
        else:
            status = 200 if dossier is not None else 404
    return render_template("citizen/lookup.html", form=form, dossier=dossier, searched=searched), status



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
        row, _dossier = applicant.downloadable_file(file_id, current_user)
    except FilingError:
        abort(404)
    return _send(row)


@bp.get("/<int:dossier_id>/ket-qua")
@citizen_only
@with_dossier
def result(dossier):
    row = applicant.applicant_result(dossier)
    if row is None:
        abort(404)
    return _send(row)


#: Standard forms addressed to the applicant (the control sheet and register are internal).
APPLICANT_FORMS = ("receipt", "supplement_request", "refusal", "apology", "stop_notice")


@bp.get("/<int:dossier_id>/bieu-mau/<form>.pdf")
@citizen_only
@with_dossier
def form_pdf(dossier, form: str):
    """The standard form as PDF. A signed form is kept on its first download (the response, below
    400, commits), so every download is the same document."""
    if form not in APPLICANT_FORMS:
        abort(404)
    try:
        return form_pdf_response(dossier, form, download=True)
    except FormNotAvailable:
        abort(404)
