"""Progress of ``flask demo generate`` runs, so that an interrupted run can be resumed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class DemoRun(db.Model):
    """One run of the demo generator: its parameters (the same parameters give the same
    dossiers) and how many dossiers are stored; ``done`` moves in the transaction of each batch."""

    __tablename__ = "demo_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    seed: Mapped[int] = mapped_column(Integer)
    reference_day: Mapped[date] = mapped_column(Date)
    total: Mapped[int] = mapped_column(Integer)
    batch: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    # The span of the data: dossiers received over the ``months`` months before reference_day.
    months: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    done: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
