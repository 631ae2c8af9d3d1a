"""Use cases of the statistics capability: editing plan targets (audited)."""

from __future__ import annotations

from decimal import Decimal

from portal.extensions import db
from portal.models import PlanTarget, User
from portal.models.statistics import COMPARATORS
from portal.models.types import utcnow
from portal.operations import audit


class TargetError(ValueError):
    pass


def update_target(target_id: int, actor: User, *, comparator: str, target_value: Decimal, deadline_year: int,
                  address: str | None = None) -> PlanTarget:
    """Change a plan target (administrators); flushes, records an audit entry with old and new values."""
    target = db.session.get(PlanTarget, target_id)
    if target is None:
        raise TargetError("not_found")
    if comparator not in COMPARATORS or target_value < 0 or not 2000 <= deadline_year <= 2100:
        raise TargetError("invalid")
    before = {"comparator": target.comparator, "target_value": str(target.target_value),
              "deadline_year": target.deadline_year}
    target.comparator, target.target_value, target.deadline_year = comparator, target_value, deadline_year
    target.updated_at, target.updated_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record("plan_target.update", user=actor, object_type="plan_target", object_id=target.code,
                 address=address, before=before,
                 after={"comparator": comparator, "target_value": str(target_value), "deadline_year": deadline_year})
    return target


def load_plan_targets(actor: User | None, address: str | None = None) -> dict[str, int]:
    """Load the province's plan targets shipped with the catalogue (those that do not exist yet;
    edited ones are kept), as ``flask stats load-targets`` does; audited."""
    from portal.statistics.targets import load_targets

    report = load_targets()
    audit.record("plan_target.load", user=actor, object_type="plan_target", address=address, **report)
    return report


def import_catalogue(rows, *, source: str, actor: User | None = None, address: str | None = None) -> dict[str, int]:
    """Create or update the province catalogue's entries from the rows of a catalogue file
    (``portal.statistics.catalogue.read_catalogue``); entries absent from the file are kept.
    A second run of the same file changes nothing. Flushes; one audit entry with the counts."""
    from sqlalchemy import select

    from portal.models import CatalogueEntry
    from portal.operations.province_catalogue import agencies_by_name, linked_procedures
    from portal.text import fold

    procedures, agencies = linked_procedures(), agencies_by_name()
    existing = {entry.code: entry for entry in db.session.scalars(select(CatalogueEntry))}
    report = {"created": 0, "updated": 0, "unchanged": 0, "linked": 0}
    for row in rows:
        procedure = procedures.get(row.code) or procedures.get(fold(row.name_vi))
        agency = agencies.get(row.agency) or agencies.get(fold(row.agency)) if row.agency else None
        if agency is None and procedure is not None:
            agency = procedure.agency
        level = row.level or (procedure.level if procedure is not None else 2)
        values = {"name_vi": row.name_vi, "field_name": row.field or None, "tier": row.tier,
                  "agency_id": agency.id if agency is not None else None, "level": level,
                  "full_online_eligible": row.eligible if row.eligible is not None else level == 4,
                  "procedure_id": procedure.id if procedure is not None else None}
        report["linked"] += procedure is not None
        entry = existing.get(row.code)
        if entry is None:
            entry = CatalogueEntry(code=row.code, source=source, updated_at=utcnow(), **values)
            db.session.add(entry)
            existing[row.code] = entry
            report["created"] += 1
        elif any(getattr(entry, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(entry, key, value)
            entry.source, entry.updated_at = source, utcnow()
            report["updated"] += 1
        else:
            report["unchanged"] += 1
    db.session.flush()
    audit.record("catalogue_entries.import", user=actor, object_type="catalogue_entries", address=address,
                 source=source, **report)
    return report


class ReportError(ValueError):
    """The periodic report cannot be pushed (``code`` keys the message: portal.messages)."""

    @property
    def code(self) -> str:
        return str(self.args[0])


def push_periodic_report(period, agency=None, actor: User | None = None, address: str | None = None):
    """Write the periodic report of ``period`` (the province, or ``agency``) as one message of the
    national-portal outbox (``type: periodic_report``, delivered to ``POST /statistics/periodic``
    by ``flask national sync``), in this transaction. Only when the national seam is configured
    (``NATIONAL_PORTAL_URL``). The same figures again write nothing (returns the earlier
    message); changed figures (a correction) write a new message. Audited."""
    import hashlib
    import json
    import uuid

    from flask import current_app
    from sqlalchemy import select

    from portal.models.filing import OutboxChannel, OutboxMessage
    from portal.statistics.exports import report_payload
    from portal.statistics.queries import Scope, period_table

    if not current_app.config.get("NATIONAL_PORTAL_URL"):
        raise ReportError("national_not_configured")
    scope = Scope(agency_id=agency.id) if agency is not None else Scope()
    payload = report_payload(period_table(period, scope, "field"), agency.identifier if agency is not None else None)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    key = (f"periodic_report:{period.basis}:{period.start:%Y%m%d}-{period.last_day:%Y%m%d}:"
           f"{agency.id if agency is not None else 'tinh'}:{digest[:16]}")
    earlier = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == key))
    if earlier is not None:
        return earlier, False
    event_id = str(uuid.uuid4())
    message = OutboxMessage(channel=OutboxChannel.NATIONAL.value, event_id=event_id, dedup_key=key,
                            payload={**payload, "event_id": event_id})
    db.session.add(message)
    db.session.flush()
    audit.record("stats.report_push", user=actor, object_type="outbox_message", object_id=message.id,
                 address=address, period=period.label(), agency=agency.code if agency is not None else None)
    return message, True
