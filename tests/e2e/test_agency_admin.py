"""The agency administration pages on a phone: the tree and the edit form, with an error, read by
axe-core; nothing wider than the screen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


@pytest.fixture
def admin_server(live_server):
    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts

    with live_server.app.app_context():
        if db.session.scalar(select(User).where(User.username == "quantricq")) is None:
            accounts.create_staff_user(username="quantricq", password="HoaBanTrang2026", role="admin",
                                       agency_code=None, full_name="Lò Thị Quản")
            db.session.commit()
    return live_server


def test_agency_pages_on_a_phone(admin_server, browser_page):
    page = browser_page
    page.goto(f"{admin_server.url}/dang-nhap")
    page.fill("input[name=username]", "quantricq")
    page.fill("input[name=password]", "HoaBanTrang2026")
    page.click("main button[type=submit]")
    page.goto(f"{admin_server.url}/quan-tri/co-quan")
    assert page.locator("h1").inner_text() == "Cơ quan"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page, "agency-tree-phone")
    page.get_by_role("link", name="Sở Y tế tỉnh Lai Châu").click()
    assert page.get_by_label("Tên cơ quan in trên biểu mẫu").input_value() == "SỞ Y TẾ"
    page.get_by_label("Mã định danh điện tử").fill("000-07")
    page.get_by_role("button", name="Lưu").click()
    assert page.locator("[role=alert]").first.is_visible()
    assert page.get_by_label("Mã định danh điện tử").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page, "agency-form-error-phone")
