"""What the dashboard page shows, assembled from portal.statistics (no figure is computed here)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import gettext as _

from portal.dashboard.charts import bar_chart, rate_bars
from portal.models.types import utcnow
from portal.statistics import catalogue, exports, queries, targets
from portal.statistics import qd766 as service_index
from portal.statistics.formulas import Ratio
from portal.statistics.params import ResolvedScope
from portal.statistics.periods import Period
from workflow.calendar import VN_TZ

FILTER_KEYS = ("kind", "basis", "year", "number", "start", "until", "group_by", "agency", "field", "procedure")


def filter_args(args) -> dict:
    return {key: args.get(key) for key in FILTER_KEYS if args.get(key)}


@dataclass
class Dashboard:
    period: Period
    scope_text: str
    group_by: str
    table: queries.StatTable
    months: queries.StatTable
    summary: str
    levels: dict
    catalogue: object  # portal.statistics.catalogue.Coverage at the page's scope
    targets: list
    qd766: object  # portal.statistics.qd766.IndexResult
    satisfaction: dict | None
    feedback: dict
    trend_chart: object
    rates_chart: object

    def row_args(self, row) -> dict:
        """Filter overrides that narrow a drill-down to one row of the grouped table."""
        if row.key is None:
            return {}
        if self.group_by == "month":
            return {"kind": "custom", "basis": "calendar", "start": row.period.start.isoformat(), "until": row.period.last_day.isoformat()}
        return {self.group_by: row.code}


def build_dashboard(period: Period, resolved: ResolvedScope, group_by: str, locale: str,
                    viewer_agency_id: int | None = None, sees_all: bool = True) -> Dashboard:
    scope = resolved.scope
    tables = queries.period_tables(period, scope, ("month", group_by), locale=locale)  # read together
    # No future month: a month that has not started yet is an empty bar, not a figure.
    today = utcnow().astimezone(VN_TZ).date()
    months = replace(tables["month"], rows=[row for row in tables["month"].rows if row.period.start <= today])
    table = months if group_by == "month" else tables[group_by]
    qd766 = service_index.evaluate(period, scope, table)
    trend = bar_chart(
        _("Hồ sơ tiếp nhận và giải quyết theo tháng"),
        _("Biểu đồ cột: số hồ sơ tiếp nhận và đã giải quyết mỗi tháng; số liệu chi tiết ở bảng bên cạnh."),
        [row.period.start.strftime("%m/%y") for row in months.rows],
        [(_("Tiếp nhận"), [row["received"] for row in months.rows]),
         (_("Đã giải quyết"), [row["processed"] for row in months.rows])],
        "chart-trend")
    rate_rows = [(row.label, [_percent(row.ratio("on_time_rate")), _percent(
        Ratio(row["received_level34_online"], row["received_level34"]))]) for row in table.rows]
    rates = rate_bars(
        _("Tỷ lệ đúng hạn và tỷ lệ trực tuyến"),
        _("Biểu đồ thanh ngang: tỷ lệ giải quyết đúng hạn và tỷ lệ hồ sơ tiếp nhận trực tuyến của từng dòng; "
          "số liệu chi tiết ở bảng bên cạnh."),
        rate_rows, [_("Đúng hạn"), _("Trực tuyến (mức độ 3, 4)")], "chart-rates")
    return Dashboard(
        period=period, scope_text=resolved.text(locale), group_by=group_by, table=table, months=months,
        summary=exports.summary_line(table), levels=queries.procedures_by_level(scope),
        catalogue=catalogue.coverage("agency" if scope.agency_id else "province", scope.agency_id),
        targets=targets.evaluate(period, viewer_agency_id, sees_all, table), qd766=qd766,
        satisfaction=queries.satisfaction_breakdown(period, scope),
        feedback=queries.feedback_answers(period, scope), trend_chart=trend, rates_chart=rates,
    )


def _percent(ratio: Ratio) -> float | None:
    return float(ratio.percent) if ratio.percent is not None else None
