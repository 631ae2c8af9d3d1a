"""Named periods and the reporting cut-off of Nghị định 09/2019/NĐ-CP; one definition of the
last day for the page and the API (both included, ``from=to`` is one day)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.statistics import periods
from portal.statistics.queries import Scope, period_table
from tests.integration.lifecycle_helpers import vn
from tests.integration.test_statistics import procedures_at, put
from tests.integration.test_statistics_web import token

# Hand-computed from Điều 12 of Nghị định 09/2019/NĐ-CP: from the 15th of the month before the
# period to the 14th of its last month.
CUTOFFS = [
    (("month", 2025, 3), date(2025, 2, 15), date(2025, 3, 14)),
    (("month", 2025, 1), date(2024, 12, 15), date(2025, 1, 14)),
    (("quarter", 2025, 1), date(2024, 12, 15), date(2025, 3, 14)),
    (("quarter", 2025, 4), date(2025, 9, 15), date(2025, 12, 14)),
    (("half", 2025, None), date(2024, 12, 15), date(2025, 6, 14)),
    (("nine_months", 2025, None), date(2024, 12, 15), date(2025, 9, 14)),
    (("year", 2025, None), date(2024, 12, 15), date(2025, 12, 14)),
]


@pytest.mark.parametrize(("named", "first", "last"), CUTOFFS)
def test_reporting_cutoff_boundaries(app, named, first, last):
    kind, year, number = named
    period = periods.build(kind, year, number, basis="nd09")
    assert (period.start, period.last_day) == (first, last)
    assert period.start_at.isoformat() == f"{first.isoformat()}T00:00:00+07:00"
    assert period.end_at.isoformat() == f"{date.fromordinal(last.toordinal() + 1).isoformat()}T00:00:00+07:00"
    # Consecutive cut-off periods meet without a gap or an overlap.
    if kind == "month":
        following = periods.build("month", year + (number == 12), number % 12 + 1, basis="nd09")
        assert following.start == period.end


def test_calendar_periods_and_labels(app):
    assert (periods.build("half", 2025).start, periods.build("half", 2025).last_day) == (date(2025, 1, 1),
                                                                                         date(2025, 6, 30))
    assert periods.build("quarter", 2025, 1, basis="nd09").label() == "Quý 1/2025 (chốt số liệu 15/12/2024 - 14/03/2025)"
    assert periods.build("year", 2025, basis="nd09").label() == "Năm 2025 (chốt số liệu 15/12/2024 - 14/12/2025)"
    assert periods.custom(date(2025, 3, 14), date(2025, 3, 14)).end == date(2025, 3, 15)
    for bad in (lambda: periods.build("custom", first_day=date(2025, 1, 1), last_day=date(2025, 1, 2), basis="nd09"),
                lambda: periods.build("year", 2025, basis="lunar"),
                lambda: periods.custom(date(2025, 3, 2), date(2025, 3, 1))):
        with pytest.raises(periods.PeriodError):
            bad()


def test_a_cutoff_quarter_counts_the_14th_and_not_the_15th(app):
    p = procedures_at(3)[0]
    put(p, status="accepted", received_at=vn(2024, 12, 14, 23, 59, 59), due_at=vn(2099, 1, 1))  # before
    put(p, status="accepted", received_at=vn(2024, 12, 15, 0, 0), due_at=vn(2099, 1, 1))  # first second
    put(p, status="accepted", received_at=vn(2025, 3, 14, 23, 59, 59), due_at=vn(2099, 1, 1))  # last second
    put(p, status="accepted", received_at=vn(2025, 3, 15, 0, 0), due_at=vn(2099, 1, 1))  # next period
    db.session.commit()
    now = vn(2025, 6, 1)
    cut = period_table(periods.build("quarter", 2025, 1, basis="nd09"), Scope(), now=now).total
    calendar = period_table(periods.quarter(2025, 1), Scope(), now=now).total
    assert (cut["carried_over"], cut["received"], cut["in_process"]) == (1, 2, 3)
    assert (calendar["carried_over"], calendar["received"]) == (2, 2)  # 14/03 and 15/03


def test_one_day_on_the_api_and_the_page_gives_the_same_figures(client, pages, make_user):
    p = procedures_at(4)[0]
    put(p, status="accepted", received_at=vn(2025, 3, 14, 0, 0), due_at=vn(2099, 1, 1))
    put(p, status="accepted", channel="in_person", received_at=vn(2025, 3, 14, 23, 59, 59), due_at=vn(2099, 1, 1))
    put(p, status="accepted", received_at=vn(2025, 3, 15, 0, 0), due_at=vn(2099, 1, 1))
    db.session.commit()
    admin = token(client, make_user, "admin")
    body = client.get("/api/v1/stats?from=2025-03-14&to=2025-03-14", headers=admin).get_json()
    assert (body["from"], body["to"]) == ("2025-03-14", "2025-03-14")
    assert body["total"]["received"] == 2 and body["total"]["received_online"] == 1
    assert body["total"]["online_rate_level4"]["text"] == "1/2 đạt 50%"
    # The same named period both ways: the API's kind/year/number/basis are the page's.
    named = client.get("/api/v1/stats?kind=quarter&year=2025&number=1&basis=nd09", headers=admin).get_json()
    assert (named["from"], named["to"], named["basis"]) == ("2024-12-15", "2025-03-14", "nd09")
    assert named["total"]["received"] == 2
    assert client.get("/api/v1/stats?from=2025-03-15&to=2025-03-14", headers=admin).status_code == 400
    make_user(role="admin", username="quantri2")
    from tests.conftest import PASSWORD

    pages.login("quantri2", PASSWORD)
    page = client.get("/thong-ke/?kind=custom&start=2025-03-14&until=2025-03-14").get_data(as_text=True)
    assert body["summary"] in page
    csv_text = client.get("/thong-ke/xuat.csv?kind=quarter&year=2025&number=1&basis=nd09").get_data().decode("utf-8-sig")
    assert "15/12/2024 - 14/03/2025" in csv_text
