from __future__ import annotations

from flask import jsonify, request, url_for

from portal.api.blueprint import bp
from portal.api.openapi import errors, json_response, nullable, path_param, query_param, ref
from portal.catalogue.queries import ProcedureFilter, get_procedure, search_procedures
from portal.catalogue.schema import form_json_schema
from portal.errors import api_error
from portal.models import Agency, Procedure
from portal.models.agency import AGENCY_LEVELS
from portal.text import public_text

MAX_PER_PAGE = 100


def agency_info(agency: Agency) -> dict:
    """The competent agency: names, level, printed header, contacts and its one-stop unit."""
    unit = agency.one_stop_unit
    return {
        "code": agency.code, "identifier": agency.identifier, "name": agency.name_vi, "name_en": agency.name_en,
        "level": agency.level, "governing_body": agency.governing_body, "printed_name": agency.printed_name,
        "phone": agency.phone, "email": agency.email, "address": agency.address,
        "one_stop_unit": {"code": unit.code, "identifier": unit.identifier, "name": unit.name_vi, "phone": unit.phone,
                          "address": unit.address} if unit is not None else None,
    }


def procedure_summary(p: Procedure) -> dict:
    return {
        "code": p.code,
        "name": p.name_vi,
        "name_en": p.name_en,
        "field": {"code": p.field.code, "name": p.field.name_vi},
        "agency": agency_info(p.agency),
        "level": p.level,
        "level_name": {3: "một phần", 4: "toàn trình"}.get(p.level, "thông tin"),
        "processing_days": p.processing_days,
        "online_processing_days": p.online_processing_days,
        "fee": {"amount": p.fee_amount, "text": public_text(p.fee_text_vi),
                "basis": public_text(p.fee_basis) if p.fee_basis else p.fee_basis},
        "permit": p.permit,
    }


def procedure_detail(p: Procedure) -> dict:
    return {
        **procedure_summary(p),
        "legal_basis": [public_text(item) for item in p.legal_basis],
        "conditions": public_text(p.conditions_vi),
        "applicants": public_text(p.applicants_vi),
        "remote_processing_days": p.remote_processing_days,
        "documents": [_document(p, document) for document in p.documents],
        "form": form_json_schema(p.form_schema, p.name_vi),
        "form_version": p.form_version,
        "version": p.version,
        "steps": p.steps,
        "result": public_text(p.result_vi),
        "result_delivery": p.result_delivery,
        # the public description of where the entry comes from; the catalogue's internal
        # verification notes (note_vi, verified) stay on the administration pages
        "source": {"description_vi": public_text((p.source or {}).get("description_vi"))},
    }


def _document(p: Procedure, document: dict) -> dict:
    template_url = (url_for("catalogue.template_file", code=p.code, key=document["key"], _external=True)
                    if document.get("template_file") else None)
    public = {**document, "name_vi": public_text(document.get("name_vi")),
              "template": public_text(document["template"]) if document.get("template") else document.get("template")}
    return {**public, "name": public["name_vi"], "template_url": template_url}


def _int_arg(name: str, default: int | None, low: int, high: int):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default, None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
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


_NAMED = {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}

OPENAPI_SCHEMAS = {
    "Agency": {
        "type": "object",
        "required": ["code", "identifier", "name", "level"],
        "properties": {
            "code": {"type": "string"}, "identifier": {"type": "string", "description": "national electronic identifier"},
            "name": {"type": "string"}, "name_en": {"type": "string"},
            "level": {"type": "string", "enum": list(AGENCY_LEVELS)},
            "governing_body": nullable("string"), "printed_name": nullable("string"),
            "phone": nullable("string"), "email": nullable("string"), "address": nullable("string"),
            "one_stop_unit": {"type": ["object", "null"], "properties": {
                "code": {"type": "string"}, "identifier": {"type": "string"}, "name": {"type": "string"},
                "phone": nullable("string"), "address": nullable("string")}},
        },
    },
    "ProcedureSummary": {
        "type": "object",
        "required": ["code", "name", "field", "agency", "level", "processing_days", "fee"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
            "field": _NAMED,
            "agency": ref("Agency"),
            "level": {"type": "integer", "enum": [2, 3, 4]}, "level_name": {"type": "string"},
            "processing_days": {"type": "integer"}, "online_processing_days": nullable("integer"),
            "fee": {"type": "object", "properties": {"amount": {"type": "integer"}, "text": {"type": "string"},
                                                     "basis": nullable("string")}},
            "permit": {"type": "boolean", "description": "grants a permit, licence or certificate"},
        },
    },
    "Procedure": {"allOf": [ref("ProcedureSummary"), {
        "type": "object",
        "required": ["documents", "form", "steps"],
        "properties": {
            "legal_basis": {"type": "array"}, "conditions": {"type": "string"}, "applicants": {"type": "string"},
            "remote_processing_days": {**nullable("integer"), "description": "the longer time limit for agencies "
                                       "in remote and difficult areas (vùng sâu, vùng xa), if the procedure has one"},
            "documents": {"type": "array", "items": {"type": "object", "required": ["key", "name", "required"], "properties": {
                "key": {"type": "string"}, "name": {"type": "string"}, "name_vi": {"type": "string"},
                "name_en": {"type": "string"}, "required": {"type": "boolean"}, "multiple": {"type": "boolean"},
                "quantity": {"type": "integer"}, "original": {"type": "string"}, "template": {"type": ["string", "null"]},
                "template_file": {"type": ["object", "null"], "description": "the template file (mẫu đơn, tờ khai), "
                                  "downloadable from the procedure's public page", "properties": {
                                      "name": {"type": "string"}, "sha256": {"type": "string"},
                                      "content_type": {"type": "string"}, "size": {"type": "integer"}}},
                "template_url": {"type": ["string", "null"], "format": "uri",
                                 "description": "where to download the template file, if any"}}}},
            "form": {"type": "object", "description": "JSON Schema (2020-12) of the e-form fields"},
            "form_version": {"type": "integer"},
            "version": {"type": "integer", "description": "the procedure's live version (changes made by administrators)"},
            "steps": {"type": "array", "items": {"type": "object"}},
            "result": {"type": "string"}, "result_delivery": {"type": "array"}, "source": {"type": "object"},
        },
    }]},
    "ProcedureList": {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {"items": {"type": "array", "items": ref("ProcedureSummary")}, "total": {"type": "integer"},
                       "page": {"type": "integer"}, "per_page": {"type": "integer"}},
    },
}

OPENAPI_PATHS = {
    "/api/v1/procedures": {
        "get": {
            "summary": "Tra cứu danh mục thủ tục",
            "parameters": [
                query_param("q", {"type": "string"}, "Từ khóa, có hoặc không dấu (200 ký tự đầu)"),
                query_param("field", {"type": "string"}, "mã lĩnh vực"),
                query_param("agency", {"type": "string"}, "mã cơ quan"),
                query_param("level", {"type": "integer", "enum": [2, 3, 4]}, "mức độ dịch vụ công"),
                query_param("page", {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1}),
                query_param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}),
            ],
            "responses": {"200": json_response(ref("ProcedureList")), **errors(s400="A malformed or out-of-range parameter")},
        }
    },
    "/api/v1/procedures/{code}": {
        "get": {
            "summary": "Chi tiết thủ tục: giấy tờ, biểu mẫu điện tử (JSON Schema), quy trình",
            "parameters": [path_param("code")],
            "responses": {"200": json_response(ref("Procedure")), **errors(s404="Unknown or unpublished procedure")},
        }
    },
}
