"""Checking the day counts against the dossiers (``flask stats verify``): the tables read from
``dossier_day_counts`` must equal the same tables counted directly."""

from __future__ import annotations

from datetime import datetime

from portal.models.types import utcnow
from portal.statistics.figures import ALL_FIGURES
from portal.statistics.indicators import (
    digitisation_ratio,
    digitisation_ratio_direct,
    online_payment_ratio,
    online_payment_ratio_direct,
)
from portal.statistics.periods import Period
from portal.statistics.tables import direct_table, period_table


def day_count_differences(period: Period, now: datetime | None = None) -> list[tuple[str, str, int, int]]:
    """(row, figure, from the day counts, counted directly) for every figure of ``period``, by
    agency and for each of its months, where the two differ. Empty when the day counts are
    exact. Scans the period's dossiers once per month: an operator's check, not a page."""
    now = now or utcnow()
    found = []

    def compare(label, ours: dict, direct: dict):
        found.extend((label, figure, ours.get(figure, 0), direct.get(figure, 0))
                     for figure in ALL_FIGURES if ours.get(figure, 0) != direct.get(figure, 0))

    ours, direct = period_table(period, now=now), direct_table(period, now=now)
    direct_rows = {row.key: row for row in direct.rows}
    for key in {row.key for row in ours.rows} | set(direct_rows):
        mine = next((row for row in ours.rows if row.key == key), None)
        theirs = direct_rows.get(key)
        label = (mine or theirs).label
        compare(label, mine.counts if mine else {}, theirs.counts if theirs else {})
    for row in period_table(period, group_by="month", now=now).rows:
        compare(row.label, row.counts, direct_table(row.period, now=now).total.counts)
    # ALL_FIGURES includes the QĐ 766 figures kept per day (received_paper, received_scanned,
    # processed_e_result), compared above with their direct definition (desk scans counted from
    # dossier_files, not from the has_scans flag).
    ours_files, direct_files = digitisation_ratio(period), digitisation_ratio_direct(period)
    if ours_files.numerator != direct_files.numerator:
        found.append(("Tổng cộng", "received_digitised", ours_files.numerator, direct_files.numerator))
    ours_paid, direct_paid = online_payment_ratio(period), online_payment_ratio_direct(period)
    if ours_paid is not None and ours_paid.denominator != direct_paid.denominator:
        found.append(("Tổng cộng", "fee_paid", ours_paid.denominator, direct_paid.denominator))
    return found
