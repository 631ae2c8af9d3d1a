"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from portal.text import format_vnd

LEVEL_LABELS = {
    2: _l("Mức độ 2"),
    3: _l("Mức độ 3 · Một phần"),
    4: _l("Mức độ 4 · Toàn trình"),
}
ROLE_LABELS = {
    "citizen": _l("Công dân, tổ chức"),
    "one_stop_officer": _l("Cán bộ Bộ phận Một cửa"),
    "specialist": _l("Chuyên viên xử lý"),
    "unit_leader": _l("Lãnh đạo phòng"),
    "agency_leader": _l("Lãnh đạo cơ quan"),
    "clerk": _l("Văn thư"),
    "admin": _l("Quản trị hệ thống"),
}
ORIGINAL_LABELS = {
    "original": _l("Bản chính"),
    "copy": _l("Bản sao"),
    "original_or_copy": _l("Bản chính hoặc bản sao"),
}
DELIVERY_LABELS = {
    "desk": _l("Tại Bộ phận Một cửa"),
    "post": _l("Qua bưu chính công ích"),
    "online": _l("Trực tuyến (bản điện tử có chữ ký số)"),
}


def filing_url(procedure) -> str | None:
    """Where a citizen starts an online dossier for this procedure, once filing is installed."""
    if "citizen.start_dossier" not in current_app.view_functions:
        return None
    return url_for("citizen.start_dossier", code=procedure.code)


def time_left(dossier) -> str:
    """Working time left or overdue for a dossier, in the page's language ("còn 1 ngày 3 giờ")."""
    from flask import g

    from portal.i18n import current_language
    from portal.models.types import utcnow
    from portal.operations.calendar import working_calendar
    from workflow.deadlines import remaining_text

    if dossier.due_at is None or dossier.finished_at is not None:
        return ""
    if dossier.paused_since is not None:
        return str(_l("tạm dừng: chờ bổ sung"))
    calendars = g.setdefault("working_calendars", {})
    if dossier.agency_id not in calendars:
        calendars[dossier.agency_id] = working_calendar(dossier.agency_id)
    return remaining_text(utcnow(), dossier.due_at, calendars[dossier.agency_id], current_language())


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    app.add_template_global(filing_url, "filing_url")
    app.add_template_global(has_endpoint, "has_endpoint")
    app.add_template_global(time_left, "time_left")
    app.add_template_filter(format_vnd, "vnd")
    app.add_template_filter(lambda dt: format_datetime(dt, "dd/MM/yyyy HH:mm") if dt else "", "datetime_vn")
    app.add_template_global(LEVEL_LABELS, "LEVEL_LABELS")
    app.add_template_global(ROLE_LABELS, "ROLE_LABELS")
    app.add_template_global(ORIGINAL_LABELS, "ORIGINAL_LABELS")
    app.add_template_global(DELIVERY_LABELS, "DELIVERY_LABELS")
