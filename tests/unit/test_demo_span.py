"""The span of the demo data (``flask demo generate --months``): calendar months back from the
reference day, and a volume growing over the span."""

from __future__ import annotations

import random
from datetime import date

import pytest

from portal.demo import _growing, months_before


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 11, 23), 12, date(2025, 11, 23)),
    (date(2026, 11, 23), 23, date(2024, 12, 23)),
    (date(2026, 1, 15), 1, date(2025, 12, 15)),
    (date(2026, 3, 31), 1, date(2026, 2, 28)),  # a shorter month: its last day
    (date(2024, 3, 31), 1, date(2024, 2, 29)),
    (date(2026, 12, 31), 24, date(2024, 12, 31)),
])
def test_months_before_counts_calendar_months(day, months, expected):
    assert months_before(day, months) == expected


def test_growth_maps_the_unit_interval_onto_itself_and_favours_later_days():
    assert _growing(0.3, 0.0) == 0.3  # no growth: uniform
    points = [i / 1000 for i in range(1000)]
    mapped = [_growing(u, 0.2) for u in points]
    assert mapped[0] == 0 and all(0 <= a < b < 1 for a, b in zip(mapped, mapped[1:], strict=False))
    rng = random.Random(1)
    draws = [_growing(rng.random(), 0.2) for _ in range(200_000)]
    later = sum(x >= 0.5 for x in draws) / len(draws)
    # density 1 + 0.2x: the later half holds (0.5 + 0.2 * 3/8) / 1.1 of the mass
    assert abs(later - (0.5 + 0.2 * 3 / 8) / 1.1) < 0.01
    assert abs(sum(x < 0.5 for x in draws) / len(draws) - (0.5 + 0.2 / 8) / 1.1) < 0.01
