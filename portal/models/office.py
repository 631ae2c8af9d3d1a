"""Indexes and counts of the one-stop office's work queues (migrations 0005_office, 0024_queue_search).

The queue pages are one SELECT over stored columns of ``dossiers``; these indexes keep them fast
on a province-year of dossiers:

* ``(agency_id, id)``: "all dossiers" and "new online dossiers", newest first, keyset by id.
* ``(agency_id, holder_role, status)``: "at my step".
* ``(agency_id, channel, status)``: the desk's "new online dossiers to check".
* ``(agency_id, due_at, id)`` over running dossiers only (partial index): "overdue" and "due
  soon", most urgent first, read in index order and stopped after one page.
* ``(agency_id, due_at, id)`` over open dossiers only (partial index): the default queue "to
  handle", most urgent first (those without a due date last: ``NULLS LAST``, PostgreSQL's
  ascending order), read in index order and stopped after one page.
* a trigram index (PostgreSQL, ``pg_trgm``) on ``search_text``: the search box ("contains").

The counts on the queue tabs come from two small tables kept exact in the same transaction as
every change of a dossier (``portal.statistics.queue_counts``), never from a count over the
agency's dossiers.
"""

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.dossier import Dossier

ix_agency_id = Index("ix_dossiers_agency_id_id", Dossier.agency_id, Dossier.id)
ix_agency_holder = Index("ix_dossiers_agency_holder_status", Dossier.agency_id, Dossier.holder_role, Dossier.status)
ix_agency_channel = Index("ix_dossiers_agency_channel_status", Dossier.agency_id, Dossier.channel, Dossier.status)

RUNNING = "status IN ('accepted', 'in_process', 'awaiting_fee')"
ix_running_due = Index("ix_dossiers_running_due", Dossier.agency_id, Dossier.due_at, Dossier.id,
                       postgresql_where=text(RUNNING), sqlite_where=text(RUNNING))

OPEN = ("status IN ('submitted', 'accepted', 'in_process', 'supplement_requested', 'awaiting_fee', "
        "'processed')")
ix_open_due = Index("ix_dossiers_open_due", Dossier.agency_id, Dossier.due_at, Dossier.id,
                    postgresql_where=text(OPEN), sqlite_where=text(OPEN))
ix_search = Index("ix_dossiers_search_text", Dossier.search_text, postgresql_using="gin",
                  postgresql_ops={"search_text": "gin_trgm_ops"})


class QueueCount(db.Model):
    """How many dossiers (drafts excepted) of an agency are in one status, channel and holder
    (``holder_role`` "" and ``holder_id`` 0 when nobody holds it): the tabs "to handle", "new
    online", "at my step", "waiting for a supplement" and "all" are sums of a few rows."""

    __tablename__ = "queue_counts"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder_role: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class QueueDueCount(db.Model):
    """How many running dossiers (accepted, in process, awaiting the fee) of an agency are due
    on one Vietnam day: "overdue" and "due soon" add whole days from here and count only the
    dossiers due on the day of ``now`` (and of the due-soon limit) in the running-due index."""

    __tablename__ = "queue_due_counts"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
