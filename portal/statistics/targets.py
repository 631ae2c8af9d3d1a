"""Plan targets: the measures they are compared with, and loading them from targets.yaml.

Every target is measured **at its own scope** (``PlanTarget.scope``): a province target over the
whole province (all the catalogue's procedures, all dossiers), an agency target over that
agency, a commune target over the procedures carried out at commune level; never over the
dashboard's filter. Metrics (docs/statistics.md):

- ``procedures_online``: catalogue entries at level 3 or 4 (a count).
- ``catalogue_level3_share``: catalogue entries at level 3 or 4 / all entries, in percent.
- ``catalogue_level4_share``: catalogue entries at level 4 / all entries, in percent.
- ``level4_share_of_eligible``: entries eligible for full online service that are at level 4 /
  eligible entries, in percent.
- ``permit_online_share``: dossiers of permit procedures (catalogue flag ``permit``) received
  online in the period / received in the period, in percent.
- ``online_rate_level34``: dossiers of level 3 and 4 procedures received online / received.
- ``on_time_rate``: (early + on time) / processed in the period.

The catalogue metrics read ``catalogue_entries`` (``portal.statistics.catalogue``); without a
catalogue they have no data ("chưa có số liệu"), never a verdict over the portal's own few
procedures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, PlanTarget
from portal.models.statistics import COMPARATORS, TARGET_SCOPES, UNITS
from portal.statistics import catalogue, queries
from portal.statistics.formulas import Ratio, format_decimal, format_int, verdict
from portal.statistics.periods import Period

TARGETS_FILE = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "targets.yaml"

METRICS = {
    "procedures_online": "Số thủ tục cung cấp trực tuyến (mức độ 3, 4)",
    "catalogue_level3_share": "Tỷ lệ thủ tục mức độ 3 trở lên trên toàn bộ thủ tục",
    "catalogue_level4_share": "Tỷ lệ thủ tục mức độ 4 trên toàn bộ thủ tục",
    "level4_share_of_eligible": "Tỷ lệ thủ tục mức độ 4 trên số thủ tục đủ điều kiện trực tuyến toàn trình",
    "permit_online_share": "Tỷ lệ hồ sơ cấp giấy phép tiếp nhận trực tuyến",
    "online_rate_level34": "Tỷ lệ hồ sơ mức độ 3, 4 tiếp nhận trực tuyến",
    "on_time_rate": "Tỷ lệ hồ sơ giải quyết đúng hạn",
}


@dataclass
class Actual:
    value: Decimal | None  # the number compared with the target (a count or a percentage)
    text: str
    ratio: Ratio | None = None


CATALOGUE_METRICS = {
    # metric: (numerator, denominator) of catalogue.Coverage
    "catalogue_level3_share": ("level3_or_more", "total"),
    "catalogue_level4_share": ("level4", "total"),
    "level4_share_of_eligible": ("eligible_level4", "eligible"),
}


def measure(metric: str, period: Period, scope: queries.Scope, table: queries.StatTable | None = None,
            target_scope: str = "province") -> Actual:
    if metric == "procedures_online" or metric in CATALOGUE_METRICS:
        found = catalogue.coverage(target_scope, scope.agency_id)
        if not found.total:
            return Actual(None, "")  # no catalogue loaded: no data, not 0
        if metric == "procedures_online":
            return Actual(Decimal(found.level3_or_more), format_int(found.level3_or_more))
        numerator, denominator = CATALOGUE_METRICS[metric]
        ratio = Ratio(getattr(found, numerator), getattr(found, denominator))
    elif target_scope == "commune":
        return Actual(None, "")  # dossier metrics are not counted by the commune tier
    elif metric == "permit_online_share":
        ratio = queries.permit_online_ratio(period, scope)
    elif metric in ("online_rate_level34", "on_time_rate"):
        table = table or queries.period_table(period, scope, "agency")
        counts = table.total.counts
        ratio = (Ratio(counts["received_level34_online"], counts["received_level34"]) if metric == "online_rate_level34"
                 else table.total.ratio("on_time_rate"))
    else:
        raise ValueError(f"unknown metric {metric!r}")
    return Actual(ratio.percent, ratio.text(), ratio)


@dataclass
class TargetResult:
    target: PlanTarget
    actual: Actual
    verdict: str

    @property
    def target_text(self) -> str:
        value = format_decimal(Decimal(self.target.target_value))
        return f"{self.target.comparator} {value}{'%' if self.target.unit == 'percent' else ''}"


def visible_targets(agency_id: int | None = None, sees_all: bool = True) -> list[PlanTarget]:
    """The targets a reader sees: every target for the province's readers (administrators), the
    province's and commune targets and their own agency's for an agency's leaders."""
    statement = select(PlanTarget).order_by(PlanTarget.deadline_year, PlanTarget.scope, PlanTarget.code)
    if not sees_all:
        statement = statement.where((PlanTarget.scope != "agency") | (PlanTarget.agency_id == agency_id))
    return list(db.session.scalars(statement))


def evaluate(period: Period, agency_id: int | None = None, sees_all: bool = True,
             table: queries.StatTable | None = None) -> list[TargetResult]:
    """Each visible target measured at its own scope over ``period`` (``table``, the province's
    table of that period, saves a query for the province's dossier metrics)."""
    results = []
    for target in visible_targets(agency_id, sees_all):
        scope = queries.Scope(agency_id=target.agency_id) if target.scope == "agency" else queries.Scope()
        province_table = table if (target.scope == "province" and table is not None and table.scope == scope) else None
        actual = (measure(target.metric, period, scope, province_table, target.scope)
                  if target.metric in METRICS else Actual(None, ""))
        results.append(TargetResult(target, actual, verdict(actual.value, target.comparator, target.target_value)))
    return results


class TargetFileError(ValueError):
    pass


REQUIRED = ("code", "name_vi", "name_en", "metric", "comparator", "target_value", "unit", "deadline_year", "source")
OPTIONAL = ("decision_number", "decision_date", "document_title", "scope")


def read_targets(path: Path = TARGETS_FILE) -> list[dict]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    problems = []
    for i, entry in enumerate(entries, 1):
        missing = [key for key in REQUIRED if key not in entry]
        if missing:
            problems.append(f"#{i}: thiếu {', '.join(missing)}")
            continue
        if entry["metric"] not in METRICS:
            problems.append(f"{entry['code']}: chỉ số không biết '{entry['metric']}'")
        if entry["comparator"] not in COMPARATORS or entry["unit"] not in UNITS:
            problems.append(f"{entry['code']}: phép so sánh hoặc đơn vị không hợp lệ")
        if entry.get("scope", "province") not in TARGET_SCOPES or (entry.get("scope") == "agency") != bool(
                entry.get("agency")):
            problems.append(f"{entry['code']}: phạm vi không hợp lệ (phạm vi cơ quan cần mã cơ quan)")
    if problems:
        raise TargetFileError("; ".join(problems))
    return entries


def load_targets(path: Path = TARGETS_FILE, reset: bool = False) -> dict[str, int]:
    """Create the targets of ``path`` that do not exist (flush only). Existing targets, which
    administrators may have edited, are left alone unless ``reset``. Re-running changes nothing."""
    report = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in read_targets(path):
        values = {key: entry[key] for key in REQUIRED}
        values.update({key: entry.get(key) for key in OPTIONAL})
        values["scope"] = values["scope"] or "province"
        values["target_value"] = Decimal(str(values["target_value"]))
        values["source"] = " ".join(str(values["source"]).split())
        values["agency_id"] = None
        if entry.get("agency"):
            agency = db.session.scalar(select(Agency).where(Agency.code == entry["agency"]))
            if agency is None:
                raise TargetFileError(f"{entry['code']}: không có cơ quan '{entry['agency']}'")
            values["agency_id"] = agency.id
        target = db.session.scalar(select(PlanTarget).where(PlanTarget.code == entry["code"]))
        if target is None:
            db.session.add(PlanTarget(**values))
            report["created"] += 1
        elif reset and any(getattr(target, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(target, key, value)
            report["updated"] += 1
        else:
            report["unchanged"] += 1
    db.session.flush()
    return report
