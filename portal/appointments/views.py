"""Public page: how the appointment printed on a receipt or an apology was computed, and the
same calculation made now with the current calendar (``portal.operations.appointments``).

The page shows no personal data: the dossier's code, its procedure and agency, and the times.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from portal.operations.appointments import check_proof, display_code
from workflow.calendar import VN_TZ

bp = Blueprint("appointments", __name__, url_prefix="/hen-tra", template_folder="templates")

KIND_LABELS = {"receipt": _l("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
               "apology": _l("Phiếu xin lỗi và hẹn lại ngày trả kết quả")}
ENTRY_LABELS = {"public_holiday": _l("Ngày nghỉ lễ, Tết"), "day_off": _l("Ngày nghỉ được công bố thêm"),
                "working_day": _l("Ngày làm việc bù (được công bố)"),
                "swapped_working_day": _l("Ngày làm việc bù (hoán đổi ngày nghỉ)")}
PAUSE_LABELS = {"supplement": _l("Chờ người nộp bổ sung hồ sơ"), "fee": _l("Chờ người nộp nộp phí, lệ phí")}
WEEKDAYS = [_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật")]


def _moment(value: str | datetime | None) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def _day(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


@bp.get("/<code>")
def proof(code: str):
    check = check_proof(code)
    if check is None:
        abort(404)
    return render_template("appointments/proof.html", check=check, calc=check.calculation,
                           code=display_code(check.proof.code), KIND_LABELS=KIND_LABELS, ENTRY_LABELS=ENTRY_LABELS,
                           PAUSE_LABELS=PAUSE_LABELS, WEEKDAYS=WEEKDAYS, moment=_moment, day=_day)
