"""Administration of the agencies (/quan-tri/co-quan): the tree, creating and editing an agency.

The rules (unique code and identifier, no cycle, a sensible parent, a one-stop unit that is a
centre) live in ``portal.operations.agencies``; these views only translate the form.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import roles_required
from portal.admin.forms import AgencyForm
from portal.i18n import current_language
from portal.labels import AGENCY_LEVEL_LABELS
from portal.messages import message_for
from portal.models import Agency
from portal.models.agency import NEW_AGENCY_LEVELS
from portal.operations import agencies as agency_ops
from portal.operations.errors import DomainError
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("agencies", __name__, url_prefix="/quan-tri/co-quan", template_folder="templates")


@bp.get("")
@roles_required(Role.ADMIN)
def tree():
    children: dict[int | None, list[Agency]] = {}
    parents: list[Agency | None] = []  # the last agency seen at each depth
    for agency, depth in agency_ops.agency_tree():
        del parents[depth:]
        children.setdefault(parents[-1].id if parents else None, []).append(agency)
        parents.append(agency)
    children.setdefault(None, [])
    return render_template("admin/agencies.html", children=children)


@bp.route("/moi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = _form(None)
    if form.validate_on_submit():
        agency = _saved(form, lambda values: agency_ops.create_agency(values, by=current_user))
        if agency is not None:
            flash(_("Đã thêm cơ quan %(name)s.", name=agency.name_vi), "success")
            return redirect(url_for("agencies.tree"))
    return render_template("admin/agency_form.html", form=form, agency=None), 422 if form.errors else 200


@bp.route("/<int:agency_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(agency_id: int):
    try:
        agency = agency_ops.get_agency(agency_id)
    except DomainError:
        abort(404)
    form = _form(agency)
    if request.method == "GET":
        _fill(form, agency)
    elif form.validate_on_submit():
        saved = _saved(form, lambda values: agency_ops.update_agency(agency_id, values, by=current_user))
        if saved is not None:
            flash(_("Đã lưu cơ quan %(name)s.", name=saved.name_vi), "success")
            return redirect(url_for("agencies.tree"))
    return render_template("admin/agency_form.html", form=form, agency=agency), 422 if form.errors else 200


def _form(agency: Agency | None) -> AgencyForm:
    form = AgencyForm()
    levels = NEW_AGENCY_LEVELS + ((agency.level,) if agency is not None and agency.level not in NEW_AGENCY_LEVELS else ())
    form.level.choices = [(level, AGENCY_LEVEL_LABELS[level]) for level in levels]
    tree = agency_ops.agency_tree()
    form.parent_id.choices = [(0, _("(Không có)"))] + [(a.id, "· " * depth + a.name(current_language())) for a, depth in tree]
    form.one_stop_unit_id.choices = [(0, _("(Tiếp nhận tại bộ phận một cửa của chính cơ quan)"))] + [
        (a.id, a.name(current_language())) for a, _depth in tree if a.level == "centre"]
    return form


def _fill(form: AgencyForm, agency: Agency) -> None:
    for name in ("code", "identifier", "name_vi", "name_en", "level", "governing_body", "printed_name", "place_name",
                 "document_symbol", "phone", "email", "address"):
        getattr(form, name).data = getattr(agency, name) or ""
    form.parent_id.data = agency.parent_id or 0
    form.one_stop_unit_id.data = agency.one_stop_unit_id or 0
    periods = agency_ops.working_hours_of(agency.id) or []
    for (start, end), (a, b) in zip((("morning_start", "morning_end"), ("afternoon_start", "afternoon_end")), periods, strict=False):
        getattr(form, start).data, getattr(form, end).data = a, b


def _saved(form: AgencyForm, change):
    """The agency ``change`` made from the form's values; None (with the message on the field)
    when the use case refused."""
    values = agency_ops.AgencyInput(
        code=form.code.data, identifier=form.identifier.data, name_vi=form.name_vi.data, name_en=form.name_en.data,
        level=form.level.data, parent_id=form.parent_id.data or None, governing_body=form.governing_body.data,
        printed_name=form.printed_name.data, place_name=form.place_name.data,
        document_symbol=form.document_symbol.data, one_stop_unit_id=form.one_stop_unit_id.data or None,
        phone=form.phone.data, email=form.email.data, address=form.address.data, working_hours=form.working_hours(),
    )
    try:
        return change(values)
    except DomainError as error:
        refused(error)
        getattr(form, getattr(error, "field", None) or "morning_start").errors.append(message_for(error))
        return None
