"""The agency's inbox of citizens' feedback (phản ánh, kiến nghị): the list with its filters and
counts, an item's page, assigning and answering. The rules are ``portal.operations.feedback``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import STAFF, roles_required
from portal.labels import FEEDBACK_STATUS_LABELS
from portal.messages import message_for
from portal.office.forms import FeedbackAnswerForm, FeedbackAssignForm, FeedbackFilterForm
from portal.operations import feedback as feedback_inbox
from portal.operations.feedback import FeedbackError
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("feedback", __name__, url_prefix="/mot-cua/phan-anh", template_folder="templates")


def _item(feedback_id: int):
    try:
        return feedback_inbox.visible(feedback_id, current_user)
    except FeedbackError:
        abort(404)


@bp.get("/")
@roles_required(*STAFF, Role.ADMIN)
def inbox():
    filters = FeedbackFilterForm(request.args)
    filters.set_status_choices([("", _("Tất cả"))] + [(k.value, v) for k, v in FEEDBACK_STATUS_LABELS.items()])
    filters.validate()
    box = feedback_inbox.inbox(current_user, status=filters.status.data or None, overdue=bool(filters.overdue.data))
    return render_template("office/feedback_inbox.html", box=box, filters=filters,
                           overdue=feedback_inbox.is_overdue, late=feedback_inbox.answered_late)


def _item_page(row, assign_form=None, answer_form=None, status: int = 200):
    assign_form = assign_form or FeedbackAssignForm()
    assign_form.set_assignee_choices([("", _("Chọn cán bộ"))] + [
        (str(u.id), f"{u.full_name} ({u.position or u.username})") for u in feedback_inbox.assignees(row)])
    if assign_form.assignee.data is None and row.assignee_id:
        assign_form.assignee.data = str(row.assignee_id)
    return render_template("office/feedback_item.html", item=row, assign_form=assign_form,
                           answer_form=answer_form or FeedbackAnswerForm(),
                           overdue=feedback_inbox.is_overdue(row), late=feedback_inbox.answered_late(row)), status


@bp.get("/<int:feedback_id>")
@roles_required(*STAFF, Role.ADMIN)
def item(feedback_id: int):
    return _item_page(_item(feedback_id))


def _refused_page(row, error: FeedbackError, **forms):
    refused(error)
    flash(message_for(error), "error")
    return _item_page(row, status=error.status, **forms)


@bp.post("/<int:feedback_id>/phan-cong")
@roles_required(*STAFF)
def assign(feedback_id: int):
    row, form = _item(feedback_id), FeedbackAssignForm()
    if not form.validate_on_submit():
        return _item_page(row, assign_form=form, status=422)
    try:
        feedback_inbox.assign(row.id, current_user, form.assignee.data)
    except FeedbackError as error:
        return _refused_page(row, error, assign_form=form)
    flash(_("Đã phân công trả lời phản ánh %(code)s.", code=row.code), "success")
    return redirect(url_for("feedback.item", feedback_id=row.id))


@bp.post("/<int:feedback_id>/tra-loi")
@roles_required(*STAFF)
def answer(feedback_id: int):
    row, form = _item(feedback_id), FeedbackAnswerForm()
    if not form.validate_on_submit():
        return _item_page(row, answer_form=form, status=422)
    try:
        feedback_inbox.answer(row.id, current_user, form.answer.data)
    except FeedbackError as error:
        if error.code == "feedback_answer_empty":
            form.answer.errors = [message_for(error)]
        return _refused_page(row, error, answer_form=form)
    flash(_("Đã gửi trả lời phản ánh %(code)s cho người dân.", code=row.code), "success")
    return redirect(url_for("feedback.item", feedback_id=row.id))
