"""Provable appointments in the API: the same calculation and recomputation as the public page
``/hen-tra/<code>`` (``portal.operations.appointments``), public, without personal data."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.api.blueprint import bp
from portal.api.common import iso
from portal.api.openapi import errors, json_response, path_param, ref
from portal.errors import api_error
from portal.operations.appointments import ProofCheck, check_proof, display_code


def proof_json(check: ProofCheck) -> dict:
    calc, proof = check.calculation, check.proof
    code = display_code(proof.code)
    return {
        "code": code,
        "kind": proof.kind,
        "page_url": url_for("appointments.proof", code=code, _external=True),
        "dossier_code": calc.get("dossier_code"),
        "procedure": check.procedure_name,
        "agency": check.agency_name,
        "due_at": iso(proof.due_at),
        "computed_at": iso(proof.computed_at),
        "calendar_hash": proof.calendar_hash,
        "calculation": {
            "received_at": calc["received_at"], "legal_days": calc["legal_days"],
            "budget_minutes": calc["budget_minutes"], "working_hours": calc["working_hours"],
            "weekend": calc["weekend"], "span": calc["span"], "calendar_entries": calc["entries"],
            "pauses": [{"from": p[0], "to": p[1], "kind": p[2] if len(p) > 2 else "supplement"} for p in calc["pauses"]],
            "extension": calc.get("extension"),
        },
        "recomputed": {
            "due_at": iso(check.recomputed_due), "matches": check.matches,
            "calendar_changed": check.calendar_changed, "calendar_entries": check.entries_now,
            "added": check.added, "removed": check.removed, "working_hours": check.hours_now,
            "previous_due_at": iso(check.recomputed_previous_due), "in_time": check.in_time_now,
        },
    }


@bp.get("/appointments/<code>")
def appointment_proof(code: str):
    check = check_proof(code)
    if check is None:
        return api_error(404, "Không có mã kiểm tra ngày hẹn này.")
    return jsonify(proof_json(check))


_DT = {"type": ["string", "null"], "format": "date-time"}
_ENTRY = {"type": "object", "properties": {"date": {"type": "string", "format": "date"},
                                           "kind": {"type": "string", "enum": ["public_holiday", "day_off",
                                                                              "working_day", "swapped_working_day"]},
                                           "name": {"type": "string"}}}

OPENAPI_SCHEMAS = {
    "AppointmentProof": {
        "type": "object",
        "required": ["code", "kind", "due_at", "calendar_hash", "calculation", "recomputed"],
        "properties": {
            "code": {"type": "string"}, "kind": {"type": "string", "enum": ["receipt", "apology"]},
            "page_url": {"type": "string", "format": "uri"}, "dossier_code": {"type": ["string", "null"]},
            "procedure": {"type": "string"}, "agency": {"type": "string"}, "due_at": _DT, "computed_at": _DT,
            "calendar_hash": {"type": "string", "description": "SHA-256 of the calendar over the span used"},
            "calculation": {"type": "object", "description": "how the printed appointment was computed",
                            "properties": {"calendar_entries": {"type": "array", "items": _ENTRY}}},
            "recomputed": {"type": "object", "description": "the same calculation with today's calendar",
                           "properties": {"due_at": _DT, "matches": {"type": "boolean"},
                                          "calendar_changed": {"type": "boolean"},
                                          "added": {"type": "array", "items": _ENTRY},
                                          "removed": {"type": "array", "items": _ENTRY}}},
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/appointments/{code}": {
        "get": {
            "summary": "Kiểm tra ngày hẹn trả kết quả theo mã in trên giấy tiếp nhận hoặc phiếu xin lỗi (công khai): "
                       "cách tính và kết quả tính lại theo lịch làm việc hiện hành",
            "parameters": [path_param("code")],
            "responses": {"200": json_response(ref("AppointmentProof"), "The calculation and its recomputation"),
                          **errors(s404="Unknown code")},
        }
    },
}
