"""The applicant's side of a submitted dossier: the lookup by code, answering a supplement
request, withdrawal, rating, feedback, and downloading the files and the signed result. Drafts,
attachments, submission and what a supplement request reopens are ``portal.operations.filing``.

Operations flush; the view (or the API endpoint) commits once. Each failure is a
``portal.operations.filing.FilingError`` with an HTTP ``status`` and a stable ``code``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, User
from portal.models.files import FileKind
from portal.models.filing import FEEDBACK_KINDS, RATING_LEVELS, Feedback, Rating
from portal.models.types import utcnow
from portal.operations import audit, dossiers, throttle
from portal.operations import feedback as feedback_inbox
from portal.operations.filing import (
    FilingError,
    active_files,
    editable_items,
    from_dossier_error,
    missing_documents,
    own_dossier,
)
from portal.operations.lifecycle import ActionInput, perform
from portal.text import normalize_phone
from workflow.codes import parse_code
from workflow.states import Action, Status

#: What the applicant may download of their own dossier (result drafts and desk scans stay inside).
APPLICANT_FILE_KINDS = frozenset({FileKind.DOCUMENT, FileKind.RESULT, FileKind.FORM})


# ---------------------------------------------------------------------------------------------
# Looking up a dossier by its code (given at submission)


def find_by_code(code: str) -> Dossier | None:
    """The dossier with this full code; a malformed code finds nothing without a query."""
    code = (code or "").strip()
    try:
        parse_code(code)
    except ValueError:
        return None
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


#: The last groups of a code as people read them off a receipt or an SMS: "261130-0002".
_CODE_TAIL = re.compile(r"^\d{6}-\d{4,8}$")


class LookupMiss(FilingError):
    """Nothing matches the code's last digits and the phone; the attempt stays counted."""

    keeps_changes = True


def lookup(reference: str, phone: str | None, *, address: str, now: datetime | None = None) -> Dossier | None:
    """The public look-up (the page and the API): a full code finds its dossier; the last groups
    of a code ("261130-0002") find it only with the phone number the applicant gave. Such partial
    look-ups are counted per address (``LOOKUP_MAX_PER_WINDOW`` in ``LOGIN_WINDOW_SECONDS``), so
    codes and phones cannot be guessed in bulk; a miss raises ``LookupMiss`` (404) and keeps the
    count."""
    reference = (reference or "").strip()
    now = now or utcnow()
    limit = int(current_app.config["LOOKUP_MAX_PER_WINDOW"])
    window = timedelta(seconds=int(current_app.config["LOGIN_WINDOW_SECONDS"]))
    if not _CODE_TAIL.match(reference):
        return find_by_code(reference)
    wanted = normalize_phone(phone or "")
    if not wanted:
        raise FilingError("lookup_phone_required", 422)
    try:
        throttle.count_attempt(throttle.LOOKUP, address, now, limit, window)
    except throttle.Throttled as blocked:
        raise FilingError("lookup_throttled", 429, minutes=max(1, -(-blocked.retry_after // 60))) from None
    candidates = db.session.scalars(select(Dossier).where(Dossier.code.like(f"%-{reference}"))).all()
    for dossier in candidates:
        if wanted in _phones_of(dossier):
            return dossier
    raise LookupMiss("not_found", 404)


def _phones_of(dossier: Dossier) -> set[str]:
    given = [(dossier.applicant or {}).get("phone")]
    if dossier.applicant_id is not None:
        given.append(db.session.get(User, dossier.applicant_id).phone)
    return {normalize_phone(str(p)) for p in given if p}


# ---------------------------------------------------------------------------------------------
# Files and the result


#: The applicant receives the signed result once the one-stop unit issued it: "result ready" (9)
#: or "returned" (10); while the leader's signature waits for the clerk (4) it stays inside.
RESULT_READY = frozenset({Status.PROCESSED.value, Status.RETURNED.value})


def downloadable_file(file_id: int, user: User) -> tuple[DossierFile, Dossier]:
    """A file of a dossier the user may see (the applicant, or the officers of the agency)."""
    row = db.session.get(DossierFile, file_id)
    dossier = db.session.get(Dossier, row.dossier_id) if row is not None else None
    if row is None or not dossiers.can_see(user, dossier):
        raise FilingError("not_found", 404)
    if user.id == dossier.applicant_id and (row.kind not in APPLICANT_FILE_KINDS or (
            row.kind == FileKind.RESULT and dossier.status not in RESULT_READY)):
        raise FilingError("not_found", 404)  # drafts, internal scans and an unissued result stay inside
    return row, dossier


def applicant_result(dossier: Dossier) -> DossierFile | None:
    """The signed result as the applicant may have it: only once it is issued (``RESULT_READY``)."""
    return result_file(dossier) if dossier.status in RESULT_READY else None


def result_file(dossier: Dossier) -> DossierFile | None:
    """The newest signed result of the dossier (officers; the applicant: ``applicant_result``)."""
    return db.session.scalar(
        select(DossierFile).where(DossierFile.dossier_id == dossier.id, DossierFile.kind == FileKind.RESULT,
                                  DossierFile.superseded_at.is_(None))
        .order_by(DossierFile.uploaded_at.desc(), DossierFile.id.desc()).limit(1)
    )


# ---------------------------------------------------------------------------------------------
# Supplement answers


def _files_already_given(dossier: Dossier) -> set[int]:
    """Files named by the submission and by earlier supplement answers."""
    payloads = db.session.scalars(select(DossierEvent.payload).where(
        DossierEvent.dossier_id == dossier.id, DossierEvent.action.in_([Action.SUBMIT.value, Action.SUPPLEMENT.value])))
    return {int(i) for p in payloads for i in (p or {}).get("files", []) + (p or {}).get("new_files", [])}


def answer_supplement(dossier_id: int, user: User, changes: dict, note: str = "",
                      version: int | None = None) -> Dossier:
    """Apply the citizen's corrections (only the requested items) and resume the dossier."""
    dossier = own_dossier(dossier_id, user, lock=True)
    if version is not None and version != dossier.version:
        raise FilingError("stale_version", 409)
    if dossier.status != Status.SUPPLEMENT_REQUESTED.value:
        raise FilingError("not_waiting_supplement", 409)
    request = editable_items(dossier)
    outside = sorted(set(changes) - request.fields)
    if outside:
        raise FilingError("not_requested", 422, fields=", ".join(outside))
    data = dict(dossier.form_data or {})
    changed = sorted(name for name, value in changes.items() if data.get(name) != value)
    data.update(changes)
    missing = [f["label_vi"] for f in dossier.form_snapshot if f.get("required") and data.get(f["name"]) in (None, "")]
    if missing:
        raise FilingError("form_incomplete", 422, fields=", ".join(missing))
    if missing_documents(dossier):
        raise FilingError("documents_missing", 422,
                          documents="; ".join(d["name_vi"] for d in missing_documents(dossier)))
    new_files = [row.id for row in active_files(dossier) if row.id not in _files_already_given(dossier)]
    try:
        with db.session.no_autoflush:  # one UPDATE of the dossier: its version moves by one
            dossier.form_data = data
            perform(dossier.id, Action.SUPPLEMENT, user, ActionInput(
                reason=note.strip()[:4000], payload={"changed_fields": changed, "new_files": new_files}))
    except dossiers.DossierError as error:
        raise from_dossier_error(error) from None
    return dossier


# ---------------------------------------------------------------------------------------------
# Withdrawal, rating, feedback


def withdraw(dossier_id: int, user: User, reason: str, version: int | None = None) -> Dossier:
    own_dossier(dossier_id, user)
    if not (reason or "").strip():
        raise FilingError("reason_required", 422)
    try:
        return perform(dossier_id, Action.WITHDRAW, user, ActionInput(version=version, reason=reason.strip()[:4000]))
    except dossiers.DossierError as error:
        raise from_dossier_error(error) from None


def rate(dossier_id: int, user: User, level: str, comment: str | None = None) -> Rating:
    """The applicant's satisfaction, once, after the result was returned."""
    own_dossier(dossier_id, user)
    if level not in RATING_LEVELS:
        raise FilingError("rating_unknown", 422)
    comment = (comment or "").strip()[:4000] or None
    try:
        perform(dossier_id, Action.RATE, user, ActionInput(reason=comment or "", payload={"level": level}))
    except dossiers.DossierError as error:
        raise from_dossier_error(error) from None
    rating = Rating(dossier_id=dossier_id, user_id=user.id, level=level, comment=comment)
    db.session.add(rating)
    db.session.flush()
    return rating


def rating_of(dossier: Dossier) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.dossier_id == dossier.id))


def send_feedback(user: User, kind: str, subject: str, body: str, dossier_code: str | None = None,
                  agency_code: str | None = None, now: datetime | None = None) -> Feedback:
    """Feedback from ``user``, about one of their dossiers or addressed to an agency (see
    ``portal.operations.feedback`` for where it goes and when it is due)."""
    if kind not in FEEDBACK_KINDS:
        raise FilingError("feedback_kind_unknown", 422)
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise FilingError("feedback_empty", 422)
    dossier = None
    if dossier_code:
        dossier = find_by_code(dossier_code)
        if dossier is None or dossier.applicant_id != user.id:
            raise FilingError("feedback_dossier_unknown", 422)
    agency = feedback_inbox.addressed_agency(dossier, agency_code)
    if agency is None and agency_code:
        raise FilingError("feedback_agency_unknown", 422)
    row = feedback_inbox.receive(Feedback(user_id=user.id, dossier_id=dossier.id if dossier else None, kind=kind,
                                          subject=subject[:255], body=body[:8000]), agency, now)
    audit.record("feedback.create", user=user, object_type="feedback", object_id=row.id, kind=kind,
                 dossier_id=row.dossier_id, agency_id=row.agency_id, code=row.code)
    return row
