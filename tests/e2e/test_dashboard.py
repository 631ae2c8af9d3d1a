"""The leaders' dashboard in a real browser (phone size): figures, charts, drill-down; screenshots."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import ARTIFACTS
from tests.integration.lifecycle_helpers import vn

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def leader_data(live_server):
    from portal.extensions import db
    from portal.models import Dossier, Procedure, User
    from portal.operations import accounts

    with live_server.app.app_context():
        procedure = db.session.scalars(select(Procedure).where(Procedure.level == 4).order_by(Procedure.code)).first()
        if db.session.scalar(select(User).where(User.username == "lanhdaotk")) is None:
            accounts.create_staff_user(username="lanhdaotk", password="HoaBanTrang2026", role="agency_leader",
                                       agency_code=procedure.agency.code, full_name="Lê Văn Thắng")
            for month in range(1, 7):
                for i in range(month * 3):
                    received = vn(2025, month, 3 + i % 20, 9)
                    done = i % 3 != 0
                    db.session.add(Dossier(
                        procedure_id=procedure.id, agency_id=procedure.agency_id, channel="online" if i % 2 else "in_person",
                        status="returned" if done else "in_process", form_version=1, form_snapshot=[], form_data={},
                        applicant={}, pauses=[], received_at=received, due_at=vn(2025, month, 25, 17),
                        finished_at=vn(2025, month, 24, 10) if done else None,
                        returned_at=vn(2025, month, 26, 10) if done else None,
                        timeliness=("early" if i % 4 else "late") if done else None))
        db.session.commit()
    return live_server


def test_dashboard_in_the_browser(leader_data, browser_page):
    page = browser_page
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{leader_data.url}/dang-nhap")
    page.fill("input[name=username]", "lanhdaotk")
    page.fill("input[name=password]", "HoaBanTrang2026")
    page.click("main button[type=submit]")
    page.goto(f"{leader_data.url}/thong-ke/?kind=year&year=2025&group_by=month")
    assert page.locator("h1").inner_text().startswith("Thống kê")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart title").first.text_content()
    received_total = page.locator("tr.total-row td").nth(1).inner_text()
    assert received_total == "63"  # 3 + 6 + ... + 18
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)
    page.locator("tr.total-row td").nth(1).locator("a").click()
    assert "63" in page.locator("h1").inner_text()
    page.goto(f"{leader_data.url}/thong-ke/ban-in?kind=year&year=2025")
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "dashboard-print.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
