"""Administrators change procedures in the application, as versions.

Every change (an edit of the administration page, a template file uploaded for a document) is
checked by the catalogue's own rules (``portal.operations.catalogue.procedure_problems``, the
same as ``flask catalogue load``), needs a reason (the decision's number), and becomes a new row
of ``procedure_versions`` with the full entry; the live ``procedures`` row follows and carries
the version's number. Dossiers keep the version they were filed under (``Dossier.terms``).
Each change is an audit entry ``procedure.changed`` with the changed attributes only.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Agency, Procedure, ProcedureVersion, User
from portal.operations import audit
from portal.operations.catalogue import (
    PROCEDURE_OPTIONAL,
    Problem,
    procedure_problems,
    version_snapshot,
)
from portal.operations.catalogue import new_version as _new_version
from portal.operations.errors import DomainError
from portal.operations.uploads import checked_content
from portal.storage import put_blob
from portal.text import fold

#: What the administration page may change (keys of the catalogue entry, plus publication).
EDITABLE = (
    "name_vi", "name_en", "national_code", "level", "processing_days", "online_processing_days",
    "remote_processing_days", "permit", "clock_rules", "fee",
    "legal_basis", "conditions_vi", "conditions_en", "applicants_vi", "result_vi", "result_en", "documents",
    "form", "steps", "is_published",
)
MAX_REASON = 500
MAX_TEMPLATE_BYTES = 10 * 1024 * 1024

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc and .xls
OLE2_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
ZIP_TYPES = {  # a part that only that kind of package has -> its type
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {
    "application/pdf": ".pdf", "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    ZIP_TYPES["word/document.xml"]: ".docx", ZIP_TYPES["xl/workbook.xml"]: ".xlsx", ODT: ".odt",
}


class ProcedureError(DomainError):
    """A refused change of a procedure; ``problems`` lists what the catalogue rules found."""

    def __init__(self, code: str, detail: str = "", problems: list[Problem] | None = None, **params: object):
        super().__init__(code, detail, **params)
        self.problems = problems or []


class ProcedureNotFound(ProcedureError):
    status = 404


class ProcedureChangedMeanwhile(ProcedureError):
    status = 409


@dataclass(frozen=True)
class SavedChange:
    """A saved change: the new version and what it changed (attribute -> (before, after))."""

    version: ProcedureVersion
    changes: dict


@dataclass(frozen=True)
class AdminFilter:
    q: str = ""
    agency: str = ""
    level: int | None = None
    published: bool | None = None


def list_procedures(criteria: AdminFilter) -> list[Procedure]:
    """Every procedure (published or not) matching the filters, for the administration list."""
    query = select(Procedure).options(joinedload(Procedure.agency), joinedload(Procedure.field))
    for word in fold(criteria.q).split()[:8]:
        query = query.where(or_(Procedure.search_text.contains(word, autoescape=True),
                                Procedure.code.contains(word, autoescape=True)))
    if criteria.agency:
        query = query.join(Agency, Procedure.agency_id == Agency.id).where(Agency.code == criteria.agency)
    if criteria.level is not None:
        query = query.where(Procedure.level == criteria.level)
    if criteria.published is not None:
        query = query.where(Procedure.is_published.is_(criteria.published))
    return list(db.session.scalars(query.order_by(Procedure.seed_item, Procedure.code).limit(500)))


def find_procedure(code: str, *, for_change: bool = False) -> Procedure:
    """The procedure ``code``; locked (PostgreSQL) when it is about to change, so two saves
    of the same procedure run one after the other."""
    query = select(Procedure).where(Procedure.code == code)
    row = db.session.scalar(query.with_for_update() if for_change else query)
    if row is None:
        raise ProcedureNotFound("unknown_procedure")
    return row


def history(procedure: Procedure) -> list[tuple[ProcedureVersion, dict]]:
    """The versions, newest first, each with what it changed from the one before
    (attribute -> (before, after); empty for the first)."""
    versions = db.session.scalars(
        select(ProcedureVersion).options(joinedload(ProcedureVersion.author))
        .where(ProcedureVersion.procedure_id == procedure.id).order_by(ProcedureVersion.number)
    ).all()
    out, previous = [], None
    for version in versions:
        out.append((version, changes_between(previous, version.snapshot) if previous is not None else {}))
        previous = version.snapshot
    return list(reversed(out))


def changes_between(before: dict, after: dict) -> dict:
    """attribute -> (before, after), for the attributes that differ."""
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: (before.get(k), after.get(k)) for k in keys}


def version_count(procedure: Procedure) -> int:
    return db.session.scalar(select(func.count()).where(ProcedureVersion.procedure_id == procedure.id)) or 0


# ---------------------------------------------------------------------------------------------
# Changing a procedure


def change_procedure(procedure: Procedure, changes: dict, reason: str, by: User,
                     base_version: int | None = None, *, keep_templates: bool = True) -> SavedChange:
    """Apply ``changes`` (entry key -> new value, keys of ``EDITABLE``) as a new version by ``by``
    for ``reason``; refused (nothing written) when a rule of the catalogue is broken, the reason
    is missing, nothing changes, or the procedure is no longer at ``base_version`` (the version
    the editor started from: someone else's change is never overwritten unseen)."""
    if base_version is not None and base_version != procedure.version:
        raise ProcedureChangedMeanwhile("procedure_changed_meanwhile", version=procedure.version)
    reason = (reason or "").strip()
    if not reason:
        raise ProcedureError("reason_required")
    if len(reason) > MAX_REASON:
        raise ProcedureError("reason_too_long", limit=MAX_REASON)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ProcedureError("invalid_input", field=", ".join(unknown))
    before = version_snapshot(procedure)
    after = {**before, **changes}
    if after.get("national_code") in (None, ""):
        after.pop("national_code", None)
    for key, default in PROCEDURE_OPTIONAL.items():  # as the catalogue files write them: only when set
        if after.get(key) in (default, {}):
            after.pop(key, None)
    if keep_templates and isinstance(changes.get("documents"), list):
        after["documents"] = _keep_templates(before["documents"], changes["documents"])
    is_published = after.pop("is_published")
    agency_codes = set(db.session.scalars(select(Agency.code)))  # link-up steps may name any agency
    problems = procedure_problems(after, {procedure.field.code}, agency_codes)
    if not isinstance(is_published, bool):
        problems.append(Problem("invalid_input", "is_published must be true or false", field="is_published"))
    if problems:
        raise ProcedureError("procedure_invalid", problems=problems)
    changed = changes_between(before, {**after, "is_published": is_published})
    if not changed:
        raise ProcedureError("procedure_unchanged")
    version = _new_version(procedure, after, is_published, procedure.field, procedure.agency,
                           author=by, reason=reason)
    audit.record("procedure.changed", user=by, object_type="procedure", object_id=procedure.code,
                 version=version.number, before={k: b for k, (b, _a) in changed.items()},
                 after={k: a for k, (_b, a) in changed.items()}, reason=reason)
    return SavedChange(version, changed)


def _keep_templates(before: list[dict], documents: list) -> list:
    """The documents as edited, each keeping the template file its key had (the text editor
    does not show files; a file changes only by an upload)."""
    files = {d.get("key"): d["template_file"] for d in before if d.get("template_file")}
    return [{**d, "template_file": files[d.get("key")]}
            if isinstance(d, dict) and "template_file" not in d and d.get("key") in files else d
            for d in documents]


# ---------------------------------------------------------------------------------------------
# Template files (mẫu đơn, tờ khai) of a document


def template_content_type(data: bytes, filename: str) -> str | None:
    """The type of a template file from its content: PDF, DOC/XLS (OLE2, told apart by the
    name), DOCX/XLSX (their main part) or ODT (its ``mimetype``); None for anything else."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(OLE2):
        return OLE2_TYPES.get(PurePosixPath(filename.lower()).suffix)
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = set(package.namelist())
                if "mimetype" in names and package.getinfo("mimetype").file_size < 100:
                    return ODT if package.read("mimetype").strip() == ODT.encode() else None
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
            return None
        return next((kind for part, kind in ZIP_TYPES.items() if part in names), None)
    return None


def _template_name(filename: str, content_type: str) -> str:
    base = PureWindowsPath(PurePosixPath(filename).name).name
    stem = re.sub(r"[\x00-\x1f\x7f\"\\/:*?<>|]+", " ", base.rsplit(".", 1)[0]).strip()[:150] or "mau"
    return stem + EXTENSIONS[content_type]


def attach_template(procedure: Procedure, document_key: str, filename: str, data: bytes, reason: str,
                    by: User) -> SavedChange:
    """Store ``data`` as the template file of the document ``document_key`` (a new version)."""
    if not any(d.get("key") == document_key for d in procedure.documents):
        raise ProcedureError("unknown_document")
    if not (reason or "").strip():
        raise ProcedureError("reason_required")  # before the file is stored
    if not data:
        raise ProcedureError("empty_file")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ProcedureError("file_too_large", limit=MAX_TEMPLATE_BYTES // (1024 * 1024))
    content_type = template_content_type(data, filename or "")
    if content_type is None:
        raise ProcedureError("template_type")
    if content_type == "application/pdf":
        try:
            data = checked_content(data, content_type)
        except DomainError as error:  # what the structural check of a PDF found
            raise ProcedureError(error.code, error.detail, **error.params) from None
    blob = put_blob(data, content_type)
    template_file = {"name": _template_name(filename or "", content_type), "sha256": blob.sha256,
                     "content_type": content_type, "size": len(data)}
    documents = [{**d, "template_file": template_file} if d.get("key") == document_key else d
                 for d in procedure.documents]
    return change_procedure(procedure, {"documents": documents}, reason, by)


def remove_template(procedure: Procedure, document_key: str, reason: str, by: User) -> SavedChange:
    """The document ``document_key`` no longer has a template file (a new version; the stored
    file stays, earlier versions refer to it)."""
    if template_of(procedure, document_key) is None:
        raise ProcedureError("no_template")
    documents = [{k: v for k, v in d.items() if k != "template_file"} if d.get("key") == document_key else d
                 for d in procedure.documents]
    return change_procedure(procedure, {"documents": documents}, reason, by, keep_templates=False)


def template_of(procedure: Procedure, document_key: str) -> dict | None:
    """The template file of a document of the live procedure, or None."""
    return next((d.get("template_file") for d in procedure.documents
                 if d.get("key") == document_key and d.get("template_file")), None)
