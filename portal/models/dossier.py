from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from functools import cache

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.procedure import Procedure, ProcedureTerms, ProcedureVersion
from portal.models.types import JSONType, UTCDateTime, utcnow
from portal.models.user import User
from portal.text import dossier_search_text, fold
from workflow.states import Channel, Status, Timeliness

STATUS_VALUES = tuple(s.value for s in Status)
CHANNEL_VALUES = tuple(c.value for c in Channel)
TIMELINESS_VALUES = tuple(t.value for t in Timeliness)


class DossierSource(StrEnum):
    """Which system the dossier was filed through (``dossiers.source``)."""

    PORTAL = "portal"  # this portal: the citizen's own filing, or the one-stop desk
    NATIONAL = "national"  # handed over by the national public-service portal



def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Dossier(db.Model):
    """A dossier (hồ sơ): one application for one procedure, by one applicant.

    Deadlines are computed by ``workflow.deadlines`` at each transition and stored here, so
    that queues and statistics are plain SQL over these columns. ``version`` guards against
    concurrent changes: a transition on a stale version fails with a conflict.
    """

    __tablename__ = "dossiers"
    __table_args__ = (
        CheckConstraint(_in("status", STATUS_VALUES), name="status_known"),
        CheckConstraint(_in("channel", CHANNEL_VALUES), name="channel_known"),
        CheckConstraint("timeliness IS NULL OR " + _in("timeliness", TIMELINESS_VALUES), name="timeliness_known"),
        CheckConstraint("due_at IS NULL OR received_at IS NULL OR due_at >= received_at", name="due_after_received"),
        Index("ix_dossiers_agency_status_due", "agency_id", "status", "due_at"),
        Index("ix_dossiers_agency_received", "agency_id", "received_at"),
        # A unique index, not a constraint: adding it does not make SQLite rebuild the table.
        Index("ix_dossiers_national_code", "national_code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The applicant as stated on this dossier (name, ID number, address, phone, email, proxy).
    applicant: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The applicant's name in lower case without diacritics, for search ("nguyen van a").
    applicant_search: Mapped[str] = mapped_column(String(255), default="")
    # What the office queue searches (portal.text.dossier_search_text): folded name, code, ID number
    # and phone; a trigram index on PostgreSQL (migration 0024_queue_search) serves "contains".
    search_text: Mapped[str] = mapped_column(String(400), default="", server_default="")
    channel: Mapped[str] = mapped_column(String(16))
    # A DossierSource value (no CHECK constraint: adding one would rebuild the table on SQLite).
    source: Mapped[str] = mapped_column(String(16), default=DossierSource.PORTAL.value,
                                        server_default=DossierSource.PORTAL.value)
    # The national portal's code of a dossier it handed over, and the SHA-256 of that request
    # (the same code again with another body is a conflict).
    national_code: Mapped[str | None] = mapped_column(String(64))
    national_digest: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default=Status.DRAFT.value, index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    # The procedure's version the dossier was filed under (procedure_versions.number): its
    # documents, steps, time limits and fee stay those of that version (``terms``).
    procedure_version: Mapped[int | None] = mapped_column(Integer)
    form_snapshot: Mapped[list] = mapped_column(JSONType, default=list)
    form_data: Mapped[dict] = mapped_column(JSONType, default=dict)
    # Internal process: the current step's key, who holds it, and when that step is due.
    step_key: Mapped[str | None] = mapped_column(String(64))
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    holder_role: Mapped[str | None] = mapped_column(String(32))
    # Link-up (liên thông): the other agency whose step the dossier is at (NULL: its own agency).
    step_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # "File at any desk": the agency whose one-stop desk received a dossier for another agency's
    # procedure (NULL: received by its own agency or online).
    desk_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # Clock: reception, budget, supplement pauses, one extension.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    budget_minutes: Mapped[int | None] = mapped_column(Integer)
    pauses: Mapped[list] = mapped_column(JSONType, default=list)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resume_status: Mapped[str | None] = mapped_column(String(32))
    # How many times the applicant was asked to supplement (a second time needs a reason).
    # The desk marked the case as one of a remote and difficult area at reception: the procedure's
    # longer limit for such areas applies (as it does for every dossier of an agency marked so).
    remote_area: Mapped[bool] = mapped_column(default=False, server_default=false())
    supplement_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(16))
    result_kind: Mapped[str | None] = mapped_column(String(16))  # granted / refused
    result_proposed: Mapped[bool] = mapped_column(default=False)
    result_signed: Mapped[bool] = mapped_column(default=False)
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    fee_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # At least one stored electronic file (dossier_files); kept by portal.statistics.daily for the
    # digitisation figure.
    has_files: Mapped[bool] = mapped_column(default=False, server_default=false())
    # At least one paper document digitised at the desk (a dossier_files row of kind "scan"):
    # the QĐ 766 digitisation of received dossiers; kept the same way as has_files.
    has_scans: Mapped[bool] = mapped_column(default=False, server_default=false())
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Hash of the newest event: anchors the chain, so deleting the last events is detected too.
    last_event_hash: Mapped[str | None] = mapped_column(String(64))

    # The rows a dossier points to are read through these, never written: view-only, so a flush
    # of a dossier has no dependency of theirs to sort (about 1.4 ms of CPU per flush that
    # touches one). Its foreign-key columns are what is written; assigning an object keeps its
    # column in step (``write_through_columns``), as for the other rows that point to a dossier.
    procedure: Mapped[Procedure] = relationship(viewonly=True)
    filed_version: Mapped[ProcedureVersion | None] = relationship(
        primaryjoin=lambda: (foreign(Dossier.procedure_id) == ProcedureVersion.procedure_id)
        & (foreign(Dossier.procedure_version) == ProcedureVersion.number),
        viewonly=True, uselist=False,
    )
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id], viewonly=True)
    step_agency: Mapped[Agency | None] = relationship(foreign_keys=[step_agency_id], viewonly=True)
    desk_agency: Mapped[Agency | None] = relationship(foreign_keys=[desk_agency_id], viewonly=True)
    applicant_user: Mapped[User | None] = relationship(foreign_keys=[applicant_id], viewonly=True)
    holder: Mapped[User | None] = relationship(foreign_keys=[holder_id], viewonly=True)
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.seq", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def terms(self) -> Procedure | ProcedureTerms:
        """The procedure as the dossier was filed under it: the live row while it has not
        changed since (no query), else the version the dossier was filed under."""
        procedure = self.procedure
        if self.procedure_version is None or self.procedure_version == procedure.version:
            return procedure
        filed = self.filed_version
        return filed.terms if filed is not None else procedure

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    def __repr__(self) -> str:
        return f"<Dossier {self.id} {self.code} {self.status}>"


class DossierEvent(db.Model):
    """One change of a dossier. Append-only; each row carries the hash of the previous row of
    the same dossier, so that an edited or deleted event breaks the chain (``flask audit verify``).
    """

    __tablename__ = "dossier_events"
    __table_args__ = (UniqueConstraint("dossier_id", "seq", name="uq_dossier_events_dossier_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # looked up through uq_dossier_events_dossier_seq (dossier_id first): no index of its own
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(255))
    actor_role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    from_step: Mapped[str | None] = mapped_column(String(64))
    to_step: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For a hand-over: the step's own deadline and how the giver did against it.
    step_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step_timeliness: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    dossier: Mapped[Dossier] = relationship(back_populates="events", viewonly=True)


class DossierCodeCounter(db.Model):
    """The last sequence number used for dossier codes of one agency on one day."""

    __tablename__ = "dossier_code_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer)


class AppointmentProof(db.Model):
    """How an appointment printed on a receipt or an apology was computed, kept so that anyone
    holding the paper can check it (``portal.operations.proofs``): the short code printed with
    the QR code, the inputs of the calculation, the calendar entries it used and the hash of the
    calendar as it stood then."""

    __tablename__ = "appointment_proofs"
    __table_args__ = (CheckConstraint("kind IN ('receipt', 'apology')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    calculation: Mapped[dict] = mapped_column(JSONType, default=dict)
    calendar_hash: Mapped[str] = mapped_column(String(64))

    dossier: Mapped[Dossier] = relationship(viewonly=True)  # written through dossier_id


class CalendarOverride(db.Model):
    """An announced change to the working calendar: an extra day off (e.g. the Tết bridge days
    of the civil service) or a Saturday made a working day (ngày làm bù)."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (CheckConstraint("kind IN ('day_off', 'working_day')", name="kind_known"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkingHoursSetting(db.Model):
    """Opening hours of an agency (``agency_id`` NULL: the province-wide default)."""

    __tablename__ = "working_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), unique=True)
    # [["07:00", "11:30"], ["13:30", "17:00"]]
    periods: Mapped[list] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def write_through_columns(model, *names: str) -> None:
    """Assigning an object to one of ``model``'s view-only references ``names`` sets the
    reference's foreign-key column (read from the relationship), which the flush writes; ``None``
    clears it. An object without an id yet is refused before anything changes: a view-only
    reference does not make the flush insert it first."""
    for name in names:
        event.listen(getattr(model, name), "set", _write_through(model, name), retval=True)


def _write_through(model, name: str):
    def on_set(target, value, _old, _initiator):
        if value is not None and value.id is None:
            raise ValueError(f"{model.__name__}.{name}: the row referred to has no id yet (flush it first)")
        setattr(target, _foreign_key_attribute(model, name), value.id if value is not None else None)
        return value
    return on_set


@cache
def _foreign_key_attribute(model, name: str) -> str:
    """The attribute of the one foreign-key column of ``model``'s reference ``name``."""
    mapper = inspect(model)
    (column,) = mapper.relationships[name].local_columns
    return mapper.get_property_by_column(column).key


write_through_columns(Dossier, "procedure", "agency", "step_agency", "desk_agency", "applicant_user", "holder")
write_through_columns(DossierEvent, "dossier")
write_through_columns(AppointmentProof, "dossier")


@event.listens_for(Dossier, "before_insert")
@event.listens_for(Dossier, "before_update")
def _fold_applicant_name(_mapper, _connection, dossier: Dossier) -> None:
    folded = search_columns(dossier.code, dossier.applicant)
    dossier.applicant_search = folded["applicant_search"]
    if dossier.search_text != folded["search_text"]:
        dossier.search_text = folded["search_text"]


def search_columns(code: str | None, applicant: dict | None) -> dict[str, str]:
    """The folded columns the office's search reads, from a dossier's code and applicant (kept
    by the flush; a row inserted without it, ``dossiers.create_draft``, takes them from here)."""
    return {"applicant_search": fold((applicant or {}).get("full_name") or "")[:255],
            "search_text": dossier_search_text(code, applicant)}
