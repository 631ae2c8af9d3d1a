"""Administration of the catalogue: procedures changed in the application, as versions
(``portal.operations.procedures``), their history, template files, and the YAML export."""

from __future__ import annotations

import io
import re
import zipfile

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.access import roles_required
from portal.admin.procedure_forms import ProcedureFilterForm, ProcedureForm, TemplateForm
from portal.extensions import db
from portal.i18n import current_language
from portal.labels import PROCEDURE_ATTRIBUTE_LABELS
from portal.messages import Refusal, message_for
from portal.models import Agency
from portal.operations import procedures as procedure_ops
from portal.operations.catalogue import CATALOGUE_FILE, export_catalogue
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("admin_procedures", __name__, url_prefix="/quan-tri/thu-tuc", template_folder="templates")

#: Which field of the edit form a catalogue rule's problem belongs to.
PROBLEM_FIELDS = {
    "catalogue_name_required": "name_vi", "catalogue_bad_level": "level", "catalogue_bad_days": "processing_days",
    "catalogue_bad_online_days": "online_processing_days", "catalogue_fee_text_required": "fee_text_vi",
    "catalogue_bad_remote_days": "remote_processing_days",
    "catalogue_bad_fee": "fee_amount", "catalogue_bad_legal_basis": "legal_basis",
    "catalogue_bad_national_code": "national_code", "catalogue_document_keys_repeat": "documents",
    "catalogue_document_incomplete": "documents", "catalogue_bad_document": "documents",
    "catalogue_bad_template_file": "documents", "catalogue_form_names_repeat": "form_fields",
    "catalogue_bad_form_field": "form_fields", "catalogue_select_without_options": "form_fields",
    "catalogue_no_steps": "steps", "catalogue_bad_step": "steps", "catalogue_bad_step_agency": "steps", "catalogue_step_hours": "steps",
}


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    form = ProcedureFilterForm(request.args)
    agencies = db.session.scalars(select(Agency).order_by(Agency.name_vi)).all()
    form.agency.choices = [SelectChoice("", _("Tất cả cơ quan"))] + [SelectChoice(a.code, a.name(current_language())) for a in agencies]
    criteria = procedure_ops.AdminFilter(
        q=(form.q.data or "")[:200], agency=form.agency.data or "",
        level=int(form.level.data) if form.level.data in ("2", "3", "4") else None,
        published={"yes": True, "no": False}.get(form.published.data or ""))
    return render_template("admin/procedures.html", form=form, procedures=procedure_ops.list_procedures(criteria))


@bp.route("/<code>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(code: str):
    procedure = _procedure(code, for_change=request.method == "POST")
    form = ProcedureForm()
    if request.method == "GET":
        form.show(procedure)
        return _edit_page(procedure, form, _template_form(procedure), [], 200)
    if not form.validate() or (changes := form.changes()) is None:
        return _edit_page(procedure, form, _template_form(procedure), [], 422)
    try:
        saved = procedure_ops.change_procedure(procedure, changes, form.reason.data, current_user,
                                               base_version=int(form.base_version.data))
    except procedure_ops.ProcedureError as error:
        refused(error)
        return _edit_page(procedure, form, _template_form(procedure), _place(form, error), error.status)
    flash(_("Đã lưu phiên bản %(n)s. Đã thay đổi: %(what)s.", n=saved.version.number,
            what=_changed_labels(saved.changes)), "success")
    return redirect(url_for("admin_procedures.edit", code=procedure.code))


def _template_form(procedure) -> TemplateForm:
    form = TemplateForm(prefix="template")
    form.document.choices = [SelectChoice(d["key"], (current_language() == "en" and d.get("name_en")) or d["name_vi"])
                             for d in procedure.documents]
    return form


def _place(form: ProcedureForm, error: procedure_ops.ProcedureError) -> list[str]:
    """Put each problem under its field; the messages for the error summary."""
    if not error.problems:
        field = form.reason if error.code in ("reason_required", "reason_too_long") else None
        if field is not None:
            field.errors = [*field.errors, message_for(error)]
        return [message_for(error)]
    messages = []
    for problem in error.problems:
        text = message_for(Refusal(problem.code, problem.params))  # a Problem is also its English text
        field = getattr(form, PROBLEM_FIELDS.get(problem.code, ""), None)
        line = _line_of(field, problem.params) if field is not None else None
        if line is not None:
            text = _("Dòng %(line)s: %(problem)s", line=line, problem=text)
        if field is not None:
            field.errors = [*field.errors, text]
        messages.append(text)
    return messages


def _line_of(field, params: dict) -> int | None:
    """The line of a list editor that holds the item a problem names (by its key or name)."""
    item = params.get("key") or params.get("name")
    if item is None or not isinstance(field.data, str):
        return None
    pattern = re.compile(r"\b(key|name):\s*[\"']?" + re.escape(str(item)) + r"[\"']?\s*[,}]")
    return next((n for n, text in enumerate(field.data.splitlines(), 1) if pattern.search(text)), None)


def _changed_labels(changes: dict) -> str:
    """The diff summary: each changed attribute, with its values when they are short."""
    return "; ".join(f"{PROCEDURE_ATTRIBUTE_LABELS.get(key, key)}{_values(before, after)}"
                     for key, (before, after) in changes.items())


def _values(before, after) -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        parts = [f"{k} {_short(before.get(k))} → {_short(after.get(k))}" for k in after if before.get(k) != after.get(k)]
        return f" ({', '.join(parts)})"
    if isinstance(before, list) and isinstance(after, list):
        return " (" + _("%(before)s → %(after)s mục", before=len(before), after=len(after)) + ")"
    return f" ({_short(before)} → {_short(after)})"


def _short(value) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@bp.post("/<code>/mau-don")
@roles_required(Role.ADMIN)
def upload_template(code: str):
    procedure = _procedure(code, for_change=True)
    form = _template_form(procedure)
    upload = form.file.data
    chosen = bool(getattr(upload, "filename", ""))
    if not form.validate() or chosen == bool(form.remove.data):
        if chosen == bool(form.remove.data):
            form.file.errors = [*form.file.errors, _("Vui lòng chọn tệp mẫu đơn, tờ khai, hoặc chỉ đánh dấu bỏ tệp "
                                                     "mẫu hiện có.")]
        return _edit_page(procedure, _shown(procedure), form, [], 422)
    try:
        if form.remove.data:
            procedure_ops.remove_template(procedure, form.document.data, form.reason.data, current_user)
        else:
            procedure_ops.attach_template(procedure, form.document.data, upload.filename, upload.read(),
                                          form.reason.data, current_user)
    except procedure_ops.ProcedureError as error:
        refused(error)
        form.file.errors = [*form.file.errors, message_for(error)]
        return _edit_page(procedure, _shown(procedure), form, [message_for(error)], 422)
    flash(_("Đã lưu mẫu đơn, tờ khai (phiên bản %(n)s).", n=procedure.version), "success")
    return redirect(url_for("admin_procedures.edit", code=code))


def _shown(procedure) -> ProcedureForm:
    form = ProcedureForm(formdata=None)
    form.show(procedure)
    return form


def _edit_page(procedure, form: ProcedureForm, template_form: TemplateForm, problems: list[str], status: int):
    return render_template("admin/procedure_edit.html", procedure=procedure, form=form, template_form=template_form,
                           problems=problems, versions=procedure_ops.version_count(procedure)), status


def _procedure(code: str, for_change: bool = False):
    try:
        return procedure_ops.find_procedure(code, for_change=for_change)
    except procedure_ops.ProcedureNotFound:
        abort(404)


@bp.get("/<code>/lich-su")
@roles_required(Role.ADMIN)
def history(code: str):
    procedure = _procedure(code)
    return render_template("admin/procedure_history.html", procedure=procedure, catalogue_file=CATALOGUE_FILE,
                           versions=procedure_ops.history(procedure), labels=PROCEDURE_ATTRIBUTE_LABELS)


@bp.get("/xuat-danh-muc.zip")
@roles_required(Role.ADMIN)
def export():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in export_catalogue().items():
            archive.writestr(f"data/{name}", text)
    return Response(buffer.getvalue(), mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="danh-muc-thu-tuc.zip"', "Cache-Control": "private, no-store"})
