from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import roles_required
from portal.admin.forms import CalendarOverrideForm, RemoveOverrideForm, WorkingHoursForm
from portal.i18n import current_language
from portal.messages import TEXTS as CALENDAR_ERRORS  # code -> translated sentence
from portal.operations import calendar as calendar_ops
from portal.transaction import refused
from workflow.states import Role

bp = Blueprint("admin", __name__, url_prefix="/quan-tri", template_folder="templates")


def _year() -> int:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else date.today().year


@bp.route("/lich-lam-viec", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar():
    year = _year()
    form = CalendarOverrideForm(prefix="override")
    hours_form = WorkingHoursForm(prefix="hours")
    saved = _save_calendar(form, hours_form, year) if request.method == "POST" else None
    if saved is not None:
        return saved
    working = calendar_ops.working_calendar()
    if request.method == "GET":
        _show_hours(hours_form, working.working_hours.periods)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/calendar.html", year=year, form=form, hours_form=hours_form, remove_form=RemoveOverrideForm(),
        public_days=calendar_ops.named_public_holidays(year, current_language()),
        overrides=calendar_ops.list_overrides(year),
    ), status


def _save_calendar(form: CalendarOverrideForm, hours_form: WorkingHoursForm, year: int):
    """The posted form (``form``: override or hours) saved: the redirect that follows; None when
    it is invalid or refused (the page again, 422)."""
    if request.form.get("form") == "override" and form.validate():
        day = form.day.data
        return _saved(lambda: calendar_ops.set_override(day, form.kind.data, form.note.data, by=current_user),
                      _("Đã lưu điều chỉnh lịch ngày %(day)s.", day=day.strftime("%d/%m/%Y")), day.year)
    if request.form.get("form") == "hours" and hours_form.validate():
        periods = [[hours_form.morning_start.data, hours_form.morning_end.data],
                   [hours_form.afternoon_start.data, hours_form.afternoon_end.data]]
        return _saved(lambda: calendar_ops.set_working_hours(periods, None, by=current_user),
                      _("Đã lưu giờ làm việc."), year)
    return None


def _saved(change, done: str, year: int):
    try:
        change()
    except calendar_ops.CalendarError as error:
        refused(error)
        flash(_(CALENDAR_ERRORS[error.code]), "error")
        return None
    flash(done, "success")
    return redirect(url_for("admin.calendar", year=year))


def _show_hours(hours_form: WorkingHoursForm, periods) -> None:
    (ms, me), (as_, ae) = [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in periods[:2]] \
        if len(periods) >= 2 else [("07:00", "11:30"), ("13:30", "17:00")]
    hours_form.morning_start.data, hours_form.morning_end.data = ms, me
    hours_form.afternoon_start.data, hours_form.afternoon_end.data = as_, ae


@bp.post("/lich-lam-viec/xoa")
@roles_required(Role.ADMIN)
def remove_calendar_override():
    form = RemoveOverrideForm()
    try:
        day = date.fromisoformat(form.day.data or "")
    except ValueError:
        day = None
    if not form.validate() or day is None:
        flash(_("Yêu cầu không hợp lệ."), "error")
        return redirect(url_for("admin.calendar"))
    if calendar_ops.remove_override(day, by=current_user):
        flash(_("Đã bỏ điều chỉnh ngày %(day)s.", day=day.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("admin.calendar", year=day.year))
