"""The administrators' synchronisation page (/quan-tri/dong-bo): the outbox of every channel
(e-mail, national portal) with what waits, what fails and what is parked, and "retry" on parked
messages (``portal.operations.outbox``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import roles_required
from portal.messages import message_for
from portal.operations import outbox
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("sync", __name__, url_prefix="/quan-tri/dong-bo", template_folder="templates")


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    return render_template("admin/sync.html", channels=outbox.channel_states(), messages=outbox.troubled_messages())


@bp.post("/<int:message_id>/gui-lai")
@roles_required(Role.ADMIN)
def retry(message_id: int):
    try:
        row = outbox.retry_parked(message_id, current_user)
    except outbox.OutboxError as error:
        refused(error)
        flash(message_for(error), "error")
    else:
        flash(_("Đã đưa thông điệp %(id)s trở lại hàng chờ gửi.", id=row.event_id), "success")
    return redirect(url_for("sync.index"))
