"""The procedure administration pages in a real browser (phone size): axe-core finds no serious
violation on the list, the edit page with a refused edit, and the history."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_procedure_admin_pages_pass_axe_on_a_phone(live_server, browser_page):
    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts

    with live_server.app.app_context():
        if db.session.query(User).filter_by(username="quantrithutuc").first() is None:
            accounts.create_staff_user(username="quantrithutuc", password="HoaBanTrang2026", role="admin",
                                       agency_code=None, full_name="Quản trị Thủ tục")
            db.session.commit()
    page = browser_page
    page.goto(f"{live_server.url}/dang-nhap")
    page.fill("input[name=username]", "quantrithutuc")
    page.fill("input[name=password]", "HoaBanTrang2026")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/quan-tri/thu-tuc/?level=4")
    axe_check(page, "admin-procedures")
    page.locator("main table a").first.click()
    page.fill("#processing_days", "-3")
    page.fill("#reason", "Quyết định số 1/QĐ-UBND")
    page.click("main button:has-text(\"Lưu phiên bản mới\")")
    assert "Thời hạn giải quyết phải là số ngày làm việc nguyên" in page.locator("#error-summary").inner_text()
    axe_check(page, "admin-procedure-edit-refused")
    page.click("text=Lịch sử thay đổi")
    axe_check(page, "admin-procedure-history")
