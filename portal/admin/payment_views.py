"""The daily payment reconciliation for administrators (/quan-tri/doi-soat-thanh-toan): what the
payment platform says was paid on a day against our payments and their dossiers, with CSV and
XLSX exports (``portal.operations.payments.reconcile``)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import client_address, roles_required
from portal.operations import national, payments
from portal.payments import ProviderUnavailable, get_gateway
from portal.payments import report as export
from workflow.states import Role

bp = Blueprint("payment_reconciliation", __name__, url_prefix="/quan-tri/doi-soat-thanh-toan", template_folder="templates")


def _day() -> tuple[date, str | None]:
    """The day asked for (``?ngay=YYYY-MM-DD``; default yesterday) and the error of a bad one."""
    given = (request.args.get("ngay") or "").strip()
    if not given:
        return national.yesterday(), None
    try:
        return datetime.strptime(given[:10], "%Y-%m-%d").date(), None
    except ValueError:
        return national.yesterday(), _("Ngày không hợp lệ; vui lòng chọn ngày theo dạng năm-tháng-ngày.")


def _report(day: date) -> tuple[payments.Reconciliation | None, str | None, int]:
    """The report, or why there is none and the page's status."""
    gateway = get_gateway()
    if gateway is None or not gateway.lists_settlements:
        return None, _("Chưa kết nối nền tảng thanh toán nên không có gì để đối soát."), 200
    try:
        return payments.reconcile(day, gateway, user=current_user, address=client_address()), None, 200
    except ProviderUnavailable:
        return None, _("Nền tảng thanh toán không trả lời hoặc không cung cấp danh sách đối soát; vui lòng thử lại sau."), 503


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    day, bad_day = _day()
    report, problem, status = (None, bad_day, 422) if bad_day else _report(day)
    return render_template("admin/payment_reconciliation.html", day=day, report=report, problem=problem), status


@bp.get("/xuat.<kind>")
@roles_required(Role.ADMIN)
def download(kind: str):
    if kind not in ("csv", "xlsx"):
        abort(404)
    day, bad_day = _day()
    if bad_day:
        return render_template("admin/payment_reconciliation.html", day=day, report=None, problem=bad_day), 422
    report, problem, status = _report(day)
    if report is None:
        return render_template("admin/payment_reconciliation.html", day=day, report=None,
                               problem=problem), 404 if status == 200 else status
    if kind == "csv":
        body, mimetype = export.to_csv(report), "text/csv; charset=utf-8"
    else:
        body, mimetype = export.to_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=doi-soat-thanh-toan-{day:%Y-%m-%d}.{kind}"})
