"""Dossier endpoints shared by citizens and officers: read one, act on one."""

from __future__ import annotations

from datetime import datetime

from flask import g, jsonify, send_file
from sqlalchemy import select

from portal.api import bp
from portal.api.common import iso, json_body, token_required
from portal.errors import api_error
from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, User
from portal.operations import dossiers
from portal.operations.dossiers import ActionInput, can_see
from workflow.states import NATIONAL_CODE, Status


def _files_json(dossier: Dossier, viewer: User) -> tuple[list[dict], dict | None]:
    from portal.operations.filing import result_file

    kinds = ("document", "form") if viewer.id == dossier.applicant_id else ("document", "scan", "result_draft", "form")
    rows = db.session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind.in_(kinds), DossierFile.superseded_at.is_(None))
        .order_by(DossierFile.id)).all()
    documents = [{"id": f.id, "kind": f.kind, "document_key": f.document_key, "name": f.original_name,
                  "content_type": f.blob.content_type, "size": f.blob.size, "uploaded_at": iso(f.uploaded_at),
                  "download": f"/api/v1/dossiers/{dossier.id}/files/{f.id}"} for f in rows]
    result = result_file(dossier)
    return documents, ({"id": result.id, "name": result.original_name, "sha256": result.blob_sha256,
                        "download": f"/api/v1/dossiers/{dossier.id}/files/{result.id}"} if result else None)


def dossier_json(dossier: Dossier, viewer: User) -> dict:
    history = db.session.query(DossierEvent).filter(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.seq)
    documents, result = _files_json(dossier, viewer)
    return {
        "id": dossier.id,
        "code": dossier.code,
        "procedure": {"code": dossier.procedure.code, "name": dossier.procedure.name_vi},
        "agency": {"code": dossier.agency.code, "name": dossier.agency.name_vi},
        "status": dossier.status,
        "status_code": NATIONAL_CODE[Status(dossier.status)],
        "channel": dossier.channel,
        "step": dossier.step_key,
        "holder_role": dossier.holder_role,
        "submitted_at": iso(dossier.submitted_at),
        "received_at": iso(dossier.received_at),
        "due_at": iso(dossier.due_at),
        "original_due_at": iso(dossier.original_due_at),
        "paused": dossier.paused_since is not None,
        "finished_at": iso(dossier.finished_at),
        "returned_at": iso(dossier.returned_at),
        "timeliness": dossier.timeliness,
        "version": dossier.version,
        "form_version": dossier.form_version,
        "data": dossier.form_data,
        "applicant": dossier.applicant if viewer.role != "citizen" or viewer.id == dossier.applicant_id else {},
        "documents": documents,
        "result": result,
        "history": [
            {"action": e.action, "from": e.from_status, "to": e.to_status, "at": iso(e.at), "by_role": e.actor_role,
             "comment": e.comment, "step_from": e.from_step, "step_to": e.to_step, "due_at": iso(e.due_at),
             "step_timeliness": e.step_timeliness}
            for e in history
        ],
    }


def visible_dossier(dossier_id: int, user: User) -> Dossier | None:
    dossier = db.session.get(Dossier, dossier_id)
    return dossier if dossier is not None and can_see(user, dossier) else None


@bp.get("/dossiers/<int:dossier_id>")
@token_required
def show_dossier(dossier_id: int):
    dossier = visible_dossier(dossier_id, g.api_user)
    if dossier is None:
        return api_error(404)
    return jsonify(dossier_json(dossier, g.api_user))


@bp.get("/dossiers/<int:dossier_id>/files/<int:file_id>")
@token_required
def download_file(dossier_id: int, file_id: int):
    from portal.operations.filing import FilingError, downloadable_file
    from portal.storage import blob_path

    try:
        row, dossier = downloadable_file(file_id, g.api_user)
    except FilingError:
        return api_error(404)
    if dossier.id != dossier_id:
        return api_error(404)
    response = send_file(blob_path(row.blob_sha256), mimetype=row.blob.content_type, as_attachment=True,
                         download_name=row.original_name, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive")
    return parsed


@bp.post("/dossiers/<int:dossier_id>/actions/<action>")
@token_required
def dossier_action(dossier_id: int, action: str):
    body = json_body()
    from portal.api import filing  # the applicant's own actions go through the filing operations
    if g.api_user.role == "citizen" and action in filing.APPLICANT_ACTIONS:
        return filing.applicant_action(dossier_id, action, body)
    try:
        data = ActionInput(
            version=int(body["version"]) if body.get("version") is not None else None,
            reason=str(body.get("reason") or body.get("comment") or "")[:4000],
            new_due_at=_parse_time(body.get("new_due_at")),
            assignee_id=int(body["assignee_id"]) if body.get("assignee_id") is not None else None,
            items=[str(i)[:1000] for i in body.get("items") or []][:50],
            result_kind=body.get("result_kind"),
            delivery=body.get("delivery"),
        )
    except (TypeError, ValueError, KeyError):
        return api_error(422, "Dữ liệu kèm thao tác không hợp lệ (version, new_due_at có múi giờ, assignee_id, items).")
    if g.api_user.role != "citizen" and data.version is None:
        return api_error(422, "Cần gửi version của hồ sơ để tránh ghi đè thay đổi của người khác.", "version_required")
    try:
        dossier = dossiers.perform(dossier_id, action, g.api_user, data)
    except dossiers.DossierError as error:
        db.session.rollback()
        return api_error(error.status, error.detail or error.code, error.code)
    db.session.commit()
    return jsonify(dossier_json(dossier, g.api_user))


OPENAPI_PATHS = {
    "/api/v1/dossiers/{dossier_id}": {
        "get": {
            "summary": "Một hồ sơ: trạng thái, mã trạng thái quốc gia, hạn, lịch sử",
            "security": [{"bearer": []}],
            "parameters": [{"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "OK"}, "404": {"description": "Unknown or not yours"}},
        }
    },
    "/api/v1/dossiers/{dossier_id}/files/{file_id}": {
        "get": {
            "summary": "Tải một tệp của hồ sơ (giấy tờ, biểu mẫu đã ký, kết quả đã ký)",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "file_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "responses": {"200": {"description": "The file"}, "404": {"description": "Unknown or not yours"}},
        }
    },
    "/api/v1/dossiers/{dossier_id}/actions/{action}": {
        "post": {
            "summary": "Thực hiện một thao tác trên hồ sơ (tiếp nhận, chuyển, yêu cầu bổ sung, ...)",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "action", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                "version": {"type": "integer"}, "reason": {"type": "string"}, "comment": {"type": "string"},
                "new_due_at": {"type": "string", "format": "date-time"}, "assignee_id": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"200": {"description": "The dossier after the action"},
                          "403": {"description": "Wrong role or not your step"},
                          "404": {"description": "Unknown or not yours"},
                          "409": {"description": "Stale version or not allowed from this status"},
                          "422": {"description": "Missing reason or bad data"}},
        }
    },
}
