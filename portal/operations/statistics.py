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
