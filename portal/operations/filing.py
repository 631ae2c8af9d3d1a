"""Online filing by citizens: loading their own dossiers, drafts, attachments (and which fields
and documents a supplement request reopens), idempotent submission. What the applicant does
after submission (the lookup by code, supplement answers, withdrawal, rating, feedback,
downloads) is ``portal.operations.applicant``.

Operations flush; the view (or the API endpoint) commits once. Each failure is a ``FilingError``
with an HTTP ``status`` and a stable ``code``; ``portal.messages.message_for`` turns the code into a
sentence. Files are written through ``portal.storage.put_blob``, which removes them again when
the transaction rolls back, so a failed upload or submission leaves no orphan file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.database import add_as_inserted
from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, FileBlob, Procedure, User
from portal.models.dossier import DossierSource
from portal.models.files import FileKind
from portal.models.types import utcnow
from portal.operations import dossiers, idempotency
from portal.operations.errors import DomainError
from portal.operations.lifecycle import ActionInput, apply_action
from portal.operations.uploads import checked_content, photo_as_pdf
from portal.storage import put_blob, put_blobs, sniff_content_type
from workflow.states import Action, DeliveryMethod, Status

PDF = "application/pdf"
PHOTO_TYPES = ("image/jpeg", "image/png")
DEFAULT_TYPES = (PDF, *PHOTO_TYPES)
MAX_FILES_PER_DOCUMENT = 10
DELIVERY_METHODS = frozenset(DeliveryMethod)  # for ``in`` tests of stored strings


class FilingError(DomainError):
    """A use-case failure: ``status`` is the HTTP status, ``code`` the message key."""

    def __init__(self, code: str, status: int = 422, **params):
        super().__init__(code)
        self.status = status
        self.params = params


def from_dossier_error(error: dossiers.DossierError) -> FilingError:
    return FilingError(error.code, error.status)


# ---------------------------------------------------------------------------------------------
# Loading


def own_dossier(dossier_id: int, user: User, *, lock: bool = False) -> Dossier:
    """The citizen's own dossier; anyone else's (or an unknown id) is a 404."""
    if lock:
        try:
            dossier = dossiers.load_for_update(dossier_id, user)
        except dossiers.DossierNotFound:
            raise FilingError("not_found", 404) from None
    else:
        dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or dossier.applicant_id != user.id:
        raise FilingError("not_found", 404)
    return dossier


def my_dossiers(user: User) -> list[Dossier]:
    return list(db.session.scalars(
        select(Dossier).where(Dossier.applicant_id == user.id).order_by(Dossier.updated_at.desc(), Dossier.id.desc())
    ))


def open_draft(user: User, procedure: Procedure) -> Dossier | None:
    return db.session.scalar(
        select(Dossier).where(Dossier.applicant_id == user.id, Dossier.procedure_id == procedure.id,
                              Dossier.status == Status.DRAFT.value).order_by(Dossier.id.desc()).limit(1)
    )


# ---------------------------------------------------------------------------------------------
# Drafts


def _replay(user: User, key: str, digest: str) -> Dossier | None:
    dossier_id = idempotency.recorded(user, key, digest)
    return db.session.get(Dossier, dossier_id) if dossier_id is not None else None


def start_draft(user: User, procedure: Procedure, data: dict, key: str | None = None,
                identity: dict | None = None) -> tuple[Dossier, bool]:
    """A new draft with the e-form ``data``; with ``key`` a replay returns the first draft.
    ``identity``: the population database's stamp of the applicant's data
    (``citizen_registry.check_filing_data``), kept with the applicant's details.

    Returns ``(dossier, created)``. The same key with a different request is a 409.
    """
    if not procedure.accepts_online_filing:
        raise FilingError("not_online", 409)
    key = idempotency.checked_key(key)
    digest = idempotency.digest({"procedure": procedure.code, "data": data})
    if key is not None:
        earlier = _replay(user, key, digest)
        if earlier is not None:
            return earlier, False
    try:
        with db.session.begin_nested():
            dossier = dossiers.create_draft(user, procedure, data)
            if identity is not None:
                dossier.applicant = {**(dossier.applicant or {}), "registry": identity}
            if key is not None:
                idempotency.remember(user, key, digest, dossier.id)
    except IntegrityError:
        # Another request with the same key won the race; its draft is the answer.
        earlier = _replay(user, key, digest) if key else None
        if earlier is None:
            raise
        return earlier, False
    except dossiers.DossierError as error:
        raise from_dossier_error(error) from None
    return dossier, True


def save_form(dossier: Dossier, user: User, data: dict, identity: dict | None = None) -> Dossier:
    """Replace the e-form data of a draft (a supplement answer goes through ``applicant.answer_supplement``);
    ``identity`` as in ``start_draft``."""
    if dossier.applicant_id != user.id:
        raise FilingError("not_found", 404)
    if dossier.status != Status.DRAFT.value:
        raise FilingError("not_editable", 409)
    dossier.form_data = dict(data)
    if identity is not None:
        dossier.applicant = {**(dossier.applicant or {}), "registry": identity}
    dossier.updated_at = utcnow()
    db.session.flush()
    return dossier


def missing_fields(dossier: Dossier) -> list[dict]:
    """Required e-form fields of the dossier's form version that are still empty."""
    data = dossier.form_data or {}
    return [f for f in dossier.form_snapshot if f.get("required") and data.get(f["name"]) in (None, "")]


# ---------------------------------------------------------------------------------------------
# Documents and attachments


def document_spec(dossier: Dossier, key: str) -> dict | None:
    return next((d for d in dossier.terms.documents if d.get("key") == key), None)


def allowed_types(document: dict) -> tuple[str, ...]:
    return tuple(document.get("accept") or DEFAULT_TYPES)


def accepted_types(document: dict, photos_as_pdf: bool = False) -> tuple[str, ...]:
    """What an upload to ``document`` may be: its own types, and with ``photos_as_pdf`` a photo
    for a document wanted as a PDF (it is converted, ``portal.operations.uploads.photo_as_pdf``)."""
    types = allowed_types(document)
    if photos_as_pdf and PDF in types:
        types = (*types, *(t for t in PHOTO_TYPES if t not in types))
    return types


def active_files(dossier: Dossier, kind: str = FileKind.DOCUMENT) -> list[DossierFile]:
    """The dossier's current files of ``kind`` with their blobs (one query: sizes and types are
    read from the blob, so answers listing the files load nothing more)."""
    return list(db.session.scalars(
        select(DossierFile).options(joinedload(DossierFile.blob)).where(DossierFile.dossier_id == dossier.id, DossierFile.kind == kind,
                                  DossierFile.superseded_at.is_(None)).order_by(DossierFile.id)
    ))


def files_by_document(dossier: Dossier, files: list[DossierFile] | None = None) -> dict[str, list[DossierFile]]:
    grouped: dict[str, list[DossierFile]] = {}
    for row in active_files(dossier) if files is None else files:
        grouped.setdefault(row.document_key, []).append(row)
    return grouped


def missing_documents(dossier: Dossier, files: list[DossierFile] | None = None) -> list[dict]:
    """Required documents without a current file (``files``: the current files, when loaded)."""
    present = files_by_document(dossier, files)
    return [d for d in dossier.terms.documents if d.get("required") and not present.get(d["key"])]


def dossier_bytes(dossier: Dossier) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(FileBlob.size), 0)).select_from(DossierFile)
        .join(FileBlob, FileBlob.sha256 == DossierFile.blob_sha256)
        .where(DossierFile.dossier_id == dossier.id, DossierFile.kind == FileKind.DOCUMENT,
               DossierFile.superseded_at.is_(None))
    ) or 0


def clean_filename(name: str | None) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-255:] or "tep-dinh-kem"


@dataclass(frozen=True)
class Limits:
    max_file: int
    max_dossier: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(int(config["MAX_UPLOAD_BYTES"]), int(config["MAX_DOSSIER_BYTES"]))


def editable_document(dossier: Dossier, key: str) -> dict:
    """The document ``key`` of the dossier, if the applicant may change its files now."""
    return _check_editable_document(dossier, key)


def _check_editable_document(dossier: Dossier, key: str) -> dict:
    document = document_spec(dossier, key)
    if document is None:
        raise FilingError("unknown_document", 422, key=key[:64])
    if dossier.status == Status.DRAFT.value:
        return document
    if dossier.status == Status.SUPPLEMENT_REQUESTED.value and key in editable_items(dossier).documents:
        return document
    raise FilingError("not_editable", 409)


def _place(dossier: Dossier, document: dict, size: int, limits: Limits, now: datetime) -> None:
    """Make room for a new file of ``document``: the size budget, and the file it replaces."""
    current = files_by_document(dossier).get(document["key"], [])
    replaced = [] if document.get("multiple") else current
    if document.get("multiple") and len(current) >= MAX_FILES_PER_DOCUMENT:
        raise FilingError("too_many_files", 422, n=MAX_FILES_PER_DOCUMENT)
    freed = sum(row.blob.size for row in replaced)
    if dossier_bytes(dossier) - freed + size > limits.max_dossier:
        raise FilingError("dossier_too_large", 413, limit=limits.max_dossier // (1024 * 1024))
    for row in replaced:
        row.superseded_at = now


def add_attachment(dossier: Dossier, user: User, document_key: str, filename: str | None, data: bytes,
                   limits: Limits, *, photos_as_pdf: bool = False) -> DossierFile:
    """Attach one file to a document slot of the dossier; the type is read from the content and
    the structure checked (``portal.operations.uploads``: an image is kept re-encoded). With
    ``photos_as_pdf`` (the citizen's pages) a JPEG or PNG photo for a document that takes PDFs
    is stored as a one-page PDF (scaled down)."""
    if dossier.applicant_id != user.id:
        raise FilingError("not_found", 404)
    document = _check_editable_document(dossier, document_key or "")
    if not data:
        raise FilingError("empty_file", 422)
    if len(data) > limits.max_file:
        raise FilingError("file_too_large", 413, limit=limits.max_file // (1024 * 1024))
    data, content_type, filename = _checked_upload(document, data, filename, photos_as_pdf)
    now = utcnow()
    _place(dossier, document, len(data), limits, now)
    blob = put_blob(data, content_type)
    row = DossierFile(dossier_id=dossier.id, kind=FileKind.DOCUMENT.value, document_key=document["key"], blob=blob,
                      original_name=filename, uploaded_by_id=user.id, uploaded_at=now)
    db.session.add(row)
    dossier.updated_at = now
    db.session.flush()
    return row


def _checked_upload(document: dict, data: bytes, filename: str | None,
                    photos_as_pdf: bool) -> tuple[bytes, str, str]:
    """The bytes to store, their type and the file's name, after the checks of its type."""
    content_type = sniff_content_type(data)
    if content_type is None or content_type not in accepted_types(document, photos_as_pdf):
        raise FilingError("wrong_type", 415)
    name = clean_filename(filename)
    try:
        # The citizen's pages: a photo becomes a one-page PDF of the document, scaled down for
        # the weak link and for the officer who prints it (the API keeps what it was sent).
        if photos_as_pdf and content_type in PHOTO_TYPES and PDF in allowed_types(document):
            data, content_type = photo_as_pdf(data, content_type), PDF
            name = (name.rsplit(".", 1)[0] if "." in name else name)[:250] + ".pdf"
        return checked_content(data, content_type), content_type, name  # the structure; images re-encoded
    except dossiers.DossierError as error:
        raise FilingError(error.code, error.status, **error.params) from None


def reusable_documents(dossier: Dossier, user: User) -> dict[str, list[DossierFile]]:
    """Files the citizen already gave in earlier dossiers, per document key of this dossier
    (the once-only principle: a paper given once is not asked for again)."""
    keys = [d["key"] for d in dossier.terms.documents]
    rows = db.session.scalars(
        select(DossierFile).join(Dossier, Dossier.id == DossierFile.dossier_id)
        .where(Dossier.applicant_id == user.id, Dossier.id != dossier.id, Dossier.status != Status.DRAFT.value,
               DossierFile.kind == FileKind.DOCUMENT, DossierFile.superseded_at.is_(None),
               DossierFile.document_key.in_(keys))
        .order_by(DossierFile.id.desc())
    )
    present = {row.blob_sha256 for row in active_files(dossier)}
    found: dict[str, list[DossierFile]] = {}
    for row in rows:
        if row.blob_sha256 in present or any(r.blob_sha256 == row.blob_sha256 for r in found.get(row.document_key, [])):
            continue
        found.setdefault(row.document_key, []).append(row)
    return found


def reuse_document(dossier: Dossier, user: User, source_file_id: int, limits: Limits) -> DossierFile:
    """Attach a file from one of the citizen's earlier dossiers (same document key)."""
    if dossier.applicant_id != user.id:
        raise FilingError("not_found", 404)
    source = db.session.get(DossierFile, source_file_id)
    if source is None or source.kind != FileKind.DOCUMENT:
        raise FilingError("not_found", 404)
    owner = db.session.get(Dossier, source.dossier_id)
    if owner.applicant_id != user.id:
        raise FilingError("not_found", 404)
    document = _check_editable_document(dossier, source.document_key or "")
    if source.blob.content_type not in allowed_types(document):
        raise FilingError("wrong_type", 415)
    now = utcnow()
    _place(dossier, document, source.blob.size, limits, now)
    row = DossierFile(dossier_id=dossier.id, kind=FileKind.DOCUMENT.value, document_key=document["key"],
                      blob_sha256=source.blob_sha256, original_name=source.original_name,
                      uploaded_by_id=user.id, uploaded_at=now)
    db.session.add(row)
    dossier.updated_at = now
    db.session.flush()
    return row


def remove_attachment(dossier: Dossier, user: User, file_id: int) -> None:
    row = db.session.get(DossierFile, file_id)
    if row is None or row.dossier_id != dossier.id or dossier.applicant_id != user.id or row.superseded_at:
        raise FilingError("not_found", 404)
    _check_editable_document(dossier, row.document_key or "")
    row.superseded_at = utcnow()
    db.session.flush()

# ---------------------------------------------------------------------------------------------
# Submission


def _has_event(dossier: Dossier, action: str) -> bool:
    return db.session.scalar(
        select(func.count()).where(DossierEvent.dossier_id == dossier.id, DossierEvent.action == action)
    ) > 0


def delivery_choice(procedure: Procedure, method: str | None, address: str | None) -> dict:
    """How the applicant receives the result. Level 3: always at the desk."""
    methods = [m for m in procedure.result_delivery if m in DELIVERY_METHODS] or [DeliveryMethod.DESK.value]
    if procedure.level < 4:
        methods = [DeliveryMethod.DESK.value]
    method = method or methods[0]
    if method not in methods:
        raise FilingError("delivery_unknown", 422)
    address = (address or "").strip()
    if method == DeliveryMethod.POST and len(address) < 10:
        raise FilingError("delivery_address_required", 422)
    return {"method": method, "address": address[:500] if method == DeliveryMethod.POST else ""}


class IdentityNotConfirmed(FilingError):
    """The population database contradicts the applicant's data: only the lookup's audit entry is kept."""

    keeps_changes = True


def confirm_identity(dossier: Dossier, user: User, client_address: str | None) -> dict | None:
    """Confirm the applicant's data with the population database at submission, unless the stamp
    kept when the e-form was saved already confirms this very data (or the national portal, which
    signs its applicants in with VNeID, handed the dossier over). A registry that does not answer
    lets the submission through, marked unconfirmed. Returns a new stamp, or None."""
    from portal.operations import citizen_registry

    if dossier.source == DossierSource.NATIONAL.value:
        return None
    stamp = (dossier.applicant or {}).get("registry") or {}
    data = dossier.form_data or {}
    if (stamp.get("status") == citizen_registry.IdentityStatus.CONFIRMED
            and stamp.get("digest") == citizen_registry.filing_digest(dossier.form_snapshot, data)):
        return None
    try:
        identity = citizen_registry.check_filing_data(dossier.form_snapshot, data, user,
                                                      procedure_code=dossier.procedure.code,
                                                      client_address=client_address, dossier_id=dossier.id)
    except citizen_registry.IdentityRefused as error:
        raise IdentityNotConfirmed(error.code, 422) from None
    return identity


def submit(dossier_id: int, user: User, delivery: dict | None = None, *, client_address: str | None = None,
           locked: Dossier | None = None, files: list[DossierFile] | None = None) -> tuple[Dossier, bool]:
    """Submit a draft. Idempotent: submitting an already submitted dossier returns it unchanged.
    The applicant's data is confirmed with the population database first (``confirm_identity``).

    ``locked``: the dossier, when the caller already holds its row lock (``own_dossier(...,
    lock=True)``, or a draft created in this transaction); ``files``: its current documents,
    when the caller has them. Returns ``(dossier, submitted_now)``.
    """
    dossier = locked if locked is not None else own_dossier(dossier_id, user, lock=True)
    if dossier.applicant_id != user.id:
        raise FilingError("not_found", 404)
    if dossier.status != Status.DRAFT.value:
        if _has_event(dossier, Action.SUBMIT.value):
            return dossier, False
        raise FilingError("not_editable", 409)
    if missing_fields(dossier):
        raise FilingError("form_incomplete", 422, fields=", ".join(f["label_vi"] for f in missing_fields(dossier)))
    files = active_files(dossier) if files is None else files
    missing = missing_documents(dossier, files)
    if missing:
        raise FilingError("documents_missing", 422, documents="; ".join(d["name_vi"] for d in missing))
    choice = delivery or delivery_choice(dossier.procedure, None, None)
    identity = confirm_identity(dossier, user, client_address)
    try:
        with db.session.no_autoflush:  # one UPDATE of the dossier: its version moves by one
            dossier.applicant = {**(dossier.applicant or {}), "delivery": choice,
                                 **({"registry": identity} if identity is not None else {})}
            apply_action(dossier, Action.SUBMIT, user, ActionInput(
                delivery=choice["method"], documents_complete=True, payload={"files": [row.id for row in files]}))
    except dossiers.DossierError as error:
        raise from_dossier_error(error) from None
    return dossier, True


@dataclass(frozen=True)
class Upload:
    """One file of a request: the document it is for, the name the client gave, its bytes."""

    document_key: str
    filename: str | None
    data: bytes

    @cached_property
    def sha256(self) -> str:
        """The SHA-256 of the bytes (hex), computed once: the request's digest and the stored
        blob use the same one (a PDF is stored as sent)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class _Checked:
    document_key: str
    filename: str
    content: bytes
    content_type: str
    sha256: str


def submit_with_files(user: User, procedure: Procedure, data: dict, uploads: list[Upload], limits: Limits, *,
                      delivery: dict | None = None, key: str | None = None) -> tuple[Dossier, list[DossierFile], bool]:
    """Draft, every document and the submission in one transaction (the API's one-request filing).

    Every file is checked (document known, size, type read from the content, structure) and the
    delivery choice too before anything is written, so a refusal stores nothing and writes no
    file. With ``key`` (Idempotency-Key) the same request again returns the first dossier and
    stores nothing; the same key with another request (other data, delivery or files) is a 409.
    ``data`` is the e-form, already checked complete by the caller (the form of its door).
    Returns ``(dossier, its current files, created)``.

    Statements: the draft's INSERT and the key's (``idempotency.claim``, ON CONFLICT DO NOTHING:
    a repeat of the request, or a concurrent twin, finds the key taken there, and the draft is
    deleted again; no savepoint for the common case), one INSERT of the blobs that
    are new (``storage.put_blobs``), one of the files' rows (``_insert_documents``), then the
    submission's flush (``submit``): the dossier's only UPDATE (``has_files``, the anchor, the
    submission) with the ``create`` and ``submit`` events; the event chain's head is known, so
    neither event reads the previous one.
    """
    if not procedure.accepts_online_filing:
        raise FilingError("not_online", 409)
    key = idempotency.checked_key(key)
    digest = idempotency.digest({
        "procedure": procedure.code, "data": data, "delivery": delivery or {},
        "files": sorted((u.document_key, u.sha256) for u in uploads)})
    # No look-up of the key first: a first request (nearly all) just records it below, and a
    # repeat finds it taken there and answers with the first dossier.
    checked = _checked_uploads(procedure, uploads, limits)
    choice = delivery_choice(procedure, (delivery or {}).get("method"), (delivery or {}).get("address"))
    present = {c.document_key for c in checked}
    missing = [d for d in procedure.documents if d.get("required") and d["key"] not in present]
    if missing:
        raise FilingError("documents_missing", 422, documents="; ".join(d["name_vi"] for d in missing))
    try:
        dossier = dossiers.create_draft(user, procedure, data, record=False)  # the event comes with the files
    except dossiers.DossierError as error:
        raise from_dossier_error(error) from None
    if key is not None and not idempotency.claim(user, key, digest, dossier.id):
        # a repeat, or a concurrent twin that committed first: this draft goes (it has no event,
        # file or code yet, and a draft is counted nowhere), the first dossier is the answer
        db.session.delete(dossier)
        db.session.flush()
        earlier = _replay(user, key, digest)  # keys are never deleted: it is there; another request's: 409
        return earlier, active_files(earlier), False
    now = utcnow()
    blobs = put_blobs([(c.content, c.content_type, c.sha256) for c in checked])  # one INSERT; synced together
    rows = _insert_documents(dossier, user, checked, blobs, now)
    with db.session.no_autoflush:  # the submission's flush writes these with its own changes
        dossiers.record_creation(dossier, user)
        dossier.updated_at = now
        dossier.has_files = True  # a draft of this transaction: counted in no day yet (daily.FILE_FLAGS)
        dossier, _submitted = submit(dossier.id, user, choice, locked=dossier, files=rows)  # created here: ours
    return dossier, rows, True


def _insert_documents(dossier: Dossier, user: User, checked: list[_Checked], blobs: list[FileBlob],
                      now: datetime) -> list[DossierFile]:
    """The file rows of a draft created in this transaction: one INSERT returning their ids,
    on the session's connection, and the rows put in the session as stored ones. No flush of
    their own: the dossier's flag ``has_files`` is set by the caller and rides on the
    submission's UPDATE of the dossier with the ``create`` and ``submit`` events (one row
    version of the dossier for the whole filing, instead of one for the files and one for the
    submission)."""
    table = DossierFile.__table__
    values = [{"dossier_id": dossier.id, "kind": FileKind.DOCUMENT.value, "document_key": c.document_key,
               "blob_sha256": blob.sha256, "original_name": c.filename, "uploaded_by_id": user.id,
               "uploaded_at": now, "superseded_at": None} for c, blob in zip(checked, blobs, strict=True)]
    ids = db.session.connection().execute(
        table.insert().returning(table.c.id, sort_by_parameter_order=True), values).scalars().all()
    rows = [DossierFile(id=row_id, **row_values) for row_id, row_values in zip(ids, values, strict=True)]
    add_as_inserted(db.session(), rows)  # as loaded: no INSERT at the flush
    for row, blob in zip(rows, blobs, strict=True):
        set_committed_value(row, "blob", blob)  # as loaded with it: no SELECT when it is read
    return rows


def _checked_uploads(procedure: Procedure, uploads: list[Upload], limits: Limits) -> list[_Checked]:
    """Every upload checked before any is stored (the rules of ``add_attachment`` for a new
    draft), with the bytes to store and their type."""
    documents = {d["key"]: d for d in procedure.documents}
    counts: dict[str, int] = {}
    checked, total = [], 0
    for upload in uploads:
        document = documents.get(upload.document_key or "")
        if document is None:
            raise FilingError("unknown_document", 422, key=(upload.document_key or "")[:64])
        counts[document["key"]] = counts.get(document["key"], 0) + 1
        allowed = MAX_FILES_PER_DOCUMENT if document.get("multiple") else 1
        if counts[document["key"]] > allowed:
            raise FilingError("too_many_files", 422, n=allowed)
        if not upload.data:
            raise FilingError("empty_file", 422)
        if len(upload.data) > limits.max_file:
            raise FilingError("file_too_large", 413, limit=limits.max_file // (1024 * 1024))
        content, content_type, filename = _checked_upload(document, upload.data, upload.filename, False)
        total += len(content)
        if total > limits.max_dossier:
            raise FilingError("dossier_too_large", 413, limit=limits.max_dossier // (1024 * 1024))
        # a PDF is kept as sent (its hash is the request's); a re-encoded image is hashed anew
        sha = upload.sha256 if content is upload.data else hashlib.sha256(content).hexdigest()
        checked.append(_Checked(document["key"], filename, content, content_type, sha))
    return checked


# ---------------------------------------------------------------------------------------------
# Supplement requests: what the citizen may change


@dataclass(frozen=True)
class SupplementRequest:
    reason: str
    items: tuple[str, ...]
    fields: frozenset[str]
    documents: frozenset[str]
    requested_at: datetime | None


def supplement_request(dossier: Dossier) -> SupplementRequest | None:
    """The latest supplement request of the dossier: reason, items, and what they name.

    Items that are e-form field names or document keys restrict what the citizen may change.
    When no item names one (free text only), every field and document may be changed.
    """
    event = db.session.scalar(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id,
                                   DossierEvent.action == Action.REQUEST_SUPPLEMENT.value)
        .order_by(DossierEvent.seq.desc()).limit(1)
    )
    if event is None:
        return None
    items = tuple(str(i) for i in (event.payload or {}).get("items", []))
    field_names = {f["name"] for f in dossier.form_snapshot}
    document_keys = {d["key"] for d in dossier.terms.documents}
    named = {i.strip() for i in items}
    fields, documents = named & field_names, named & document_keys
    if not fields and not documents:
        fields, documents = field_names, document_keys
    return SupplementRequest(event.comment or "", items, frozenset(fields), frozenset(documents), event.at)


def editable_items(dossier: Dossier) -> SupplementRequest:
    request = supplement_request(dossier) if dossier.status == Status.SUPPLEMENT_REQUESTED.value else None
    return request or SupplementRequest("", (), frozenset(), frozenset(), None)
