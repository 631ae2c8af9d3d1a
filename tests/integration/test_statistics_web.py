"""Dashboard pages, API and exports: access, parameters, and the same figures everywhere."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, PlanTarget, Procedure
from portal.statistics.targets import load_targets
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import vn
from tests.integration.test_statistics import put


@pytest.fixture
def data(app):
    procedures = db.session.scalars(select(Procedure).order_by(Procedure.code)).all()
    p = next(x for x in procedures if x.level == 4)
    other = next(x for x in procedures if x.agency_id != p.agency_id)
    put(p, status="processed", received_at=vn(2025, 2, 3, 8), due_at=vn(2025, 2, 20, 17),
        finished_at=vn(2025, 2, 10, 9), timeliness="early")
    put(p, status="accepted", channel="in_person", received_at=vn(2025, 3, 3, 8), due_at=vn(2099, 1, 1))
    put(other, status="accepted", received_at=vn(2025, 3, 3, 8), due_at=vn(2099, 1, 1))
    load_targets()
    db.session.commit()
    return p, other


def token(client, make_user, role, agency=None):
    user = make_user(role=role, agency=agency)
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


YEAR = "from=2025-01-01&to=2025-12-31"


def test_api_figures_and_access(client, make_user, data):
    p, other = data
    admin = token(client, make_user, "admin")
    body = client.get(f"/api/v1/stats?{YEAR}&group_by=agency", headers=admin).get_json()
    assert body["total"]["received"] == 3 and body["total"]["processed"] == 1 and body["total"]["early"] == 1
    assert body["total"]["online_rate_level4"]["numerator"] == 1
    assert {r["key"] for r in body["rows"]} == {p.agency.code, other.agency.code}
    months = client.get(f"/api/v1/stats?{YEAR}&group_by=month", headers=admin).get_json()
    assert len(months["rows"]) == 12 and months["rows"][2]["received"] == 2 and months["rows"][2]["key"] == "2025-03"
    assert months["total"]["received"] == 3
    # A leader sees their own agency; another agency is a 403.
    leader = token(client, make_user, "agency_leader", p.agency.code)
    own = client.get(f"/api/v1/stats?{YEAR}", headers=leader).get_json()
    assert own["total"]["received"] == 2 and [r["key"] for r in own["rows"]] == [p.agency.code]
    assert client.get(f"/api/v1/stats?{YEAR}&agency={other.agency.code}", headers=leader).status_code == 403
    unit = token(client, make_user, "unit_leader", p.agency.code)
    assert client.get(f"/api/v1/stats?{YEAR}", headers=unit).get_json()["total"]["received"] == 2
    officer = token(client, make_user, "one_stop_officer", p.agency.code)
    assert client.get(f"/api/v1/stats?{YEAR}", headers=officer).status_code == 403
    assert client.get(f"/api/v1/stats?{YEAR}").status_code == 401


@pytest.mark.parametrize("query", [
    "from=2025-01-01", "from=2025-13-01&to=2026-01-01", "from=2025-02-01&to=2025-01-01",
    f"{YEAR}&group_by=status", f"{YEAR}&agency=khong-co", f"{YEAR}&procedure=x'%20OR%201=1",
])
def test_api_bad_parameters_are_400(client, make_user, data, query):
    admin = token(client, make_user, "admin")
    response = client.get(f"/api/v1/stats?{query}", headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["message"]


def test_exports_have_the_same_figures(client, make_user, data):
    admin = token(client, make_user, "admin")
    body = client.get(f"/api/v1/stats?{YEAR}", headers=admin).get_json()
    text = client.get(f"/api/v1/stats/export.csv?{YEAR}", headers=admin).get_data().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    header_at = next(i for i, line in enumerate(lines) if line and line[0] == "Cơ quan")
    header, rows = lines[header_at], lines[header_at + 1:]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Tiếp nhận trong kỳ"] == str(body["total"]["received"]) == "3"
    assert total["Tỷ lệ hồ sơ trực tuyến mức độ 4"] == body["total"]["online_rate_level4"]["text"]
    response = client.get(f"/api/v1/stats/export.xlsx?{YEAR}", headers=admin)
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    xlsx_header = values[header_at]
    assert list(xlsx_header) == header
    assert dict(zip(xlsx_header, values[-1], strict=True))["Tiếp nhận trong kỳ"] == 3


def test_dashboard_page_drill_down_print_and_exports(client, pages, make_user, data):
    p, _ = data
    make_user(role="admin", username="quantri")
    pages.login("quantri", PASSWORD)
    page = client.get("/thong-ke/?kind=year&year=2025&group_by=agency")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "style=" not in html.split("<main", 1)[1]
    assert "Chỉ tiêu kế hoạch" in html and "Cung cấp từ 30 dịch vụ công trực tuyến" in html
    assert "/thong-ke/ho-so?figure=received" in html
    listing = client.get(f"/thong-ke/ho-so?figure=received&kind=year&year=2025&agency={p.agency.code}")
    assert listing.status_code == 200 and "2 hồ sơ" in listing.get_data(as_text=True)
    assert client.get("/thong-ke/ban-in?kind=quarter&year=2025&number=1").status_code == 200
    assert client.get("/thong-ke/?kind=quarter&year=2025&number=7").status_code == 400
    assert client.get("/thong-ke/ho-so?figure=bogus&kind=year&year=2025").status_code == 400
    csv_response = client.get("/thong-ke/xuat.csv?kind=year&year=2025&group_by=month")
    assert csv_response.status_code == 200 and "Tháng 3/2025" in csv_response.get_data().decode("utf-8-sig")
    assert client.get("/thong-ke/xuat.xlsx?kind=year&year=2025").status_code == 200


def test_page_is_for_leaders_and_admins(client, pages, make_user, data):
    p, _ = data
    make_user(role="specialist", agency=p.agency.code, username="chuyenvien9")
    pages.login("chuyenvien9", PASSWORD)
    assert client.get("/thong-ke/").status_code == 403


def test_admin_edits_a_target_with_audit(client, pages, make_user, data):
    make_user(role="admin", username="quantri")
    pages.login("quantri", PASSWORD)
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.code == "dvc-muc-do-3-2020"))
    prefix = f"t{target.id}-"
    page = client.get("/thong-ke/chi-tieu")
    csrf = csrf_token_from(page.get_data(as_text=True))
    rejected = client.post(f"/thong-ke/chi-tieu/{target.id}", data={
        "csrf_token": csrf, prefix + "comparator": ">=", prefix + "target_value": "-1", prefix + "deadline_year": "2020"})
    assert rejected.status_code == 422
    ok = client.post(f"/thong-ke/chi-tieu/{target.id}", data={
        "csrf_token": csrf, prefix + "comparator": ">=", prefix + "target_value": "40", prefix + "deadline_year": "2026"})
    assert ok.status_code == 302
    db.session.expire_all()
    target = db.session.get(PlanTarget, target.id)
    assert (int(target.target_value), target.deadline_year) == (40, 2026)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plan_target.update"))
    assert entry.details["before"]["target_value"] == "30.00"


def test_load_targets_is_idempotent(runner, app):
    first = runner.invoke(args=["stats", "load-targets"])
    second = runner.invoke(args=["stats", "load-targets"])
    assert "10 mới" in first.output or "0 mới" in first.output
    assert "0 mới, 0 cập nhật, 10 không đổi" in second.output


def test_an_administrator_loads_the_plan_targets_from_the_page(client, pages, make_user):
    db.session.execute(PlanTarget.__table__.delete())
    db.session.commit()
    make_user(role="admin", username="quantri")
    pages.login("quantri", PASSWORD)
    page = client.get("/thong-ke/chi-tieu").get_data(as_text=True)
    assert "Chưa có chỉ tiêu nào." in page and "flask" not in page
    loaded = client.post("/thong-ke/chi-tieu/nap", data={"csrf_token": csrf_token_from(page)})
    assert loaded.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PlanTarget)) == 10
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plan_target.load")).details["created"] == 10
    assert client.post("/thong-ke/chi-tieu/nap").status_code == 400  # no CSRF token: refused
