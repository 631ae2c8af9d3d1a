"""Statistics for leaders and administrators: GET /api/v1/stats and its CSV/XLSX exports.

``from`` and ``to`` are calendar days in Vietnam time, half-open: ``from`` is the first day
included, ``to`` the first day *not* included (a year: from=2025-01-01&to=2026-01-01). Agency
and unit leaders get their own agency only; asking for another agency is a 403.
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
from portal.statistics.periods import Period, PeriodError, parse_day
from portal.statistics.queries import GROUPS, StatTable, period_table


def _table() -> tuple[StatTable, str]:
    """The table the query string asks for; ParamError otherwise."""
    args = request.args
    if not args.get("from") or not args.get("to"):
        raise ParamError(400, "bad_request", "Cần 'from' và 'to' (YYYY-MM-DD; 'to' không tính).")
    try:
        period = Period(parse_day(args["from"]), parse_day(args["to"]))
    except PeriodError as error:
        raise ParamError(400, "bad_period", message_for(error)) from None
    group_by = args.get("group_by", "agency")
    if group_by not in GROUPS:
        raise ParamError(400, "bad_group_by", "'group_by' phải là agency, field, procedure hoặc month.")
    resolved = resolve_scope(g.api_user, args.get("agency", "").strip(), args.get("field", "").strip(),
                             args.get("procedure", "").strip(), strict=True)
    return period_table(period, resolved.scope, group_by), resolved.text()


def _guarded(produce):
    if not may_view(g.api_user):
        return api_error(403, "Chỉ lãnh đạo và quản trị hệ thống được xem số liệu thống kê.")
    try:
        table, scope_text = _table()
    except ParamError as error:
        return api_error(error.status, error.message, error.code)
    return produce(table, scope_text)


def _row_json(table: StatTable, row) -> dict:
    data = {"key": row.code, "name": row.label}
    if row.period is not None:
        data.update({"from": row.period.start.isoformat(), "to": row.period.end.isoformat()})
    data.update(row.to_dict())
    return data


@bp.get("/stats")
@token_required
def stats():
    def produce(table: StatTable, scope_text: str):
        return {
            "from": table.period.start.isoformat(), "to": table.period.end.isoformat(),
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


_RATIO = {"type": "object", "required": ["numerator", "denominator", "rate"], "properties": {
    "numerator": {"type": "integer"}, "denominator": {"type": "integer"},
    "rate": {"type": ["number", "null"], "description": "percent, rounded half-up to 2 decimals; null without any dossier"},
    "text": {"type": "string", "examples": ["766/5.211 đạt 14,7%"]}}}
_ROW = {"type": "object", "required": ["key", "name", *FIGURES, *RATES], "properties": {
    "key": {"type": ["string", "null"], "description": "agency/field/procedure code, or YYYY-MM; null for the total"},
    "name": {"type": "string"},
    "from": {"type": "string", "format": "date", "description": "a month row: its first day"},
    "to": {"type": "string", "format": "date", "description": "a month row: the first day after it"},
    **{figure: {"type": "integer"} for figure in FIGURES}, **{rate: ref("Ratio") for rate in RATES}}}

OPENAPI_SCHEMAS = {
    "Ratio": _RATIO,
    "StatsRow": _ROW,
    "StatsTable": {"type": "object", "required": ["from", "to", "group_by", "rows", "total"], "properties": {
        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        "period": {"type": "string"}, "group_by": {"type": "string", "enum": list(GROUPS)},
        "scope": {"type": "string"}, "as_of": {"type": ["string", "null"], "format": "date-time"},
        "rows": {"type": "array", "items": ref("StatsRow")}, "total": ref("StatsRow"), "summary": {"type": "string"}}},
}

_DAY = {"type": "string", "format": "date"}
_PARAMETERS = [
    query_param("from", _DAY, "first day included (Vietnam time)", required=True),
    query_param("to", _DAY, "first day NOT included (half-open period), after from", required=True),
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
    "/api/v1/stats/export.xlsx": {"get": {
        "summary": "Cùng số liệu, dạng XLSX", "security": BEARER, "parameters": _PARAMETERS,
        "responses": {"200": binary_response("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                             headers=_FILE_HEADERS), **_ERRORS},
    }},
}
