"""Leaders' dashboard (/thong-ke): figures, charts, drill-down, printable view, exports, targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from portal.access import roles_required
from portal.dashboard.forms import StatsFilterForm, TargetForm
from portal.dashboard.report import build_dashboard, filter_args
from portal.extensions import db
from portal.i18n import current_language
from portal.labels import (
    CATALOGUE_MEASURE_LABELS,
    DOSSIER_SET_LABELS,
    FIGURE_LABELS,
    PROCEDURE_SET_LABELS,
)
from portal.messages import TEXTS as PERIOD_ERRORS  # code -> translated sentence
from portal.models import Agency, Field, PlanTarget
from portal.operations import statistics as stats_ops
from portal.statistics import catalogue, exports, periods
from portal.statistics import qd766 as service_index
from portal.statistics.formulas import format_decimal, format_int
from portal.statistics.params import STATS_ROLES, ParamError, resolve_scope, sees_all
from portal.statistics.queries import ALL_FIGURES, GROUPS, dossiers_behind, period_table
from workflow.states import Role

bp = Blueprint("dashboard", __name__, url_prefix="/thong-ke", template_folder="templates")

PER_PAGE = 50


@bp.context_processor
def _labels():
    from portal.statistics.formulas import Ratio
    from portal.statistics.queries import RATES

    # The label tables (FIGURE_LABELS, RATE_LABELS, ...) are template globals: portal.templating.
    return {"RATES": RATES, "ratio_of": Ratio}


@bp.app_template_filter("stats_int")
def _stats_int(n) -> str:
    return format_int(n or 0, current_language())


@bp.app_template_filter("stats_decimal")
def _stats_decimal(value) -> str:
    return format_decimal(Decimal(value), current_language())


@bp.app_template_filter("ratio_text")
def _ratio_text(ratio) -> str:
    """A rate with its numbers in the reader's language ("766/5.211 đạt 14,7%", "766/5,211 (14.7%)")."""
    return ratio.text(current_language())


def _request_state():
    """The filter form, the period, the scope and the grouping of this request (400 when the
    form does not make a period: the page shows why)."""
    form = StatsFilterForm(request.args)
    lang = current_language()
    form.agency.choices = [SelectChoice("", _("Toàn tỉnh"))] + [
        SelectChoice(a.code, a.name(lang)) for a in db.session.scalars(select(Agency).order_by(Agency.name_vi))]
    form.field.choices = [SelectChoice("", _("Tất cả lĩnh vực"))] + [
        SelectChoice(f.code, f.name(lang)) for f in db.session.scalars(select(Field).order_by(Field.name_vi))]
    if not form.year.data and not form.year.raw_data:
        form.year.data = date.today().year
    error = None
    period = None
    if form.validate():
        try:
            number = int(form.number.data) if (form.number.data or "").isdigit() else None
            period = periods.build(form.kind.data or "year", form.year.data, number, form.start.data, form.until.data,
                                   form.basis.data or "calendar")
        except periods.PeriodError as problem:
            error = PERIOD_ERRORS.get(str(problem), _("Kỳ báo cáo không hợp lệ."))
    else:
        error = _("Kỳ báo cáo không hợp lệ: kiểm tra năm và các ngày.")
    group_by = form.group_by.data if form.group_by.data in GROUPS else "agency"
    try:
        resolved = resolve_scope(current_user, form.agency.data or "", form.field.data or "",
                                 request.args.get("procedure", "").strip(), strict=False)
    except ParamError as problem:
        resolved, error = resolve_scope(current_user, strict=False), problem.message
    return form, period, resolved, group_by, error


@bp.get("/")
@roles_required(*STATS_ROLES)
def index():
    form, period, resolved, group_by, error = _request_state()
    if error:
        return render_template("dashboard/index.html", form=form, error=error, data=None,
                               sees_all=sees_all(current_user)), 400
    data = build_dashboard(period, resolved, group_by, current_language(), current_user.agency_id,
                           sees_all(current_user))
    return render_template("dashboard/index.html", form=form, error=None, data=data, sees_all=sees_all(current_user))


@bp.get("/ban-in")
@roles_required(*STATS_ROLES)
def printable():
    form, period, resolved, group_by, error = _request_state()
    if error:
        abort(400)
    data = build_dashboard(period, resolved, group_by, current_language(), current_user.agency_id,
                           sees_all(current_user))
    return render_template("dashboard/print.html", data=data)


@bp.get("/ho-so")
@roles_required(*STATS_ROLES)
def drill_down():
    form, period, resolved, group_by, error = _request_state()
    figure = request.args.get("figure", "")
    if error or (figure not in ALL_FIGURES and figure not in service_index.DOSSIER_SETS):
        abort(400)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    statement = (dossiers_behind(figure, period, resolved.scope) if figure in ALL_FIGURES
                 else service_index.dossier_set(figure, period, resolved.scope))
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(statement.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    pages = max(1, -(-total // PER_PAGE))
    return render_template("dashboard/dossiers.html", figure=figure,
                           figure_label=FIGURE_LABELS.get(figure) or DOSSIER_SET_LABELS[figure],
                           period=period, scope_text=resolved.text(current_language()), items=items, total=total,
                           page=page, pages=pages, args=filter_args(request.args))


@bp.get("/chi-so-766")
@roles_required(*STATS_ROLES)
def service_index_page():
    """The QĐ 766 index by sub-criterion: each formula, source and score, every number drillable."""
    form, period, resolved, group_by, error = _request_state()
    if error:
        abort(400)
    table = period_table(period, resolved.scope, "agency", locale=current_language())
    result = service_index.evaluate(period, resolved.scope, table)
    return render_template("dashboard/service_index.html", result=result, table=table, period=period,
                           scope_text=resolved.text(current_language()), args=filter_args(request.args))


@bp.get("/chi-so-766/thu-tuc")
@roles_required(*STATS_ROLES)
def service_index_procedures():
    """The procedures (``set``) or catalogue entries (``catalogue``) behind a number of the index."""
    form, period, resolved, group_by, error = _request_state()
    name, entries = request.args.get("set", ""), request.args.get("catalogue", "")
    if error or (name not in service_index.PROCEDURE_SETS and entries not in catalogue.MEASURES):
        abort(400)
    if name:
        items = db.session.scalars(service_index.procedure_set(name, period, resolved.scope).limit(2000)).all()
        title = PROCEDURE_SET_LABELS[name]
    else:
        scope_kind = "agency" if resolved.scope.agency_id else "province"
        items = db.session.scalars(catalogue.entries_behind(entries, scope_kind, resolved.scope.agency_id)
                                   .limit(2000)).all()
        title = CATALOGUE_MEASURE_LABELS[entries]
    return render_template("dashboard/index_items.html", items=items, title=title, is_catalogue=bool(entries),
                           period=period, scope_text=resolved.text(current_language()),
                           args=filter_args(request.args))


def _export(kind: str):
    form, period, resolved, group_by, error = _request_state()
    if error:
        abort(400)
    table = period_table(period, resolved.scope, group_by, locale=current_language())
    name = f"thong-ke-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}-{group_by}"
    if kind == "csv":
        body, mimetype = exports.to_csv(table, resolved.text()), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(table, resolved.text())
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'})


@bp.get("/xuat.csv")
@roles_required(*STATS_ROLES)
def export_csv():
    return _export("csv")


@bp.get("/xuat.xlsx")
@roles_required(*STATS_ROLES)
def export_xlsx():
    return _export("xlsx")


@bp.get("/bao-cao.xlsx")
@roles_required(*STATS_ROLES)
def periodic_report():
    """The periodic report (by field) in the layout of Biểu mẫu 06a/VPCP/KSTT."""
    form, period, resolved, group_by, error = _request_state()
    if error:
        abort(400)
    table = period_table(period, resolved.scope, "field", locale="vi")
    reporter = resolved.agency.name_vi if resolved.agency is not None else "Ủy ban nhân dân tỉnh Lai Châu"
    body = exports.periodic_report_xlsx(table, resolved.text(), reporter)
    name = f"bao-cao-06a-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/bao-cao/gui")
@roles_required(Role.ADMIN)
def push_report():
    """Push the same report to the national portal through the outbox (administrators)."""
    form, period, resolved, group_by, error = _request_state()
    if error:
        abort(400)
    try:
        _message, new = stats_ops.push_periodic_report(period, resolved.agency, current_user,
                                                       address=request.remote_addr)
    except stats_ops.ReportError as problem:
        flash(PERIOD_ERRORS.get(problem.code, _("Không gửi được báo cáo.")), "error")
        return redirect(url_for("dashboard.index", **filter_args(request.args)))
    flash(_("Đã đưa báo cáo %(period)s vào hàng đợi gửi Cổng Dịch vụ công quốc gia.", period=period.label()) if new
          else _("Báo cáo %(period)s với cùng số liệu đã có trong hàng đợi gửi.", period=period.label()), "success")
    return redirect(url_for("dashboard.index", **filter_args(request.args)))


def _targets_page(forms: dict | None = None, status: int = 200):
    """The plan targets with their decision, scope and verdict for this year (leaders read them,
    administrators also edit them)."""
    from portal.statistics.targets import evaluate

    year = date.today().year
    results = evaluate(periods.year(year), current_user.agency_id, sees_all(current_user))
    rows = [r.target for r in results]
    editable = current_user.role == Role.ADMIN.value
    if editable and forms is None:
        forms = {t.id: TargetForm(obj=t, prefix=f"t{t.id}") for t in rows}
    return render_template("dashboard/targets.html", rows=rows, results=results, forms=forms or {},
                           editable=editable, year=year), status


@bp.get("/chi-tieu")
@roles_required(*STATS_ROLES)
def targets():
    return _targets_page()


@bp.post("/chi-tieu/nap")
@roles_required(Role.ADMIN)
def load_targets():
    report = stats_ops.load_plan_targets(current_user, address=request.remote_addr)
    flash(_("Đã nạp %(n)s chỉ tiêu từ kế hoạch của tỉnh (các chỉ tiêu đã có được giữ nguyên).", n=report["created"]),
          "success")
    return redirect(url_for("dashboard.targets"))


@bp.post("/chi-tieu/<int:target_id>")
@roles_required(Role.ADMIN)
def update_target(target_id: int):
    target = db.session.get(PlanTarget, target_id) or abort(404)
    form = TargetForm(prefix=f"t{target.id}")
    if not form.validate():
        rows = db.session.scalars(select(PlanTarget)).all()
        forms = {t.id: (form if t.id == target.id else TargetForm(obj=t, prefix=f"t{t.id}")) for t in rows}
        flash(_("Chưa lưu: kiểm tra các giá trị được đánh dấu."), "error")
        return _targets_page(forms, 422)
    stats_ops.update_target(target.id, current_user, comparator=form.comparator.data,
                            target_value=form.target_value.data, deadline_year=form.deadline_year.data,
                            address=request.remote_addr)
    flash(_("Đã lưu chỉ tiêu \"%(name)s\".", name=target.name(current_language())), "success")
    return redirect(url_for("dashboard.targets"))
