"""The append-only event log of dossiers, chained by hashes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Dossier, DossierEvent

GENESIS = "0" * 64


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def canonical_content(event: DossierEvent) -> str:
    """Every recorded field of the event as canonical JSON (what the hash covers besides the
    previous hash; an inclusion proof carries it so that anyone can recompute the hash)."""
    content = {
        "dossier_id": event.dossier_id, "seq": event.seq, "at": _time(event.at),
        "actor_id": event.actor_id, "actor_name": event.actor_name, "actor_role": event.actor_role,
        "agency_id": event.agency_id, "action": event.action, "from_status": event.from_status,
        "to_status": event.to_status, "from_step": event.from_step, "to_step": event.to_step,
        "comment": event.comment, "due_at": _time(event.due_at), "step_due_at": _time(event.step_due_at),
        "step_timeliness": event.step_timeliness, "payload": event.payload or {},
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_digest(event: DossierEvent) -> str:
    """SHA-256 over the previous hash and every recorded field of the event."""
    return hashlib.sha256((event.prev_hash + canonical_content(event)).encode()).hexdigest()


_HEADS = "event_heads"


def append_event(dossier: Dossier, *, first: bool = False, **fields) -> DossierEvent:
    """Add the next event of ``dossier`` (the caller holds the dossier's row lock); ``first``: the
    caller created the dossier in this transaction, so it has no event yet (no query).

    The newest event appended in this transaction is remembered (``session.info``), so a second
    event of the same dossier in the same transaction (a filing's ``create`` then ``submit``)
    reads nothing either; a commit or any rollback (a savepoint's too) forgets it, and it is used
    only while it is still the dossier's anchor (``last_event_hash``)."""
    heads = db.session.info.setdefault(_HEADS, {})
    head = heads.get(dossier.id)
    if first:
        last = None
    elif head is not None and head[1] == dossier.last_event_hash:
        last = head
    else:
        last = db.session.execute(
            select(DossierEvent.seq, DossierEvent.hash).where(DossierEvent.dossier_id == dossier.id)
            .order_by(DossierEvent.seq.desc()).limit(1)
        ).first()
    event = DossierEvent(dossier_id=dossier.id, seq=(last[0] + 1) if last else 1,
                         prev_hash=last[1] if last else GENESIS, payload=fields.pop("payload", None) or {}, **fields)
    event.hash = event_digest(event)
    dossier.last_event_hash = event.hash
    db.session.add(event)
    heads[dossier.id] = (event.seq, event.hash)
    return event


@sa_event.listens_for(Session, "after_commit")
def _forget_heads_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint released: its events stay in the transaction
        session.info.pop(_HEADS, None)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_heads(session: Session, _previous_transaction) -> None:
    session.info.pop(_HEADS, None)  # any rollback, a savepoint's too: what it appended is gone


@dataclass(frozen=True)
class ChainBreak:
    dossier_id: int
    seq: int
    problem: str


def verify_chains(dossier_ids: list[int] | None = None, batch: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Recompute every chain; return the number of events checked and the breaks found."""
    query = select(DossierEvent).order_by(DossierEvent.dossier_id, DossierEvent.seq)
    if dossier_ids is not None:
        query = query.where(DossierEvent.dossier_id.in_(dossier_ids))
    breaks: list[ChainBreak] = []
    checked = 0
    last_hashes: dict[int, tuple[int, str]] = {}
    current, expected_prev, expected_seq = None, GENESIS, 1
    for event in db.session.scalars(query.execution_options(yield_per=batch)):
        checked += 1
        last_hashes[event.dossier_id] = (event.seq, event.hash)
        if event.dossier_id != current:
            current, expected_prev, expected_seq = event.dossier_id, GENESIS, 1
        if event.seq != expected_seq:
            breaks.append(ChainBreak(event.dossier_id, event.seq, f"missing event before #{event.seq}"))
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.dossier_id, event.seq, "previous hash does not match"))
        if event_digest(event) != event.hash:
            breaks.append(ChainBreak(event.dossier_id, event.seq, "content was changed after it was recorded"))
        expected_prev, expected_seq = event.hash, event.seq + 1
    anchors = select(Dossier.id, Dossier.last_event_hash).where(Dossier.last_event_hash.is_not(None))
    if dossier_ids is not None:
        anchors = anchors.where(Dossier.id.in_(dossier_ids))
    for dossier_id, anchor in db.session.execute(anchors):
        seq, last = last_hashes.get(dossier_id, (0, None))
        if last != anchor:
            breaks.append(ChainBreak(dossier_id, seq, "the newest events are missing"))
    return checked, breaks


def event_count(dossier_id: int) -> int:
    return db.session.scalar(select(func.count()).where(DossierEvent.dossier_id == dossier_id))
