"""The daily public audit anchor (issue 18, docs/audit.md).

Once a day the hashes of every dossier event of a finished Vietnam day (Asia/Ho_Chi_Minh,
UTC+07:00) become the leaves of a Merkle tree (``signatures.merkle``, RFC 6962), in the order
(event time, dossier id, sequence number): three fields the event hash itself covers, so anyone
holding the events can rebuild the order. The root is timestamped by the configured RFC 3161
TSA (``certificates.timestamper``; the token's imprint is the root), then a statement (JSON:
day, event count, root, timestamp time and token digest) is signed with the deployment's anchor
key (detached CMS, ``signatures.anchor``). The row keeps the exact statement bytes, the token and
the signature; the public pages serve them as files.

- A day without events is anchored too, with the empty tree's root (SHA-256 of nothing): the
  series has no gap, so a missing day is a finding and an event slipped into a quiet day later
  breaks that day's root.
- A day is finished ``GRACE`` after its midnight (a transaction still open at midnight commits
  its events before the anchor reads them).
- Anchoring is idempotent: an anchored day is never computed again.

Operations flush only; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.lazy import lazy_module
from portal.models import AuditAnchor, DossierEvent, SigningCertificate
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.errors import DomainError
from portal.operations.events import canonical_content, event_digest
from signatures import merkle
from workflow.calendar import VN_TZ

certificates = lazy_module("portal.operations.certificates")  # pyHanko: imported when anchoring
signing = lazy_module("signatures.anchor")

STATEMENT_FORMAT = "laichau-dvc/audit-anchor/1"
PROOF_FORMAT = "laichau-dvc/inclusion-proof/1"
GRACE = timedelta(minutes=10)
ORDER = "event time (UTC), then dossier id, then sequence number"
TREE = "RFC 6962 Merkle Tree Hash (SHA-256; leaf = 0x00 || 32-byte event hash, node = 0x01 || left || right)"
PUBLIC_PATH = "/kiem-chung/nhat-ky"


class AnchorError(DomainError):
    status = 404


@dataclass(frozen=True)
class AnchorProblem:
    day: date
    problem: str


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day's first instant and the next day's first instant (Vietnam time), as UTC."""
    start = datetime.combine(day, time(0), VN_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def vn_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def last_finished_day(now: datetime | None = None) -> date:
    return vn_day((now or utcnow()) - GRACE) - timedelta(days=1)


def _day_events(day: date):
    start, end = day_bounds(day)
    return db.session.execute(
        select(DossierEvent.id, DossierEvent.hash).where(DossierEvent.at >= start, DossierEvent.at < end)
        .order_by(DossierEvent.at, DossierEvent.dossier_id, DossierEvent.seq)
    ).all()


def _leaf(event_hash: str) -> bytes:
    """The leaf of an event: its hash's 32 bytes (a stored value that is not a hash stays a
    distinct leaf, so it changes the root instead of stopping the check)."""
    try:
        leaf = bytes.fromhex(event_hash)
    except (TypeError, ValueError):
        leaf = b""
    return leaf if len(leaf) == 32 else (event_hash or "").encode()


def _statement(day: date, count: int, root: bytes, token: bytes, stamped_at: datetime) -> str:
    start, end = day_bounds(day)
    content = {
        "format": STATEMENT_FORMAT, "publisher": certificates.ORG_NAME, "day": day.isoformat(),
        "time_zone": "Asia/Ho_Chi_Minh (+07:00)", "events_from": _utc_text(start), "events_until": _utc_text(end),
        "event_count": count, "order": ORDER, "tree": TREE, "root": root.hex(),
        "timestamp": {"time": _utc_text(stamped_at), "token_sha256": hashlib.sha256(token).hexdigest(),
                      "imprint": "sha256 = root"},
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def anchor_of(day: date) -> AuditAnchor | None:
    return db.session.scalar(select(AuditAnchor).where(AuditAnchor.day == day))


def anchor_day(day: date, now: datetime | None = None) -> tuple[AuditAnchor, bool]:
    """The anchor of ``day``, computed, timestamped, signed and stored if it does not exist yet
    (returns ``(row, created)``)."""
    existing = anchor_of(day)
    if existing is not None:
        return existing, False
    if day > last_finished_day(now):
        raise AnchorError("day_not_finished", f"ngày {day:%d/%m/%Y} chưa kết thúc", day=day.isoformat())
    rows = _day_events(day)
    root = merkle.root([_leaf(row.hash) for row in rows])
    timestamper = certificates.timestamper()
    try:
        token = signing.timestamp_digest(timestamper, root)
    except Exception as error:  # the TSA is down or answered nonsense: nothing is stored
        raise AnchorError("tsa_unavailable", f"máy chủ cấp dấu thời gian không trả lời ({type(error).__name__})") \
            from error
    stamped_at = signing.timestamp_time(token)
    cert_row, key = certificates.anchor_key()
    statement = _statement(day, len(rows), root, token, stamped_at)
    row = AuditAnchor(day=day, event_count=len(rows), root=root.hex(), statement=statement,
                      signature=signing.sign_detached(key, statement.encode("utf-8")), timestamp_token=token,
                      timestamped_at=stamped_at, certificate=cert_row)
    db.session.add(row)
    db.session.flush()
    audit.record("audit.anchored", actor="system", object_type="audit_anchor", object_id=day.isoformat(),
                 root=row.root, events=row.event_count)
    return row, True


def pending_days(now: datetime | None = None) -> list[date]:
    """Every finished day from the first event's day on that has no anchor yet."""
    first = db.session.scalar(select(func.min(DossierEvent.at)))
    if first is None:
        return []
    day, last = vn_day(first), last_finished_day(now)
    done = set(db.session.scalars(select(AuditAnchor.day).where(AuditAnchor.day >= day)))
    days = []
    while day <= last:
        if day not in done:
            days.append(day)
        day += timedelta(days=1)
    return days


def anchor_pending(now: datetime | None = None) -> list[AuditAnchor]:
    """Anchor every finished day not anchored yet; returns the new anchors."""
    return [anchor_day(day, now)[0] for day in pending_days(now)]


# ---------------------------------------------------------------------------------------------
# Inclusion proofs


@dataclass(frozen=True)
class Proof:
    data: dict
    problem: str | None  # None when the proof checks against the stored anchor


def prove(event_id: int) -> Proof:
    """The inclusion proof of an event in its day's anchored root."""
    event = db.session.get(DossierEvent, event_id)
    if event is None:
        raise AnchorError("event_not_found", f"không có sự kiện {event_id}", event_id=event_id)
    day = vn_day(event.at)
    row = anchor_of(day)
    if row is None:
        raise AnchorError("day_not_anchored", f"ngày {day:%d/%m/%Y} chưa được neo (flask audit anchor)",
                          day=day.isoformat())
    rows = _day_events(day)
    index = next(i for i, r in enumerate(rows) if r.id == event.id)
    leaves = [_leaf(r.hash) for r in rows]
    path = merkle.inclusion_proof(leaves, index)
    data = {
        "format": PROOF_FORMAT, "day": day.isoformat(), "event_id": event.id, "dossier_id": event.dossier_id,
        "seq": event.seq, "leaf_index": index, "tree_size": len(leaves),
        "event": {"hash": event.hash, "prev_hash": event.prev_hash, "content": canonical_content(event)},
        "leaf_hash": merkle.leaf_hash(leaves[index]).hex(), "path": [step.to_dict() for step in path],
        "root": row.root, "timestamp_time": _utc_text(row.timestamped_at), "tree": TREE,
        "published": {name: f"{PUBLIC_PATH}/{day.isoformat()}.{ext}"
                      for name, ext in (("statement", "json"), ("signature", "p7s"), ("timestamp", "tst"))},
        "how_to_check": (f"python3 scripts/check_inclusion.py PROOF.json --statement {day.isoformat()}.json "
                         "(the statement downloaded from the public page; see docs/audit.md)"),
    }
    problem = None
    if event_digest(event) != event.hash:
        problem = "the event's content no longer gives its recorded hash"
    elif merkle.root_from_path(leaves[index], path).hex() != row.root or len(leaves) != row.event_count:
        problem = "the events of that day no longer give the anchored root"
    return Proof(data, problem)


# ---------------------------------------------------------------------------------------------
# Verification


def _check(row: AuditAnchor, roots) -> list[str]:
    problems = []
    rows = _day_events(row.day)
    if len(rows) != row.event_count:
        problems.append(f"{len(rows)} events now, {row.event_count} when anchored")
    if merkle.root([_leaf(r.hash) for r in rows]).hex() != row.root:
        problems.append("the events of the day no longer give the anchored root")
    try:
        statement = json.loads(row.statement)
        agrees = (statement["day"] == row.day.isoformat() and statement["root"] == row.root
                  and statement["event_count"] == row.event_count
                  and statement["timestamp"]["token_sha256"] == hashlib.sha256(row.timestamp_token).hexdigest())
    except (ValueError, KeyError, TypeError):
        agrees = False
    if not agrees:
        problems.append("the signed statement disagrees with the stored anchor")
    signature_problem = signing.verify_detached(row.statement.encode("utf-8"), row.signature, roots)
    if signature_problem:
        problems.append(f"signature: {signature_problem}")
    stamp = signing.verify_timestamp(row.timestamp_token, _leaf(row.root), roots)
    if stamp.problem:
        problems.append(f"timestamp: {stamp.problem}")
    return problems


def verify_anchors() -> tuple[int, list[AnchorProblem]]:
    """Recompute every stored root from the events and check its statement, signature and
    timestamp; a day with events but no anchor between anchored days is reported too."""
    roots = list(certificates.trust_store())
    anchors = list(db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.day)))
    problems = [AnchorProblem(row.day, p) for row in anchors for p in _check(row, roots)]
    if anchors:
        anchored = {row.day for row in anchors}
        day = anchors[0].day
        while day < anchors[-1].day:
            if day not in anchored and _day_events(day):
                problems.append(AnchorProblem(day, "events of this day were never anchored"))
            day += timedelta(days=1)
    return len(anchors), problems


# ---------------------------------------------------------------------------------------------
# Public reading


def list_anchors(page: int = 1, per_page: int = 60) -> tuple[list[AuditAnchor], int]:
    """Anchors, newest first, and the total count."""
    total = db.session.scalar(select(func.count()).select_from(AuditAnchor)) or 0
    rows = db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.day.desc())
                              .offset(max(page - 1, 0) * per_page).limit(per_page))
    return list(rows), total


def published(day_text: str) -> AuditAnchor | None:
    """The anchor of a day given as YYYY-MM-DD (None for anything else)."""
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    return anchor_of(day)


def index_document() -> dict:
    """Every anchor as one JSON document (the machine-readable list of the public page)."""
    rows = db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.day))
    return {"format": "laichau-dvc/audit-anchors/1", "tree": TREE, "order": ORDER, "anchors": [
        {"day": r.day.isoformat(), "event_count": r.event_count, "root": r.root,
         "timestamp_time": _utc_text(r.timestamped_at),
         **{name: f"{PUBLIC_PATH}/{r.day.isoformat()}.{ext}"
            for name, ext in (("statement", "json"), ("signature", "p7s"), ("timestamp", "tst"))}}
        for r in rows]}


def certificates_pem() -> str:
    """The anchor signing certificates (every one ever used) with their chains."""
    rows = db.session.scalars(select(SigningCertificate).where(SigningCertificate.purpose == "anchor")
                              .order_by(SigningCertificate.id))
    seen, parts = set(), []
    for row in rows:
        for pem in (row.certificate_pem, row.chain_pem):
            if pem and pem not in seen:
                seen.add(pem)
                parts.append(pem)
    return "".join(parts)
