"""Online filing: idempotency keys, fee payments, notifications, the outbox, ratings and
feedback (the citizen side of the portal)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.dossier import Dossier, _in, write_through_columns
from portal.models.types import JSONType, UTCDateTime, utcnow
from portal.models.user import User
from portal.payments.gateway import GatewayStatus


class PaymentStatus(StrEnum):
    """Where a fee payment stands (``payments.status``)."""

    PENDING = "pending"  # sent to the gateway, no answer yet
    PAID = "paid"
    FAILED = "failed"  # declined by the payer or the bank


class RatingLevel(StrEnum):
    """The applicant's satisfaction with a returned dossier (``ratings.level``)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


class FeedbackKind(StrEnum):
    """What a citizen sends (``feedback.kind``)."""

    FEEDBACK = "feedback"  # góp ý, kiến nghị
    COMPLAINT = "complaint"  # phản ánh, khiếu nại


class FeedbackStatus(StrEnum):
    """Where a citizen's feedback stands in the agency's inbox (``feedback.status``)."""

    NEW = "new"  # received, nobody assigned yet
    ASSIGNED = "assigned"  # an officer of the agency is answering it
    ANSWERED = "answered"  # answered; the citizen was told


RATING_LEVELS = tuple(r.value for r in RatingLevel)
PAYMENT_STATUSES = tuple(s.value for s in PaymentStatus)
FEEDBACK_KINDS = tuple(k.value for k in FeedbackKind)
FEEDBACK_STATUSES = tuple(s.value for s in FeedbackStatus)


class IdempotencyKey(db.Model):
    """A client-chosen key of a creating request: replaying it returns the same dossier."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    # Hash of what the first request asked for: the same key with another request is a conflict.
    request_hash: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(db.Model):
    """A fee payment of a dossier through a payment gateway (one row per attempt)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider: Mapped[str] = mapped_column(String(32))
    # Our reference, sent to the gateway and signed back in its callbacks.
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.PENDING.value)
    provider_transaction: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship(viewonly=True)  # written through dossier_id


class SandboxBankTransaction(db.Model):
    """The sandbox payment provider's own ledger (what a real bank keeps on its side)."""

    __tablename__ = "sandbox_bank_transactions"
    __table_args__ = (CheckConstraint(_in("status", tuple(s.value for s in GatewayStatus)), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_reference: Mapped[str] = mapped_column(String(64), unique=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(255))
    return_url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=GatewayStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """An in-app notification of a citizen. ``kind`` and ``params`` are rendered in the reader's
    language when shown."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxChannel(StrEnum):
    """Where an outbox message goes (``outbox_messages.channel``)."""

    EMAIL = "email"  # an e-mail to a person, through SMTP
    NATIONAL = "national"  # a message to the national public-service portal
    SMS = "sms"  # a short text to the applicant's phone, through the brandname SMS gateway
    ZALO = "zalo"  # a template message of the province's Zalo Official Account
    SIGNING = "signing"  # a result to sign after the leader's decision (portal/operations/result_signing.py)


OUTBOX_CHANNELS = tuple(c.value for c in OutboxChannel)


def _event_id() -> str:
    return str(uuid.uuid4())


class OutboxMessage(db.Model):
    """A message to deliver to an outside system, written in the same transaction as the change it
    reports (the transactional outbox of every background delivery: e-mail, the national portal,
    SMS and Zalo; and of deferred result signing, the ``signing`` channel).

    ``portal.operations.outbox`` drains one channel at a time with one retry policy: a failure
    sets ``next_attempt_at`` (exponential back-off with a cap), and after the channel's number of
    attempts the message is parked (``parked_at``) until an administrator retries it. Messages of
    one dossier are delivered in ``seq`` order: an undelivered earlier one holds the later ones
    back. ``event_id`` stays the same across retries, so a receiver can drop a repeat. E-mails
    keep their address, subject and body in their own columns (without MAIL_SERVER they stay
    here, readable at /ho-so/hop-thu-di); other channels carry a JSON ``payload``.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(_in("channel", OUTBOX_CHANNELS), name="channel_known"),
        UniqueConstraint("channel", "dossier_id", "seq", name="uq_outbox_messages_channel_dossier_seq"),
        Index("ix_outbox_messages_channel_pending", "channel", "sent_at", "parked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default=OutboxChannel.EMAIL.value,
                                         server_default=OutboxChannel.EMAIL.value)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, default=_event_id)
    # A message that must exist once (e.g. one day's statistics of one agency).
    dedup_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict | None] = mapped_column(JSONType)
    to_address: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Delivered (a 2xx, or accepted by the mail server).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SMS and Zalo: the provider's id of the accepted message, and what its delivery receipt
    # said last (``delivered``, ``failed``, ...; portal/operations/messaging.py).
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    receipt_status: Mapped[str | None] = mapped_column(String(16))
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rating(db.Model):
    """The applicant's satisfaction with a returned dossier (once per dossier)."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(_in("level", RATING_LEVELS), name="level_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    level: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(db.Model):
    """A complaint or a suggestion (phản ánh, kiến nghị) sent by a citizen, answered by the agency
    it is addressed to within 10 working days of receipt (``due_at``, from the working calendar).

    ``code`` (PA-2026-000123) is set in the transaction that receives it; ``agency_id`` is the
    agency chosen by the citizen, or the dossier's, or the province's one-stop centre.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_in("kind", FEEDBACK_KINDS), name="kind_known"),
        CheckConstraint(_in("status", FEEDBACK_STATUSES), name="status_known"),
        Index("ix_feedback_agency_status", "agency_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=FeedbackStatus.NEW.value,
                                        server_default=FeedbackStatus.NEW.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    dossier: Mapped[Dossier | None] = relationship(viewonly=True)  # written through dossier_id
    agency: Mapped[Agency | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


write_through_columns(Payment, "dossier")
write_through_columns(Feedback, "dossier")
