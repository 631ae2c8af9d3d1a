"""The administrators' synchronisation page on a phone-sized chromium: counts per channel, a
parked message with its error, and "Gửi lại" puts it back in the queue (axe-core on the page)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"


def _parked_message(app) -> str:
    from portal.extensions import db
    from portal.models.filing import OutboxMessage
    from portal.models.types import utcnow
    from portal.operations import accounts

    with app.app_context():
        accounts.create_staff_user(username="e2edongbo", password=PASSWORD, role="admin", agency_code=None,
                                   full_name="Quản Trị Viên")
        row = OutboxMessage(channel="email", to_address="a@example.vn", subject="Tiêu đề", body="Nội dung",
                            attempts=8, last_error="server: mail server down", parked_at=utcnow())
        db.session.add(row)
        db.session.commit()
        return row.event_id


def test_an_administrator_retries_a_parked_message(live_server, browser_page):
    page, base = browser_page, live_server.url
    event_id = _parked_message(live_server.app)
    page.goto(f"{base}/dang-nhap")
    page.fill("#username", "e2edongbo")
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/quan-tri/dong-bo")
    assert "mail server down" in page.inner_text("main") and event_id in page.inner_text("main")
    axe_check(page, "admin-sync")
    page.get_by_role("button", name=f"Gửi lại {event_id}").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert "Không có thông điệp nào gửi lỗi." in page.inner_text("main")
