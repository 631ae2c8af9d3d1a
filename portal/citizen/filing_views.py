"""Citizens' pages to file a dossier online: the e-form, the documents, the review and submission,
and the answer to a supplement request (the same form and documents, reopened).

Each view loads, checks access, validates a form and calls one operation of
``portal.operations.filing`` (the supplement answer: ``portal.operations.applicant``); the
request's transaction boundary commits (``portal.transaction``).
"""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.access import client_address
from portal.citizen import forms
from portal.citizen.common import (
    accepted_types,
    attempt,
    bp,
    citizen_only,
    fail,
    limits,
    plain_post,
    posted_version,
    to_detail,
    upload_refused,
    with_dossier,
)
from portal.extensions import db
from portal.i18n import current_language
from portal.messages import message_for
from portal.models import Procedure
from portal.operations import applicant, citizen_registry, filing
from portal.operations.filing import FilingError
from portal.request_body import upload_bytes
from portal.transaction import refused
from workflow.states import Status

# ---------------------------------------------------------------------------------------------
# The e-form


def _editor(schema: list[dict], data: dict | None = None):
    form_class = forms.dossier_form_class(schema, current_language())
    return form_class(data=data) if request.method == "GET" else form_class()


def _posted_step(form) -> bool | None:
    """On a POST whose e-form passes its checks: True to go on (every field checked), False to
    keep a draft (only what is filled in is checked). None otherwise (the page is shown)."""
    if request.method != "POST":
        return None
    final = request.form.get("step") != "draft"
    form.validate()
    problems = form.errors if final else forms.draft_errors(form)
    return None if problems else final


def _page_status() -> int:
    """The status of the e-form page: 422 after a POST that did not go through."""
    return 422 if request.method == "POST" else 200


def _published(code: str) -> Procedure:
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.code == code, Procedure.is_published))
    if procedure is None:
        abort(404)
    return procedure


@bp.route("/nop/<code>", methods=["GET", "POST"])
@citizen_only
def start_dossier(code: str):
    procedure = _published(code)
    if not procedure.accepts_online_filing:
        flash(_("Thủ tục này không được nộp trực tuyến."), "error")
        return redirect(url_for("catalogue.detail", code=code))
    values, registry = forms.prefill(procedure.form_schema, current_user), None
    if request.method == "GET":
        # The population database's data for the e-form (once-only principle), when configured.
        registry = citizen_registry.filing_prefill(current_user, procedure.form_schema,
                                                   procedure_code=procedure.code, client_address=client_address())
        values.update(registry.values)
    form = _editor(procedure.form_schema, values)
    key = request.form.get("idempotency_key") or secrets.token_urlsafe(18)
    final = _posted_step(form)
    if final is not None:
        identity = _confirmed_identity(form, procedure.form_schema, procedure.code, final)
        if identity is not False:
            return _start(procedure, form, key, final, identity)
    return render_template("citizen/form.html", procedure=procedure, form=form, dossier=None, registry=registry,
                           registry_notice=_registry_notice(registry),
                           idempotency_key=key, drafts=filing.open_draft(current_user, procedure)), _page_status()


#: What the e-form page says when the population database did not prefill it.
REGISTRY_NOTICES = {"mismatch": "registry_profile_mismatch", "not_found": "registry_profile_not_found",
                    "unavailable": "registry_unavailable_prefill"}


def _registry_notice(registry) -> str | None:
    key = REGISTRY_NOTICES.get(registry.outcome) if registry is not None and registry.outcome else None
    return message_for(key) if key else None


def _confirmed_identity(form, schema: list[dict], procedure_code: str, final: bool, dossier_id: int | None = None):
    """Before an e-form is kept to go on: the population database's stamp of the applicant's data
    (None: nothing checked); False when it contradicts them (the reason shown on the field, only
    the lookup's audit entry kept). A draft saved for later is not checked yet."""
    if not final:
        return None
    try:
        return citizen_registry.check_filing_data(schema, forms.cleaned(form), current_user,
                                                  procedure_code=procedure_code, client_address=client_address(),
                                                  dossier_id=dossier_id)
    except citizen_registry.IdentityRefused as error:
        refused(error)
        form[error.field].errors = [*form[error.field].errors, message_for(error)]
        return False


def _start(procedure: Procedure, form, key: str, final: bool, identity: dict | None = None):
    try:
        dossier, _created = filing.start_draft(current_user, procedure, forms.cleaned(form), key=key,
                                               identity=identity)
    except FilingError as error:
        fail(error)
        return redirect(url_for("catalogue.detail", code=procedure.code))
    _unconfirmed_notice(identity)
    return _after_save(dossier, final)


def _unconfirmed_notice(identity: dict | None) -> None:
    if identity and identity.get("status") == citizen_registry.IdentityStatus.UNCONFIRMED:
        flash(message_for("registry_unavailable_saved"), "info")


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
        return to_detail(dossier)
    form = _editor(dossier.form_snapshot, forms.to_form_values(dossier.form_snapshot, dossier.form_data or {}))
    final = _posted_step(form)
    if final is not None:
        identity = _confirmed_identity(form, dossier.form_snapshot, dossier.procedure.code, final, dossier.id)
        if identity is not False:
            filing.save_form(dossier, current_user, forms.cleaned(form), identity=identity)
            _unconfirmed_notice(identity)
            return _after_save(dossier, final)
    return render_template("citizen/form.html", procedure=dossier.procedure, form=form, dossier=dossier,
                           idempotency_key=None, drafts=None), _page_status()


# ---------------------------------------------------------------------------------------------
# Documents


@bp.get("/<int:dossier_id>/giay-to")
@citizen_only
@with_dossier
def documents(dossier):
    if dossier.status not in (Status.DRAFT.value, Status.SUPPLEMENT_REQUESTED.value):
        return to_detail(dossier)
    return _documents_page(dossier)


def _documents_page(dossier, status: int = 200):
    return render_template(
        "citizen/documents.html", dossier=dossier, files=filing.files_by_document(dossier),
        reusable=filing.reusable_documents(dossier, current_user), form=forms.PlainForm(),
        editable=filing.editable_items(dossier), limits=limits(), allowed=accepted_types,
    ), status


def _back_to_documents(dossier):
    target = "citizen.supplement" if dossier.status == Status.SUPPLEMENT_REQUESTED.value else "citizen.documents"
    return redirect(url_for(target, dossier_id=dossier.id) + "#giay-to")


@bp.post("/<int:dossier_id>/giay-to/<key>")
@citizen_only
@with_dossier
def upload(dossier, key: str):
    plain_post()
    uploads = [f for f in request.files.getlist("file") if f and (f.filename or f.content_length)]
    if not uploads:
        flash(_("Vui lòng chọn tệp để tải lên."), "error")
        return _back_to_documents(dossier)
    limit = limits()
    for item in uploads:  # every file or none: a refusal part-way leaves none of them
        try:
            filing.add_attachment(dossier, current_user, key, item.filename, upload_bytes(item, limit.max_file),
                                  limit, photos_as_pdf=True)
        except FilingError as error:
            return _upload_refused(dossier, error, key, item.filename)
    flash(_("Đã tải lên %(n)s tệp.", n=len(uploads)), "success")
    return _back_to_documents(dossier)


def _upload_refused(dossier, error: FilingError, key: str, filename: str | None):
    """Too large or not an accepted type: the page again with that status; otherwise back to it.
    The message names the file and the document."""
    flash(upload_refused(dossier, key, filename, error), "error")
    if error.status not in (413, 415):
        return _back_to_documents(dossier)
    dossier = filing.own_dossier(dossier.id, current_user)
    if dossier.status == Status.SUPPLEMENT_REQUESTED.value:
        return _supplement_page(dossier, None, None, error.status)
    return _documents_page(dossier, error.status)


def _document_change(dossier, change, done: str):
    """A button on the documents page that calls ``change()``: back to the page, with why on a refusal."""
    plain_post()
    try:
        change()
    except FilingError as error:
        fail(error)
    else:
        flash(done, "success")
    return _back_to_documents(dossier)


@bp.post("/<int:dossier_id>/giay-to/xoa/<int:file_id>")
@citizen_only
@with_dossier
def remove_file(dossier, file_id: int):
    return _document_change(dossier, lambda: filing.remove_attachment(dossier, current_user, file_id),
                            _("Đã gỡ tệp khỏi hồ sơ."))


@bp.post("/<int:dossier_id>/giay-to/dung-lai/<int:file_id>")
@citizen_only
@with_dossier
def reuse_file(dossier, file_id: int):
    return _document_change(dossier, lambda: filing.reuse_document(dossier, current_user, file_id, limits()),
                            _("Đã dùng lại giấy tờ bạn đã nộp trước đây."))


# ---------------------------------------------------------------------------------------------
# Review and submission


def _submit_form(dossier):
    from portal.labels import DELIVERY_LABELS

    procedure = dossier.procedure
    methods = [m for m in procedure.result_delivery if m in filing.DELIVERY_METHODS] if procedure.level >= 4 else []
    form = forms.SubmitForm()
    form.delivery.choices = [SelectChoice(m, DELIVERY_LABELS[m]) for m in (methods or ["desk"])]
    if request.method == "GET":
        form.delivery.data = (dossier.applicant or {}).get("delivery", {}).get("method") or form.delivery.choices[0].value
    return form


def _submit(dossier, form) -> None:
    choice = filing.delivery_choice(dossier.procedure, form.delivery.data, form.delivery_address.data)
    filing.submit(dossier.id, current_user, choice, client_address=client_address())


@bp.route("/<int:dossier_id>/kiem-tra", methods=["GET", "POST"])
@citizen_only
@with_dossier
def review(dossier):
    if dossier.status != Status.DRAFT.value:
        return to_detail(dossier)
    form = _submit_form(dossier)
    status = attempt(form.validate_on_submit(), lambda: _submit(dossier, form))
    if status is None:
        return redirect(url_for("citizen.submitted", dossier_id=dossier.id))
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
# Answering a supplement request


@bp.route("/<int:dossier_id>/bo-sung", methods=["GET", "POST"])
@citizen_only
@with_dossier
def supplement(dossier):
    if dossier.status != Status.SUPPLEMENT_REQUESTED.value:
        return to_detail(dossier)
    form = _supplement_form(dossier, request.method == "GET")
    note = forms.SupplementNoteForm(prefix="s")
    status = attempt(form.validate_on_submit() and note.validate(), lambda: applicant.answer_supplement(
        dossier.id, current_user, forms.cleaned(form), note.note.data or "", version=posted_version(note.version)))
    if status is None:
        flash(_("Đã gửi phần bổ sung. Thời hạn giải quyết được tính tiếp từ bây giờ."), "success")
        return to_detail(dossier)
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
                           upload_form=forms.PlainForm(), limits=limits(), allowed=accepted_types), status
