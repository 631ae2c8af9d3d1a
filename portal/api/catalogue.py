from __future__ import annotations

from flask import jsonify, request

from portal.api.blueprint import bp
from portal.catalogue.queries import ProcedureFilter, get_procedure, search_procedures
from portal.catalogue.schema import form_json_schema
from portal.errors import api_error
from portal.models import Procedure

MAX_PER_PAGE = 100


def procedure_summary(p: Procedure) -> dict:
    return {
        "code": p.code,
        "name": p.name_vi,
        "name_en": p.name_en,
        "field": {"code": p.field.code, "name": p.field.name_vi},
        "agency": {"code": p.agency.code, "identifier": p.agency.identifier, "name": p.agency.name_vi},
        "level": p.level,
        "level_name": {3: "một phần", 4: "toàn trình"}.get(p.level, "thông tin"),
        "processing_days": p.processing_days,
        "online_processing_days": p.online_processing_days,
        "fee": {"amount": p.fee_amount, "text": p.fee_text_vi, "basis": p.fee_basis},
    }


def procedure_detail(p: Procedure) -> dict:
    return {
        **procedure_summary(p),
        "legal_basis": p.legal_basis,
        "conditions": p.conditions_vi,
        "applicants": p.applicants_vi,
        "documents": p.documents,
        "form": form_json_schema(p.form_schema, p.name_vi),
        "form_version": p.form_version,
        "steps": p.steps,
        "result": p.result_vi,
        "result_delivery": p.result_delivery,
        "source": p.source,
    }


def _int_arg(name: str, default: int | None, low: int, high: int):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default, None
    if not raw.isdigit() or not low <= int(raw) <= high:
        return None, api_error(400, f"Tham số {name} phải là số nguyên từ {low} đến {high}.", "bad_parameter")
    return int(raw), None


@bp.get("/procedures")
def list_procedures():
    level, error = _int_arg("level", None, 2, 4)
    if error:
        return error
    page, error = _int_arg("page", 1, 1, 100_000)
    if error:
        return error
    per_page, error = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    if error:
        return error
    criteria = ProcedureFilter(q=request.args.get("q", "")[:200], field=request.args.get("field", ""),
                               agency=request.args.get("agency", ""), level=level)
    result = search_procedures(criteria, page, per_page)
    return jsonify({"items": [procedure_summary(p) for p in result.items], "total": result.total,
                    "page": result.page, "per_page": result.per_page})


@bp.get("/procedures/<code>")
def show_procedure(code: str):
    procedure = get_procedure(code)
    if procedure is None:
        return api_error(404, f"Không có thủ tục mã {code}.")
    return jsonify(procedure_detail(procedure))
