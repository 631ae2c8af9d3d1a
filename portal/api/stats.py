"""Statistics for leaders and administrators: GET /api/v1/stats and its CSV/XLSX exports.

``from`` and ``to`` are calendar days in Vietnam time, both *included*, as on the page ("đến hết
ngày"): a year is from=2025-01-01&to=2025-12-31, one day is from=2025-03-14&to=2025-03-14.
Instead of the two days, a named period: ``kind`` (month, quarter, half, nine_months, year),
``year``, ``number`` (month or quarter) and ``basis`` (calendar, or nd09: the reporting cut-off of
Nghị định 09/2019/NĐ-CP), the page's own parameters. Agency and unit leaders get their own
agency only; asking for another agency is a 403.
"""

from __future__ import annotations

from flask import Response, g, request

from portal.api.blueprint import bp
from portal.api.common import iso, token_required
from portal.api.openapi import BEARER, binary_response, errors, json_response, query_param, ref
from portal.errors import api_error
from portal.messages import message_for
from portal.statistics import exports
from portal.statistics.figures import FIGURES, RATES
from portal.statistics.params import ParamError, may_view, resolve_scope
from portal.statistics.periods import Period, PeriodError, build, custom, parse_day
from portal.statistics.queries import GROUPS, StatTable, period_table


def _table(fixed_group: str | None = None) -> tuple[StatTable, str]:
    """The table the query string asks for (grouped by ``fixed_group`` when given); ParamError
    otherwise."""
    args = request.args
    try:
        period = requested_period(args)
    except PeriodError as error:
        raise ParamError(400, "bad_period", message_for(error)) from None
    group_by = fixed_group or args.get("group_by", "agency")
    if group_by not in GROUPS:
        raise ParamError(400, "bad_group_by", "'group_by' phải là agency, field, procedure hoặc month.")
    resolved = resolve_scope(g.api_user, args.get("agency", "").strip(), args.get("field", "").strip(),
                             args.get("procedure", "").strip(), strict=True)
    if fixed_group:
        reporter = resolved.agency.name_vi if resolved.agency is not None else "Ủy ban nhân dân tỉnh Lai Châu"
        return period_table(period, resolved.scope, group_by), f"{resolved.text()}|{reporter}"
    return period_table(period, resolved.scope, group_by), resolved.text()


def requested_period(args) -> Period:
    """``from``/``to`` (both days included), or a named period (``kind``, ``year``, ``number``,
    ``basis``); ``PeriodError`` otherwise (the missing parameters too)."""
    kind = (args.get("kind") or "").strip()
    if kind and kind != "custom":
        year = (args.get("year") or "").strip()
        number = (args.get("number") or "").strip()
        if (year and not year.isdigit()) or (number and not number.isdigit()):
            raise PeriodError("unknown_period_kind")
        return build(kind, int(year) if year else None, int(number) if number else None,
                     basis=(args.get("basis") or "calendar").strip())
    if not args.get("from") or not args.get("to"):
        raise PeriodError("custom_needs_dates")
    return custom(parse_day(args["from"]), parse_day(args["to"]))


def _guarded(produce, fixed_group: str | None = None):
    if not may_view(g.api_user):
        return api_error(403, "Chỉ lãnh đạo và quản trị hệ thống được xem số liệu thống kê.")
    try:
        table, scope_text = _table(fixed_group)
    except ParamError as error:
        return api_error(error.status, error.message, error.code)
    return produce(table, scope_text)


def _row_json(table: StatTable, row) -> dict:
    data = {"key": row.code, "name": row.label}
    if row.period is not None:
        data.update({"from": row.period.start.isoformat(), "to": row.period.last_day.isoformat()})
    data.update(row.to_dict())
    return data


@bp.get("/stats")
@token_required
def stats():
    def produce(table: StatTable, scope_text: str):
        return {
            "from": table.period.start.isoformat(), "to": table.period.last_day.isoformat(),
            "kind": table.period.kind, "basis": table.period.basis,
            "period": table.period.label(), "group_by": table.group_by, "scope": scope_text,
            "as_of": iso(table.as_of),
            "rows": [_row_json(table, row) for row in table.rows],
            "total": {"key": None, "name": table.total.label, **table.total.to_dict()},
            "summary": exports.summary_line(table),
        }

    return _guarded(produce)


def _download(body: bytes, mimetype: str, table: StatTable, extension: str) -> Response:
    name = f"thong-ke-{table.period.start:%Y%m%d}-{table.period.last_day:%Y%m%d}-{table.group_by}.{extension}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/stats/export.csv")
@token_required
def stats_csv():
    return _guarded(lambda table, scope_text: _download(
        exports.to_csv(table, scope_text), "text/csv; charset=utf-8", table, "csv"))


@bp.get("/stats/export.xlsx")
@token_required
def stats_xlsx():
    return _guarded(lambda table, scope_text: _download(
        exports.to_xlsx(table, scope_text),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", table, "xlsx"))


@bp.get("/stats/report.xlsx")
@token_required
def stats_report():
    """The periodic report (by field) in the layout of Biểu mẫu 06a/VPCP/KSTT, as on the page."""
    def produce(table: StatTable, scope_and_reporter: str):
        scope_text, reporter = scope_and_reporter.split("|", 1)
        body = exports.periodic_report_xlsx(table, scope_text, reporter)
        name = f"bao-cao-06a-{table.period.start:%Y%m%d}-{table.period.last_day:%Y%m%d}.xlsx"
        return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return _guarded(produce, fixed_group="field")


_RATIO = {"type": "object", "required": ["numerator", "denominator", "rate"], "properties": {
    "numerator": {"type": "integer"}, "denominator": {"type": "integer"},
    "rate": {"type": ["number", "null"], "description": "percent, rounded half-up to 2 decimals; null without any dossier"},
    "text": {"type": "string", "examples": ["766/5.211 đạt 14,7%"]}}}
_ROW = {"type": "object", "required": ["key", "name", *FIGURES, *RATES], "properties": {
    "key": {"type": ["string", "null"], "description": "agency/field/procedure code, or YYYY-MM; null for the total"},
    "name": {"type": "string"},
    "from": {"type": "string", "format": "date", "description": "a month row: its first day"},
    "to": {"type": "string", "format": "date", "description": "a month row: its last day (included)"},
    **{figure: {"type": "integer"} for figure in FIGURES}, **{rate: ref("Ratio") for rate in RATES}}}

OPENAPI_SCHEMAS = {
    "Ratio": _RATIO,
    "StatsRow": _ROW,
    "StatsTable": {"type": "object", "required": ["from", "to", "group_by", "rows", "total"], "properties": {
        "from": {"type": "string", "format": "date", "description": "first day included"},
        "to": {"type": "string", "format": "date", "description": "last day included"},
        "kind": {"type": "string"}, "basis": {"type": "string", "enum": ["calendar", "nd09"]},
        "period": {"type": "string"}, "group_by": {"type": "string", "enum": list(GROUPS)},
        "scope": {"type": "string"}, "as_of": {"type": ["string", "null"], "format": "date-time"},
        "rows": {"type": "array", "items": ref("StatsRow")}, "total": ref("StatsRow"), "summary": {"type": "string"}}},
}

_DAY = {"type": "string", "format": "date"}
_PARAMETERS = [
    query_param("from", _DAY, "first day included (Vietnam time); required unless kind is given"),
    query_param("to", _DAY, "last day included (Vietnam time), not before from; from=to is one day"),
    query_param("kind", {"type": "string", "enum": ["month", "quarter", "half", "nine_months", "year"]},
                "a named period instead of from/to"),
    query_param("year", {"type": "integer"}, "year of the named period"),
    query_param("number", {"type": "integer"}, "month (1-12) or quarter (1-4) of the named period"),
    query_param("basis", {"type": "string", "enum": ["calendar", "nd09"], "default": "calendar"},
                "nd09: the reporting cut-off of Nghị định 09/2019/NĐ-CP (15th of the previous month to the 14th)"),
    query_param("agency", {"type": "string"}, "agency code (leaders of an agency: their own)"),
    query_param("field", {"type": "string"}, "field code"),
    query_param("procedure", {"type": "string"}, "procedure code"),
    query_param("group_by", {"type": "string", "enum": list(GROUPS), "default": "agency"}),
]
_ERRORS = errors(401, s400="Missing or bad parameters (dates, period, group_by, unknown agency, field or procedure)",
                 s403="Not a leader or administrator, or another agency")
_FILE_HEADERS = {"Content-Disposition": {"schema": {"type": "string"}}}

OPENAPI_PATHS = {
    "/api/v1/stats": {"get": {
        "summary": "Thống kê tiếp nhận, giải quyết hồ sơ theo kỳ (lãnh đạo, quản trị)",
        "security": BEARER, "parameters": _PARAMETERS,
        "responses": {"200": json_response(ref("StatsTable")), **_ERRORS},
    }},
    "/api/v1/stats/export.csv": {"get": {
        "summary": "Cùng số liệu, dạng CSV (UTF-8)", "security": BEARER, "parameters": _PARAMETERS,
        "responses": {"200": binary_response("CSV", "text/csv", headers=_FILE_HEADERS), **_ERRORS},
    }},
    "/api/v1/stats/report.xlsx": {"get": {
        "summary": "Báo cáo định kỳ theo Biểu mẫu 06a/VPCP/KSTT (theo lĩnh vực), dạng XLSX", "security": BEARER,
        "parameters": [p for p in _PARAMETERS if p.get("name") != "group_by"],
        "responses": {"200": binary_response("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                             headers=_FILE_HEADERS), **_ERRORS},
    }},
    "/api/v1/stats/export.xlsx": {"get": {
        "summary": "Cùng số liệu, dạng XLSX", "security": BEARER, "parameters": _PARAMETERS,
        "responses": {"200": binary_response("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                             headers=_FILE_HEADERS), **_ERRORS},
    }},
}
