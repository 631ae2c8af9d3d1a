"""What the API says about a dossier: one serialisation for every endpoint that returns one."""

from __future__ import annotations

from sqlalchemy import select

from portal.api.common import iso
from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, User
from portal.models.files import FileKind
from portal.operations import result_signing
from portal.operations.applicant import applicant_result, result_file
from portal.operations.dossiers import can_see
from workflow.states import NATIONAL_CODE, Channel, Status, Timeliness


def _files_json(dossier: Dossier, viewer: User) -> tuple[list[dict], dict | None]:
    kinds = (FileKind.DOCUMENT, FileKind.FORM) if viewer.id == dossier.applicant_id else (
        FileKind.DOCUMENT, FileKind.SCAN, FileKind.RESULT_DRAFT, FileKind.FORM)
    rows = db.session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind.in_(kinds), DossierFile.superseded_at.is_(None))
        .order_by(DossierFile.id)).all()
    documents = [{"id": f.id, "kind": f.kind, "document_key": f.document_key, "name": f.original_name,
                  "content_type": f.blob.content_type, "size": f.blob.size, "uploaded_at": iso(f.uploaded_at),
                  "download": f"/api/v1/dossiers/{dossier.id}/files/{f.id}"} for f in rows]
    result = applicant_result(dossier) if viewer.id == dossier.applicant_id else result_file(dossier)
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
        "supplement_requests": dossier.supplement_requests or 0,
        "finished_at": iso(dossier.finished_at),
        "returned_at": iso(dossier.returned_at),
        "timeliness": dossier.timeliness,
        "version": dossier.version,
        "form_version": dossier.form_version,
        "data": dossier.form_data,
        "applicant": dossier.applicant if viewer.role != "citizen" or viewer.id == dossier.applicant_id else {},
        "documents": documents,
        "result": result,
        # deferred signing (docs/signatures.md): the decision is recorded, its result not yet signed
        "result_signed": dossier.result_signed,
        "result_signing": (state.value if (state := result_signing.state_of(result_signing.pending_job(dossier)))
                           else None),
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


_DT = {"type": ["string", "null"], "format": "date-time"}
_NAMED = {"type": "object", "required": ["code", "name"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
_STATUS = {"type": "string", "enum": [s.value for s in Status]}

#: The schemas of what this module writes, published under components/schemas.
OPENAPI_SCHEMAS = {
    "Dossier": {
        "type": "object",
        "required": ["id", "code", "procedure", "agency", "status", "status_code", "channel", "version", "history",
                     "documents", "result"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": ["string", "null"], "description": "null while a draft"},
            "procedure": _NAMED, "agency": _NAMED, "status": _STATUS,
            "status_code": {"type": ["integer", "null"], "minimum": 1, "maximum": 10,
                            "description": "the national status code (1-10); null for a draft"},
            "channel": {"type": "string", "enum": [c.value for c in Channel]},
            "step": {"type": ["string", "null"]}, "holder_role": {"type": ["string", "null"]},
            "submitted_at": _DT, "received_at": _DT, "due_at": _DT, "original_due_at": _DT,
            "paused": {"type": "boolean"}, "supplement_requests": {"type": "integer"}, "finished_at": _DT, "returned_at": _DT,
            "timeliness": {"type": ["string", "null"], "enum": [t.value for t in Timeliness] + [None]},
            "version": {"type": "integer"}, "form_version": {"type": "integer"},
            "data": {"type": "object", "description": "the e-form data"},
            "applicant": {"type": "object", "description": "the applicant's details (empty for other citizens)"},
            "documents": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "name", "download"], "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"}, "document_key": {"type": ["string", "null"]},
                "name": {"type": "string"}, "content_type": {"type": "string"}, "size": {"type": "integer"},
                "uploaded_at": _DT, "download": {"type": "string"}}}},
            "result_signed": {"type": "boolean", "description": "the result (or the written refusal) is signed"},
            "result_signing": {"type": ["string", "null"], "enum": [s.value for s in result_signing.SigningState] + [None],
                               "description": "the leader decided and the result's signatures are pending (a job of "
                                              "the outbox; failed: it needs the leader or an administrator to retry); "
                                              "null when nothing waits"},
            "result": {"type": ["object", "null"], "required": ["id", "name", "download"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "sha256": {"type": "string"},
                "download": {"type": "string"}}},
            "history": {"type": "array", "items": {"type": "object", "required": ["action", "to", "at"], "properties": {
                "action": {"type": "string"}, "from": {"type": ["string", "null"]}, "to": {"type": "string"},
                "at": {"type": "string", "format": "date-time"}, "by_role": {"type": "string"},
                "comment": {"type": ["string", "null"]}, "step_from": {"type": ["string", "null"]},
                "step_to": {"type": ["string", "null"]}, "due_at": _DT,
                "step_timeliness": {"type": ["string", "null"]}}}},
        },
    },
}
