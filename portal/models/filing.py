"""Online filing: idempotency keys, fee payments, notifications, the e-mail outbox, ratings and
feedback (the citizen side of the portal)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.dossier import Dossier, _in
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

    dossier: Mapped[Dossier] = relationship()


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


class OutboxMessage(db.Model):
    """An e-mail to send, written in the same transaction as the change it reports.

    ``flask outbox send`` (run every minute by the scheduler) delivers pending messages through
    SMTP and records the outcome, so a mail server that is down delays a message but never loses
    it. Without MAIL_SERVER (development) messages stay here, readable at /ho-so/hop-thu-di.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


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
    dossier: Mapped[Dossier | None] = relationship()
    agency: Mapped[Agency | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
