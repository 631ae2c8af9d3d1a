"""The audit log of accounts and administration (``audit_entries``), chained by hashes.

``record`` adds an entry to the request's transaction. When that transaction commits, its
entries are appended to one chain: the transaction locks the chain's head row
(``audit_chain_head``, ``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time),
gives each entry the next ``seq``, the previous entry's hash and its own hash (SHA-256 over the
previous hash and every recorded field), and moves the head. The lock is taken last, after every
other write of the transaction was flushed, so a transaction holding it waits for nothing else
(no deadlock) and holds it only until its commit. ``verify_chain`` recomputes everything
(``flask audit verify``): an entry changed, removed or inserted afterwards breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import AuditChainHead, AuditEntry, User

GENESIS = "0" * 64
HEAD_ID = 1
_UNSEALED = "audit_unsealed_entries"


def record(action: str, *, user: User | None = None, actor: str | None = None,
           object_type: str | None = None, object_id: object = None,
           address: str | None = None, **details) -> AuditEntry:
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        actor=actor or (user.username if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        address=address,
        details=json.loads(json.dumps(details, ensure_ascii=False, default=str)),
    )
    db.session.add(entry)
    db.session.info.setdefault(_UNSEALED, []).append(entry)
    return entry


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def canonical_content(fields: dict) -> str:
    """The recorded fields of one entry (a row or a mapping of its columns) as canonical JSON."""
    content = {
        "id": fields["id"], "seq": fields["seq"], "at": _time(fields["at"]), "user_id": fields["user_id"],
        "actor": fields["actor"], "action": fields["action"], "object_type": fields["object_type"],
        "object_id": fields["object_id"], "address": fields["address"], "details": fields["details"] or {},
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_digest(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical_content(fields)).encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict:
    return {name: getattr(entry, name) for name in
            ("id", "seq", "at", "user_id", "actor", "action", "object_type", "object_id", "address", "details")}


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    """Chain the entries this transaction recorded, just before it commits (see the module)."""
    pending = session.info.pop(_UNSEALED, None)
    if not pending:
        return
    session.flush()  # every other write first: the head's lock is the transaction's last one
    entries = sorted((e for e in pending if inspect(e).persistent and e.seq is None), key=lambda e: e.id)
    if not entries:
        return
    head = session.scalar(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                          .with_for_update().execution_options(populate_existing=True))
    if head is None:
        head = AuditChainHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
    for entry in entries:
        entry.seq, entry.prev_hash = head.seq + 1, head.hash
        entry.hash = entry_digest(entry.prev_hash, _fields(entry))
        head.seq, head.hash = entry.seq, entry.hash


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_UNSEALED, None)


@dataclass(frozen=True)
class AuditBreak:
    entry_id: int | None
    seq: int | None
    problem: str


def verify_chain(batch: int = 2000) -> tuple[int, list[AuditBreak]]:
    """Recompute the chain of the audit log: the number of entries checked and the breaks found."""
    breaks: list[AuditBreak] = []
    checked, expected_seq, expected_prev = 0, 1, GENESIS
    query = select(AuditEntry).where(AuditEntry.seq.is_not(None)).order_by(AuditEntry.seq)
    for entry in db.session.scalars(query.execution_options(yield_per=batch)):
        checked += 1
        if entry.seq != expected_seq:
            breaks.append(AuditBreak(entry.id, entry.seq, f"missing entries before #{entry.seq}"))
        if entry.prev_hash != expected_prev:
            breaks.append(AuditBreak(entry.id, entry.seq, "previous hash does not match"))
        if entry_digest(entry.prev_hash or "", _fields(entry)) != entry.hash:
            breaks.append(AuditBreak(entry.id, entry.seq, "content does not match its hash (changed)"))
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        breaks.append(AuditBreak(None, head.seq, "the chain ends before its recorded head (entries removed)"))
    for entry_id in db.session.scalars(select(AuditEntry.id).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id)):
        checked += 1
        breaks.append(AuditBreak(entry_id, None, "entry outside the chain (inserted afterwards)"))
    return checked, breaks


PAGE_SIZE = 50


def list_entries(*, action: str = "", actor: str = "", object_type: str = "", object_id: str = "",
                 page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[AuditEntry], int]:
    """One page of the audit log, newest first, filtered by action, actor (username) and object."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor.strip().lower())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id.strip())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc())
                              .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return list(rows), total


def actions() -> list[str]:
    """Every action the log holds (for the filter)."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
