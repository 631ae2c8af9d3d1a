"""The transactional outbox: every background delivery (e-mail, the national portal, SMS and
Zalo) and every deferred result signature (``portal.operations.result_signing``) is an
``OutboxMessage`` row written in the transaction of the change it reports, and delivered
afterwards by one drain loop per channel with one retry policy.

- A batch claims the messages that are due: not delivered, not parked, ``next_attempt_at`` passed,
  and, for a dossier's messages, no undelivered message of the same dossier with a smaller
  ``seq`` (so a failed or parked earlier message holds back the later ones of its dossier, and
  only those). On PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED``: two workers never
  take the same message, and a worker never takes a dossier's next message while another still
  holds the earlier one (it is still undelivered for everyone else until that worker commits).
- The transport delivers and answers, per message, ``None`` or an error. A delivery marks the
  message delivered; a failure schedules the next attempt after ``base * 2^(attempts-1)``
  seconds, at most ``cap``; after the channel's maximum number of attempts (at once for a
  ``Permanent`` failure) the message is parked
  and waits for an administrator (``retry_parked``).
- The caller commits after each batch. A run killed between a delivery and that commit leaves the
  message undelivered: it is sent again, with the same ``event_id``, and the receiver drops the
  repeat. Nothing is lost; at worst something is said twice under one identifier.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import User
from portal.models.filing import OutboxChannel, OutboxMessage
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.errors import DomainError

#: Delivers a batch; per message ``None`` (delivered) or the error's text. Never raises for an
#: outside system's failure.
Transport = Callable[[list[OutboxMessage]], list[str | None]]

#: The setting that holds each channel's number of attempts before parking.
MAX_ATTEMPTS_SETTING = {OutboxChannel.EMAIL: "MAIL_MAX_ATTEMPTS", OutboxChannel.NATIONAL: "NATIONAL_MAX_ATTEMPTS",
                        OutboxChannel.SMS: "SMS_MAX_ATTEMPTS", OutboxChannel.ZALO: "ZALO_MAX_ATTEMPTS",
                        OutboxChannel.SIGNING: "SIGNING_MAX_ATTEMPTS"}


class Permanent(str):
    """A transport's answer for a message that no retry can deliver (e.g. the provider refused
    the phone number): the message is parked at once, for an administrator to look at."""


class OutboxError(DomainError):
    """A refused outbox action (retrying a message that is not parked)."""

    def __init__(self, code: str, status: int = 409):
        super().__init__(code)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: int
    cap_seconds: int

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: exponential, capped."""
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1)))


def policy(channel: str) -> RetryPolicy:
    config = current_app.config
    return RetryPolicy(int(config[MAX_ATTEMPTS_SETTING[OutboxChannel(channel)]]),
                       int(config["OUTBOX_RETRY_BASE_SECONDS"]), int(config["OUTBOX_RETRY_CAP_SECONDS"]))


@dataclass
class BatchResult:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    parked: int = 0
    failed_ids: list[int] = field(default_factory=list)


def _due(channel: str, now: datetime):
    earlier = aliased(OutboxMessage)
    held_back = exists().where(earlier.channel == OutboxMessage.channel, earlier.dossier_id == OutboxMessage.dossier_id,
                               earlier.seq < OutboxMessage.seq, earlier.sent_at.is_(None))
    return and_(OutboxMessage.channel == channel, OutboxMessage.sent_at.is_(None), OutboxMessage.parked_at.is_(None),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                or_(OutboxMessage.dossier_id.is_(None), ~held_back))


def claim(channel: str, limit: int, now: datetime, skip: Collection[int] = (),
          dossier_id: int | None = None) -> list[OutboxMessage]:
    """Due messages of ``channel`` (of one dossier's, with ``dossier_id``), locked for this
    transaction (at most one per dossier)."""
    query = select(OutboxMessage).where(_due(channel, now)).order_by(OutboxMessage.id).limit(limit)
    if dossier_id is not None:
        query = query.where(OutboxMessage.dossier_id == dossier_id)
    if skip:
        query = query.where(OutboxMessage.id.not_in(list(skip)))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return list(db.session.scalars(query))


def record(rows: list[OutboxMessage], outcome: list[str | None], rule: RetryPolicy, now: datetime) -> BatchResult:
    """Write what the transport answered onto the messages."""
    result = BatchResult(claimed=len(rows))
    for row, error in zip(rows, outcome, strict=True):
        row.attempts += 1
        if error is None:
            row.sent_at, row.last_error, row.next_attempt_at = now, None, None
            result.delivered += 1
            continue
        row.last_error = error[:500]
        result.failed += 1
        result.failed_ids.append(row.id)
        if row.attempts >= rule.max_attempts or isinstance(error, Permanent):
            row.parked_at, row.next_attempt_at = now, None
            result.parked += 1
        else:
            row.next_attempt_at = now + rule.delay(row.attempts)
    db.session.flush()
    return result


def drain_batch(channel: str, transport: Transport, limit: int = 100, skip: Collection[int] = (),
                now: datetime | None = None, dossier_id: int | None = None) -> BatchResult:
    """Claim, deliver and record one batch of ``channel``. The caller commits."""
    rows = claim(channel, limit, now or utcnow(), skip, dossier_id)
    if not rows:
        return BatchResult()
    outcome = transport(rows)
    return record(rows, outcome, policy(channel), utcnow())


# ---------------------------------------------------------------------------------------------
# What administrators see and do


@dataclass(frozen=True)
class ChannelState:
    channel: str
    pending: int  # waiting for a first or a next attempt
    failing: int  # of which at least one attempt failed
    parked: int
    delivered: int
    next_attempt_at: datetime | None
    oldest_pending_at: datetime | None


def channel_states() -> list[ChannelState]:
    undelivered = OutboxMessage.sent_at.is_(None)
    rows = db.session.execute(
        select(OutboxMessage.channel,
               func.count().filter(undelivered, OutboxMessage.parked_at.is_(None)),
               func.count().filter(undelivered, OutboxMessage.parked_at.is_(None), OutboxMessage.attempts > 0),
               func.count().filter(OutboxMessage.parked_at.is_not(None)),
               func.count().filter(OutboxMessage.sent_at.is_not(None)),
               func.min(OutboxMessage.next_attempt_at).filter(undelivered, OutboxMessage.parked_at.is_(None)),
               func.min(OutboxMessage.created_at).filter(undelivered, OutboxMessage.parked_at.is_(None)))
        .group_by(OutboxMessage.channel)
    ).all()
    found = {row[0]: ChannelState(*row) for row in rows}
    return [found.get(c.value) or ChannelState(c.value, 0, 0, 0, 0, None, None) for c in OutboxChannel]


def troubled_messages(limit: int = 100) -> list[OutboxMessage]:
    """Parked messages first, then those whose last attempt failed, newest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0)
        .order_by(OutboxMessage.parked_at.is_(None), OutboxMessage.id.desc()).limit(limit)
    ))


def retry_parked(message_id: int, by: User) -> OutboxMessage:
    """Give a parked message a fresh set of attempts, now (audited)."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None:
        raise OutboxError("not_found", 404)
    if row.parked_at is None or row.sent_at is not None:
        raise OutboxError("outbox_not_parked", 409)
    before = {"attempts": row.attempts, "parked_at": row.parked_at.isoformat(), "last_error": row.last_error}
    row.parked_at, row.next_attempt_at, row.attempts = None, None, 0
    db.session.flush()
    audit.record("outbox.retry", user=by, object_type="outbox_message", object_id=row.id,
                 before=before, after={"attempts": 0, "parked_at": None}, channel=row.channel,
                 event_id=row.event_id)
    return row
