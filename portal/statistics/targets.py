"""Plan targets: the measures they are compared with, and loading them from targets.yaml.

Metrics (the actual value a target is compared with; docs/statistics.md):

- ``procedures_online``: published procedures at level 3 or 4 (a count).
- ``level4_share_of_eligible``: level-4 procedures / procedures eligible for online filing
  (levels 3 and 4), in percent. "Đủ điều kiện" has no list at hand (check): the procedures that
  are already filed online are taken as the eligible ones.
- ``permit_online_share``: dossiers of permit procedures (catalogue flag ``permit``) received
  online in the period / received in the period, in percent.
- ``online_rate_level34``: dossiers of level 3 and 4 procedures received online / received.
- ``on_time_rate``: (early + on time) / processed in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import select

from portal.extensions import db
from portal.models import PlanTarget
from portal.models.statistics import COMPARATORS, UNITS
from portal.statistics import queries
from portal.statistics.formulas import Ratio, format_decimal, format_int, verdict
from portal.statistics.periods import Period

TARGETS_FILE = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "targets.yaml"

METRICS = {
    "procedures_online": "Số thủ tục cung cấp trực tuyến (mức độ 3, 4)",
    "level4_share_of_eligible": "Tỷ lệ thủ tục mức độ 4 trên số thủ tục trực tuyến",
    "permit_online_share": "Tỷ lệ hồ sơ cấp giấy phép tiếp nhận trực tuyến",
    "online_rate_level34": "Tỷ lệ hồ sơ mức độ 3, 4 tiếp nhận trực tuyến",
    "on_time_rate": "Tỷ lệ hồ sơ giải quyết đúng hạn",
}


@dataclass
class Actual:
    value: Decimal | None  # the number compared with the target (a count or a percentage)
    text: str
    ratio: Ratio | None = None


def measure(metric: str, period: Period, scope: queries.Scope, table: queries.StatTable | None = None) -> Actual:
    if metric in ("procedures_online", "level4_share_of_eligible"):
        levels = queries.procedures_by_level(scope)
        online = levels[3] + levels[4]
        if metric == "procedures_online":
            return Actual(Decimal(online), format_int(online))
        ratio = Ratio(levels[4], online)
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


def evaluate(period: Period, scope: queries.Scope, table: queries.StatTable | None = None) -> list[TargetResult]:
    results = []
    for target in db.session.scalars(select(PlanTarget).order_by(PlanTarget.deadline_year, PlanTarget.code)):
        actual = measure(target.metric, period, scope, table) if target.metric in METRICS else Actual(None, "")
        results.append(TargetResult(target, actual, verdict(actual.value, target.comparator, target.target_value)))
    return results


class TargetFileError(ValueError):
    pass


REQUIRED = ("code", "name_vi", "name_en", "metric", "comparator", "target_value", "unit", "deadline_year", "source")


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
    if problems:
        raise TargetFileError("; ".join(problems))
    return entries


def load_targets(path: Path = TARGETS_FILE, reset: bool = False) -> dict[str, int]:
    """Create the targets of ``path`` that do not exist (flush only). Existing targets, which
    administrators may have edited, are left alone unless ``reset``. Re-running changes nothing."""
    report = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in read_targets(path):
        values = {key: entry[key] for key in REQUIRED}
        values["target_value"] = Decimal(str(values["target_value"]))
        values["source"] = " ".join(str(values["source"]).split())
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
