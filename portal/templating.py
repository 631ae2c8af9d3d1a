"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import date
from pathlib import Path

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from portal import labels
from portal.i18n import current_language
from portal.labels import DELIVERY_LABELS, LEVEL_LABELS, ORIGINAL_LABELS, ROLE_LABELS  # noqa: F401  (old importers)
from portal.models.files import FileKind
from portal.models.filing import PaymentStatus
from portal.models.types import utcnow
from portal.operations.calendar import working_calendar
from portal.operations.dossiers import item_names
from portal.payments.gateway import GatewayStatus
from portal.text import format_vnd
from workflow.deadlines import remaining_text
from workflow.states import DeliveryMethod, ResultKind

#: Identifiers templates compare stored values with (``payment.status == PaymentStatus.PAID``).
TEMPLATE_ENUMS = (FileKind, PaymentStatus, GatewayStatus, ResultKind, DeliveryMethod)


def filing_url(procedure) -> str | None:
    """Where a citizen starts an online dossier for this procedure, once filing is installed."""
    if "citizen.start_dossier" not in current_app.view_functions:
        return None
    return url_for("citizen.start_dossier", code=procedure.code)


def time_left(dossier) -> str:
    """Working time left or overdue for a dossier, in the page's language ("còn 1 ngày 3 giờ làm việc")."""
    if dossier.due_at is None or dossier.finished_at is not None:
        return ""
    if dossier.paused_since is not None:
        return str(_l("tạm dừng: chờ bổ sung"))
    calendars = g.setdefault("working_calendars", {})
    if dossier.agency_id not in calendars:
        calendars[dossier.agency_id] = working_calendar(dossier.agency_id)
    return remaining_text(utcnow(), dossier.due_at, calendars[dossier.agency_id], current_language())


def form_value(spec: dict, value) -> str:
    """A stored e-form value as people read it: the option's label (not its key), a date as
    dd/mm/yyyy, an amount in đồng; "" when nothing was entered."""
    if value is None or value == "":
        return ""
    kind = spec.get("type")
    if kind == "select":
        english = current_language() == "en"
        for option in spec.get("options", []):
            if option.get("value") == value:
                return str((option.get("label_en") if english else None) or option.get("label_vi") or value)
        return str(value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if kind == "money":
        try:
            return format_vnd(int(value))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def static_url(filename: str) -> str:
    """A static file's address with its content's hash: browsers keep it for a year (see
    ``init_app``) and fetch it again only when it changes."""
    versions = current_app.extensions.setdefault("static_versions", {})
    if filename not in versions:
        path = Path(current_app.static_folder or "") / filename
        versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"
    return url_for("static", filename=filename, v=versions[filename])


def _cache_versioned_static(response):
    """Static files addressed by content (``static_url``) are cached for a year: a phone on a
    weak link does not fetch the style sheet again on every page."""
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    app.add_template_global(filing_url, "filing_url")
    app.add_template_global(has_endpoint, "has_endpoint")
    app.add_template_global(static_url, "static_url")
    app.after_request(_cache_versioned_static)
    mimetypes.add_type("application/manifest+json", ".webmanifest")
    app.add_template_global(form_value, "form_value")
    app.add_template_global(item_names, "item_names")
    app.add_template_global(time_left, "time_left")
    app.add_template_filter(format_vnd, "vnd")
    app.add_template_filter(lambda dt: format_datetime(dt, "dd/MM/yyyy HH:mm") if dt else "", "datetime_vn")
    app.add_template_filter(lambda day: day.strftime("%d/%m/%Y") if day else "", "date_vn")
    for name, table in labels.TABLES.items():
        app.add_template_global(table, name)
    for enum in TEMPLATE_ENUMS:
        app.add_template_global(enum, enum.__name__)
