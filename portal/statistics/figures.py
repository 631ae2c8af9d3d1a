"""The figures of the leaders' dashboard, each defined once as an SQL condition on stored
dossier columns (``figure_conditions``), and the scope (agency, field, procedure) they are
counted in.

Definitions (docs/statistics.md has the full text):

- *received* (tiếp nhận): ``received_at`` in the period. ``received_at`` is set when the desk
  accepts (registers) the dossier; drafts, submissions not yet accepted and refused intakes are
  not received. Split by ``channel``: online / in person / post.
- *carried over* (kỳ trước chuyển sang): received before the period and not finished before it.
- *finished*: ``finished_at`` is set when a result is issued, the request is refused, or the
  dossier is stopped or withdrawn. *processed* (đã giải quyết) = finished in the period with a
  result (status processed or returned), split by the stored ``timeliness``: early / on time /
  late; *refused* = processed with ``result_kind`` 'refused'; *stopped*, *withdrawn* = finished
  in the period in that status.
- *in process* (đang giải quyết) = received before the end and not finished by the end; of
  which *overdue* = due before the end (and before now) and not waiting for a supplement;
  *not yet due* = the rest; *supplement* = waiting for the applicant's supplement at the end.
  Balance: carried over + received = processed + stopped + withdrawn + in process.
- *returned* (đã trả kết quả) = ``returned_at`` in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_

from portal.models import Dossier, DossierDayCount, DossierFile, Procedure
from portal.models.types import UTCDateTime
from workflow.states import Channel, Status, Timeliness

D = Dossier.__table__
P = Procedure.__table__
DC = DossierDayCount.__table__

GROUPS = ("agency", "field", "procedure", "month")

#: Counted figures, in the order of the tables and exports.
FIGURES = (
    "carried_over", "received", "received_online", "received_in_person", "received_post",
    "processed", "early", "on_time", "late", "in_process", "not_yet_due", "overdue", "supplement",
    "stopped", "withdrawn", "refused", "returned",
)
#: Figures behind the rates (numerators and denominators), also drillable.
RATE_FIGURES = (
    "processed_in_time", "received_level3", "received_level3_online", "received_level4",
    "received_level4_online", "received_level34", "received_level34_online",
    # QĐ 766 digitisation: received at the desk (in person or by post), of which with a paper
    # document scanned there; processed with an electronically signed result.
    "received_paper", "received_scanned", "processed_e_result",
)
ALL_FIGURES = FIGURES + RATE_FIGURES

#: rate -> (numerator figure, denominator figure)
RATES = {
    "on_time_rate": ("processed_in_time", "processed"),
    "online_rate_level3": ("received_level3_online", "received_level3"),
    "online_rate_level4": ("received_level4_online", "received_level4"),
}

#: Figures that describe the state at one moment (start or end of the period) rather than
#: what happened during it; a period's value is its first (carried over) or last month's.
STOCK_AT_START = frozenset({"carried_over"})
STOCK_AT_END = frozenset({"in_process", "not_yet_due", "overdue", "supplement"})

FINISHED_WITH_RESULT = (Status.PROCESSED.value, Status.RETURNED.value)


def figure_conditions(start, end, as_of) -> dict[str, ColumnElement[bool]]:
    """The condition of every figure for the period [start, end), evaluated at ``as_of``.

    ``start``, ``end`` and ``as_of`` are SQL expressions: bound values, or the columns of a
    table of months (to compute every month of a year in one statement).
    """
    received = and_(D.c.received_at >= start, D.c.received_at < end)
    finished = and_(D.c.finished_at >= start, D.c.finished_at < end)
    open_at_start = and_(D.c.received_at < start, or_(D.c.finished_at.is_(None), D.c.finished_at >= start))
    open_at_end = open_at(end)
    paused_at_end = and_(D.c.paused_since.is_not(None), D.c.paused_since < end)
    overdue = and_(unpaused_past_due(end), D.c.due_at < as_of)
    processed = and_(finished, D.c.status.in_(FINISHED_WITH_RESULT))
    level3, level4 = P.c.level == 3, P.c.level == 4
    online = D.c.channel == Channel.ONLINE.value
    paper = and_(received, D.c.channel != Channel.ONLINE.value)
    files = DossierFile.__table__
    scanned = exists().where(files.c.dossier_id == D.c.id, files.c.kind == "scan")
    return {
        "carried_over": open_at_start,
        "received": received,
        "received_online": and_(received, online),
        "received_in_person": and_(received, D.c.channel == Channel.IN_PERSON.value),
        "received_post": and_(received, D.c.channel == Channel.POST.value),
        "processed": processed,
        "early": and_(processed, D.c.timeliness == Timeliness.EARLY.value),
        "on_time": and_(processed, D.c.timeliness == Timeliness.ON_TIME.value),
        "late": and_(processed, D.c.timeliness == Timeliness.LATE.value),
        "in_process": open_at_end,
        "not_yet_due": and_(open_at_end, ~overdue),
        "overdue": overdue,
        "supplement": and_(open_at_end, paused_at_end),
        "stopped": and_(finished, D.c.status == Status.STOPPED.value),
        "withdrawn": and_(finished, D.c.status == Status.WITHDRAWN.value, D.c.received_at.is_not(None)),
        "refused": and_(processed, D.c.result_kind == "refused"),
        "returned": and_(D.c.returned_at >= start, D.c.returned_at < end),
        "processed_in_time": and_(processed, D.c.timeliness.in_((Timeliness.EARLY.value, Timeliness.ON_TIME.value))),
        "received_level3": and_(received, level3),
        "received_level3_online": and_(received, level3, online),
        "received_level4": and_(received, level4),
        "received_level4_online": and_(received, level4, online),
        "received_level34": and_(received, P.c.level >= 3),
        "received_level34_online": and_(received, P.c.level >= 3, online),
        "received_paper": paper,
        "received_scanned": and_(paper, scanned),
        "processed_e_result": and_(processed, D.c.result_signed.is_(True)),
    }


def open_at(end) -> ColumnElement[bool]:
    """Received before ``end`` and not finished before it."""
    return and_(D.c.received_at < end, or_(D.c.finished_at.is_(None), D.c.finished_at >= end))


def unpaused_past_due(end) -> ColumnElement[bool]:
    """Open at ``end``, not waiting for a supplement then, and due before it: overdue at
    ``end`` when also due before now."""
    return and_(open_at(end), or_(D.c.paused_since.is_(None), D.c.paused_since >= end), D.c.due_at < end)


def relevant(start, end) -> ColumnElement[bool]:
    """Dossiers that can count in any figure of [start, end): received before the end and not
    finished and returned before the start. A cheap pre-filter; every figure implies it."""
    return and_(
        D.c.received_at < end,
        or_(D.c.finished_at.is_(None), D.c.finished_at >= start, D.c.returned_at >= start),
    )


def tally(condition: ColumnElement[bool]):
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return func.sum(case((condition, 1), else_=0))


def utc_bound(value: datetime):
    """``value`` as a bound SQL value of the stored UTC type."""
    return literal(value, UTCDateTime())


@dataclass(frozen=True)
class Scope:
    """Filters of a table: one agency, field or procedure (ids), or none (the province)."""

    agency_id: int | None = None
    field_id: int | None = None
    procedure_id: int | None = None

    def conditions(self, table=D) -> list[ColumnElement[bool]]:
        """The filters on ``table``: ``dossiers`` or the day counts (both joined with procedures)."""
        found = []
        if self.agency_id is not None:
            found.append(table.c.agency_id == self.agency_id)
        if self.field_id is not None:
            found.append(P.c.field_id == self.field_id)
        if self.procedure_id is not None:
            found.append(table.c.procedure_id == self.procedure_id)
        return found


def dossiers_and_procedures():
    """``dossiers`` joined with their procedures (level, field, name)."""
    return D.join(P, P.c.id == D.c.procedure_id)
