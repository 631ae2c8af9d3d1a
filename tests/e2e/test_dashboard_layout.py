"""The leaders' dashboard at 1366x900 and 390x844: the on-time and online rates are on screen
without horizontal scrolling, the phone gets tables instead of tiny charts, no future month,
the English page has no Vietnamese sentence left, axe-core clean."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.e2e.conftest import axe_check
from tests.integration.lifecycle_helpers import vn

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

# Letters only Vietnamese uses (lower case; the page text is lower-cased before the search).
VIETNAMESE = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


@pytest.fixture
def layout_data(live_server):
    from portal.extensions import db
    from portal.models import Dossier, Procedure, User
    from portal.operations import accounts

    with live_server.app.app_context():
        procedure = db.session.scalars(select(Procedure).where(Procedure.level == 4).order_by(Procedure.code)).first()
        if db.session.scalar(select(User).where(User.username == "lanhdaobt")) is None:
            accounts.create_staff_user(username="lanhdaobt", password="HoaBanTrang2026", role="agency_leader",
                                       agency_code=procedure.agency.code, full_name="Lò Thị Bình")
            for i in range(12):
                done = i % 3 != 0
                db.session.add(Dossier(
                    procedure_id=procedure.id, agency_id=procedure.agency_id,
                    channel="online" if i % 2 else "in_person", status="returned" if done else "in_process",
                    form_version=1, form_snapshot=[], form_data={}, applicant={}, pauses=[],
                    received_at=vn(2026, 1 + i % 10, 5, 9), due_at=vn(2026, 1 + i % 10, 25, 17),
                    finished_at=vn(2026, 1 + i % 10, 20, 10) if done else None,
                    timeliness=("early" if i % 4 else "late") if done else None))
            db.session.commit()
    return live_server


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in ("#key-rates dd >> nth=0", "#key-rates dd >> nth=1"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, selector


def test_dashboard_layout_english_and_accessibility(layout_data, browser_page):
    page = browser_page
    page.goto(f"{layout_data.url}/dang-nhap")
    page.fill("input[name=username]", "lanhdaobt")
    page.fill("input[name=password]", "HoaBanTrang2026")
    page.click("main button[type=submit]")
    url = f"{layout_data.url}/thong-ke/?kind=year&year=2026&group_by=month"
    # Phone (390x844): the rates are on screen, the charts give way to their tables.
    page.goto(url)
    _no_horizontal_scroll(page)
    assert page.locator("#key-rates dd").first.inner_text() == "6/8 đạt 75%"  # 8 processed: 6 early, 2 late
    assert not page.locator("svg.chart").first.is_visible()
    assert page.locator(".chart-box table.compact").first.is_visible()
    axe_check(page, "dashboard-layout-phone")
    # Desktop (1366x900): the same, with the charts.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(url)
    _no_horizontal_scroll(page)
    assert page.locator("svg.chart").first.is_visible()
    # No future month: the page's "now" is late 2026, so no month after the current one.
    from portal.models.types import utcnow
    from workflow.calendar import VN_TZ

    current = utcnow().astimezone(VN_TZ)
    months = page.locator(".chart-box table.compact").first.locator("tbody th").all_inner_texts()
    assert len(months) == (current.month if current.year == 2026 else 12)
    axe_check(page, "dashboard-layout-desktop")
    # English: no Vietnamese word left in the dashboard's main content; headers are nouns.
    page.goto(f"{layout_data.url}/ngon-ngu/en?next=/thong-ke/%3Fkind%3Dyear%26year%3D2026")
    assert page.locator("html").get_attribute("lang") == "en"
    text = page.locator("main").inner_text().lower()
    text = re.sub(r"\d+/qđ-[a-z]+", "", text)  # decision numbers keep their official spelling
    found = sorted({word for word in re.findall(r"\w+", text) if VIETNAMESE.search(word)})
    assert not found, found
    headers = page.locator("table.stats-table thead th").all_inner_texts()
    assert "Withdrawn" in headers and "Stopped" in headers and "Withdraw dossier" not in headers
    assert page.locator("#key-rates dd").first.inner_text() == "6/8 (75%)"
    _no_horizontal_scroll(page)
    axe_check(page, "dashboard-layout-english")
