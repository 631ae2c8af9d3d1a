"""The periodic report in the layout of Biểu mẫu 06a/VPCP/KSTT, and the same figures pushed to
the national portal (simulator process) through the outbox."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, Procedure
from portal.operations.statistics import ReportError, push_periodic_report
from portal.statistics import periods
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import vn
from tests.integration.national_helpers import national_simulator, simulator  # noqa: F401
from tests.integration.test_statistics import put


def _data():
    procedures = db.session.scalars(select(Procedure).order_by(Procedure.code)).all()
    p, other = procedures[0], next(x for x in procedures if x.field_id != procedures[0].field_id)
    # Quarter 1/2025 on the NĐ 09 cut-off: 15/12/2024 - 14/03/2025.
    put(p, status="in_process", channel="in_person", received_at=vn(2024, 12, 1, 8), due_at=vn(2099, 1, 1))  # carried
    put(p, status="processed", channel="online", received_at=vn(2025, 1, 5, 8), due_at=vn(2025, 1, 20, 17),
        finished_at=vn(2025, 1, 10, 9), timeliness="early")
    put(p, status="processed", channel="post", received_at=vn(2025, 1, 6, 8), due_at=vn(2025, 1, 20, 17),
        finished_at=vn(2025, 1, 25, 9), timeliness="late")
    put(other, status="in_process", channel="online", received_at=vn(2025, 2, 1, 8), due_at=vn(2025, 2, 10, 17))
    put(other, status="withdrawn", channel="online", received_at=vn(2025, 2, 2, 8), finished_at=vn(2025, 2, 3, 8))
    put(other, status="accepted", channel="online", received_at=vn(2025, 3, 15, 8), due_at=vn(2099, 1, 1))  # next
    db.session.commit()
    return p, other


def test_the_report_has_the_form_layout_and_the_figures(client, pages, make_user, app):
    p, other = _data()
    make_user(role="admin", username="quantri06")
    pages.login("quantri06", PASSWORD)
    response = client.get("/thong-ke/bao-cao.xlsx?kind=quarter&year=2025&number=1&basis=nd09")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Biểu mẫu 06a/VPCP/KSTT"
    assert "15/12/2024" in values[2][0] and "14/03/2025" in values[2][0]
    assert values[7][:3] == ["(1)", "(2)", "(3)"] and values[7][12] == "(13)"
    total = next(v for v in values if v[1] == "Tổng cộng")
    # (3) = 1 carried + 4 new = 5; (5) online 3 new incl. the withdrawn one (the 15/03 one is in the
    # next period), (6) 1 by post;
    # (7) processed 2: early 1, late 1; (11) in process 2: not yet due 1, overdue 1.
    assert total[2:13] == [5, 1, 3, 1, 2, 1, 0, 1, 2, 1, 1]
    assert total[2] == total[3] + total[4] + total[5]
    assert total[6] == total[7] + total[8] + total[9] and total[10] == total[11] + total[12]
    note = next(v[0] for v in values if v[0] and str(v[0]).startswith("Ghi chú"))
    assert "1 hồ sơ rút" in note
    rows = [v for v in values[8:] if v[0] in (1, 2)]
    assert {r[1] for r in rows} == {p.field.name_vi, other.field.name_vi}


def test_the_report_is_pushed_through_the_outbox_when_configured(app, runner, simulator):  # noqa: F811
    _data()
    result = runner.invoke(args=["stats", "push-report", "--kind", "quarter", "--year", "2025", "--number", "1"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["stats", "push-report", "--kind", "quarter", "--year", "2025", "--number", "1"])
    assert "cùng số liệu" in again.output
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "national")).all()
    reports = [m for m in messages if (m.payload or {}).get("type") == "periodic_report"]
    assert len(reports) == 1
    total = reports[0].payload["rows"][-1]
    assert total["columns"]["3"] == 5 and total["columns"]["7"] == 2 and reports[0].payload["period"]["from"] == "2024-12-15"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "stats.report_push")) is not None
    synced = runner.invoke(args=["national", "sync", "--no-daily"])
    assert synced.exit_code == 0, synced.output
    received = simulator.events("periodic_report")
    assert len(received) == 1 and received[0]["rows"][-1]["columns"]["11"] == 2


def test_without_the_national_seam_nothing_is_pushed(app):
    app.config["NATIONAL_PORTAL_URL"] = ""
    try:
        push_periodic_report(periods.build("quarter", 2025, 1, basis="nd09"))
    except ReportError as error:
        assert error.code == "national_not_configured"
    else:
        raise AssertionError("pushed without a national portal")


def test_the_api_gives_the_same_report(client, make_user, app):
    from tests.integration.test_statistics_web import token

    _data()
    admin = token(client, make_user, "admin")
    response = client.get("/api/v1/stats/report.xlsx?kind=quarter&year=2025&number=1&basis=nd09", headers=admin)
    assert response.status_code == 200 and "bao-cao-06a-20241215-20250314" in response.headers["Content-Disposition"]
    values = [list(r) for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    assert next(v for v in values if v[1] == "Tổng cộng")[2:13] == [5, 1, 3, 1, 2, 1, 0, 1, 2, 1, 1]
    officer = token(client, make_user, "one_stop_officer", "so-tai-chinh")
    assert client.get("/api/v1/stats/report.xlsx?from=2025-01-01&to=2025-03-31", headers=officer).status_code == 403
