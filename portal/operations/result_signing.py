"""Deferred result signing: the leader's decision does not wait for the signatures.

With ``RESULT_SIGNING = "deferred"`` (production and development), ``approve`` and ``refuse``
commit the decision in their one transaction together with a signing job: an outbox message
on the ``signing`` channel carrying the dossier, the leader, the decision's time, its event and
what to sign. The dossier's ``result_signed`` stays false until the job has run, and while it
waits the actions that would use or replace the result (``WAITS_FOR_SIGNATURE``) are refused
with ``result_signing_pending`` (409) on every door and are not offered.

Running a job is what inline signing does (``portal.operations.signing.sign_result`` or
``sign_refusal``, with the decision's time): the same files, the result's number from the
register; the signed result's hash is recorded in the audit chain (``signing.result_signed``).
One transaction per job: a job is claimed like any outbox message (``SKIP LOCKED`` on
PostgreSQL, so the worker and the dossier page never sign it both), the dossier is locked, and
the signing runs in a savepoint. A signing service that does not answer (``SigningUnavailable``,
``KeyStoreUnavailable``, any 503 refusal such as a missing ``TSA_URL``) is a failed attempt,
retried with the channel's back-off; a failure no retry can mend (no
certificate, a damaged draft) parks the job at once, for the leader or an administrator to
retry (``retry``) once the cause is fixed. Nothing is lost: the decision is committed and the
job stays until it has signed.

Jobs run from ``flask outbox send --channel signing`` (and ``--channel all``), and from the
dossier page, which asks to run its own dossier's job at once (``sign_now``): the demo (``make
run``) runs no worker, and a leader with a working timestamp authority sees the result signed
a moment after approving.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, User
from portal.models.files import FileKind
from portal.models.filing import OutboxChannel, OutboxMessage
from portal.models.types import utcnow
from portal.operations import audit, outbox
from portal.operations.dossiers import DossierError, DossierNotFound, Forbidden, NotAllowed, can_see
from workflow.states import Action, Role, Status

CHANNEL = OutboxChannel.SIGNING.value

#: Refused while the decision's signatures are pending: what would use the result (issue it,
#: return it) or decide it again (a second approval, a refusal, a new proposal).
WAITS_FOR_SIGNATURE = frozenset({Action.APPROVE, Action.REFUSE, Action.PROPOSE_RESULT, Action.ISSUE_RESULT,
                                 Action.RETURN_RESULT})

#: Statuses in which an approval's result is no longer to be signed (withdrawn or stopped after it).
WITHDRAWN_SINCE = frozenset({Status.WITHDRAWN.value, Status.STOPPED.value})

#: The decisions whose result is signed by a job.
SIGNED_DECISIONS = (Action.APPROVE, Action.REFUSE)


class SigningState(StrEnum):
    """Where the signatures of the leader's decision stand (``None``: nothing waits)."""

    PENDING = "pending"  # queued, or waiting for its next attempt
    FAILED = "failed"  # parked: no retry can sign it until the cause is fixed, then retried


def deferred() -> bool:
    return current_app.config.get("RESULT_SIGNING") == "deferred"


def signed_remotely(dossier: Dossier) -> bool:
    """The leader already signed the current draft remotely (USB token): approval keeps that
    file (``signing.sign_result``) and needs no job."""
    def newest(kind: FileKind) -> int | None:
        return db.session.scalar(select(DossierFile.id).where(
            DossierFile.dossier_id == dossier.id, DossierFile.kind == kind.value, DossierFile.superseded_at.is_(None))
            .order_by(DossierFile.id.desc()).limit(1))

    result = newest(FileKind.RESULT)
    if result is None:
        return False
    draft = newest(FileKind.RESULT_DRAFT)
    return draft is None or result > draft


def defers(action: Action, dossier: Dossier) -> bool:
    """Whether ``action`` on ``dossier`` leaves its signing to a job."""
    return action in SIGNED_DECISIONS and deferred() and not (action is Action.APPROVE and signed_remotely(dossier))


def enqueue(dossier: Dossier, event: DossierEvent, leader: User, now: datetime) -> OutboxMessage:
    """The signing job of the decision ``event`` (in the decision's transaction)."""
    job = OutboxMessage(channel=CHANNEL, dossier_id=dossier.id, seq=event.seq, payload={
        "action": event.action, "leader_id": leader.id, "decided_at": now.isoformat(), "event_seq": event.seq,
        "reasons": (event.comment or "") if event.action == Action.REFUSE.value else "",
    })
    db.session.add(job)
    return job


def pending_job(dossier: Dossier) -> OutboxMessage | None:
    """The dossier's signing job not yet run (parked included), if any."""
    if dossier.result_signed or dossier.id is None:
        return None
    return db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.channel == CHANNEL, OutboxMessage.dossier_id == dossier.id, OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id).limit(1))


def state_of(job: OutboxMessage | None) -> SigningState | None:
    if job is None:
        return None
    return SigningState.FAILED if job.parked_at is not None else SigningState.PENDING


def refusal(dossier: Dossier, action: Action) -> str | None:
    """Why ``action`` must wait for the pending signatures (``None``: it need not)."""
    if action in WAITS_FOR_SIGNATURE and pending_job(dossier) is not None:
        return "result_signing_pending"
    return None


# ---------------------------------------------------------------------------------------------
# Running a job


def _locked(dossier_id: int) -> Dossier | None:
    query = select(Dossier).where(Dossier.id == dossier_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def run(job: OutboxMessage) -> str | None:
    """Sign what the job's decision decided (the job is claimed by this transaction): ``None``
    once signed, the error of a failed attempt, or an ``outbox.Permanent`` one."""
    from portal.operations import signing  # pyHanko: loaded by the first job

    payload = job.payload or {}
    dossier = _locked(job.dossier_id) if job.dossier_id is not None else None
    leader = db.session.get(User, payload.get("leader_id"))
    if dossier is None or leader is None or payload.get("action") not in {a.value for a in SIGNED_DECISIONS}:
        return outbox.Permanent("signing_job_invalid")
    if payload["action"] == Action.APPROVE.value and dossier.status in WITHDRAWN_SINCE:
        # the applicant withdrew, or the agency stopped the dossier, after the approval: no result
        # is issued, so none is signed (and no number of the register is taken); the job is done
        audit.record("signing.result_cancelled", user=leader, object_type="dossier", object_id=dossier.id,
                     decision=payload["action"], event_seq=payload.get("event_seq"), status=dossier.status,
                     job=job.event_id)
        return None
    decided_at = datetime.fromisoformat(payload["decided_at"])
    try:
        with db.session.begin_nested():
            if payload["action"] == Action.APPROVE.value:
                row = signing.sign_result(dossier, leader, decided_at)
            else:
                row = signing.sign_refusal(dossier, leader, decided_at, payload.get("reasons") or "")
            db.session.flush()
    except DossierError as error:
        said = f"{error.code}: {error.detail}" if error.detail else error.code
        if error.status >= 500:  # the TSA or the key store did not answer, a setting missing: retried
            return said
        # no certificate, a damaged or non-PDF draft: no retry mends it, a person must act
        current_app.logger.warning("Signing job %s parked: %s", job.id, error.code)
        return outbox.Permanent(said)
    except Exception as error:  # anything else: retried with the back-off, parked after the attempts
        current_app.logger.exception("Signing job %s failed", job.id)
        return f"signing_error: {type(error).__name__}"
    dossier.result_signed = True
    dossier.updated_at = utcnow()
    audit.record("signing.result_signed", user=leader, object_type="dossier", object_id=dossier.id,
                 decision=payload["action"], event_seq=payload.get("event_seq"), decided_at=payload["decided_at"],
                 file_id=row.id, sha256=row.blob_sha256, job=job.event_id)
    db.session.flush()
    return None


def _transport(rows: list[OutboxMessage]) -> list[str | None]:
    return [run(row) for row in rows]


def drain(skip: Collection[int] = (), now: datetime | None = None) -> outbox.BatchResult:
    """Run one due job (one transaction per job: the caller commits after each)."""
    return outbox.drain_batch(CHANNEL, _transport, limit=1, skip=skip, now=now)


# ---------------------------------------------------------------------------------------------
# The dossier page: sign now, follow, retry


class Outcome(StrEnum):
    """What ``sign_now`` did."""

    SIGNED = "signed"  # this request signed the result
    NOTHING = "nothing"  # nothing waits (signed already, or inline signing)
    BUSY = "busy"  # another run (the worker) holds the job: it is being signed
    RETRY = "retry"  # the signing service did not answer: retried automatically
    FAILED = "failed"  # parked: a person must fix the cause, then retry


@dataclass(frozen=True)
class SigningStatus:
    """The signing state of a dossier, as the page and the API show it."""

    result_signed: bool
    state: SigningState | None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    error: str | None = None
    job_id: int | None = None

    def as_json(self) -> dict:
        return {"result_signed": self.result_signed, "result_signing": self.state.value if self.state else None,
                "attempts": self.attempts,
                "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
                "error": self.error}


def status(dossier: Dossier) -> SigningStatus:
    job = pending_job(dossier)
    if job is None:
        return SigningStatus(dossier.result_signed, None)
    return SigningStatus(dossier.result_signed, state_of(job), job.attempts, job.next_attempt_at,
                  (job.last_error or "").split(":", 1)[0] or None, job.id)


def _check_viewer(dossier_id: int, user: User) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or user.role == Role.CITIZEN.value or not can_see(user, dossier):
        raise DossierNotFound("not_found")
    return dossier


def sign_now(dossier_id: int, user: User, now: datetime | None = None) -> tuple[Outcome, SigningStatus]:
    """Run ``dossier_id``'s pending signing job now, claimed as the worker claims it (a job the
    worker holds is left to it), without waiting for its next attempt's time."""
    dossier = _check_viewer(dossier_id, user)
    job = pending_job(dossier)
    if job is None:
        return Outcome.NOTHING, status(dossier)
    if job.parked_at is not None:
        return Outcome.FAILED, status(dossier)
    now = now or utcnow()
    due = max(now, job.next_attempt_at) if job.next_attempt_at is not None else now
    result = outbox.drain_batch(CHANNEL, _transport, limit=1, now=due, dossier_id=dossier.id)
    db.session.refresh(dossier)
    after = status(dossier)
    if not result.claimed:
        return (Outcome.BUSY if after.state is not None else Outcome.NOTHING), after
    if result.delivered:
        return Outcome.SIGNED, after
    return (Outcome.FAILED if result.parked else Outcome.RETRY), after


def retry(dossier_id: int, user: User) -> SigningStatus:
    """The leader (or an administrator) gives a parked job a fresh set of attempts (audited by
    ``outbox.retry_parked``); the page then runs it (``sign_now``)."""
    dossier = _check_viewer(dossier_id, user)
    if user.role not in (Role.AGENCY_LEADER.value, Role.ADMIN.value):
        raise Forbidden("role_not_allowed", "only the agency leader or an administrator retries the signing")
    job = pending_job(dossier)
    if job is None or job.parked_at is None:
        raise NotAllowed("signing_not_failed", "no signing of this dossier waits for a retry")
    outbox.retry_parked(job.id, user)
    return status(dossier)
