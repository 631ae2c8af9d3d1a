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


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    app.add_template_global(filing_url, "filing_url")
    app.add_template_global(has_endpoint, "has_endpoint")
    app.add_template_filter(format_vnd, "vnd")
    app.add_template_filter(lambda dt: format_datetime(dt, "dd/MM/yyyy HH:mm") if dt else "", "datetime_vn")
    app.add_template_global(LEVEL_LABELS, "LEVEL_LABELS")
    app.add_template_global(ROLE_LABELS, "ROLE_LABELS")
    app.add_template_global(ORIGINAL_LABELS, "ORIGINAL_LABELS")
    app.add_template_global(DELIVERY_LABELS, "DELIVERY_LABELS")
