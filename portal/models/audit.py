from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import JSONType, UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Append-only log of account and administration actions (dossiers have their own events).

    Who (user or the username tried), what action, on which object, from which address, and
    details. Nothing updates or deletes these rows: they are chained by hashes when their
    transaction commits (``seq``, ``prev_hash``, ``hash``: ``portal.operations.audit``), and
    ``flask audit verify`` recomputes the chain.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """The one row that ends the audit chain: its last ``seq`` and ``hash``. Locked (FOR UPDATE)
    by the transaction that appends, so concurrent writers chain one after the other."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
