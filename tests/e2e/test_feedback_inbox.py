"""Feedback on a phone-sized chromium: a citizen sends a complaint, the desk officer answers it
from the agency's inbox (an empty answer first: refused, told why), the citizen reads the answer.
Each page passes axe-core; screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"


def _setup(app) -> dict:
    from portal.extensions import db
    from portal.operations import accounts
    from tests.integration.lifecycle_helpers import standard_procedure

    with app.app_context():
        agency = standard_procedure().agency
        officer = accounts.create_staff_user(username="e2efbmotcua", password=PASSWORD, role="one_stop_officer",
                                             agency_code=agency.code, full_name="Lò Thị Mai")
        citizen = accounts.register_citizen(username="e2efbcongdan", password=PASSWORD, full_name="Giàng A Páo",
                                            id_number="012190777999", phone="0912000222", email=None,
                                            min_password_length=8)
        db.session.commit()
        return {"officer": officer.username, "citizen": citizen.username, "agency": agency.code}


def test_citizen_complains_officer_answers_citizen_reads(live_server, browser_page):
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app)

    def login(who):
        page.goto(f"{base}/dang-nhap")
        if page.locator("form[action$='/dang-xuat'] button").count():
            page.locator("form[action$='/dang-xuat'] button").first.click()
            page.goto(f"{base}/dang-nhap")
        page.fill("#username", setup[who])
        page.fill("#password", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()

    login("citizen")
    page.goto(f"{base}/ho-so/gop-y")
    page.get_by_label("Phản ánh, khiếu nại").check()
    page.get_by_label("Cơ quan nhận phản ánh").select_option(setup["agency"])
    page.get_by_label("Tiêu đề").fill("Cán bộ hẹn nhiều lần")
    page.get_by_label("Nội dung", exact=True).fill("Tôi đến ba lần chưa được giải quyết.")
    axe_check(page, "feedback-01-form")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "Phản ánh, kiến nghị của tôi" in page.content() and "Cán bộ hẹn nhiều lần" in page.content()

    login("officer")
    page.goto(f"{base}/mot-cua/phan-anh/")
    axe_check(page, "feedback-02-inbox")
    page.get_by_role("link", name="PA-", exact=False).first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Gửi trả lời").click()
    page.wait_for_load_state()
    assert "Vui lòng nhập nội dung trả lời" in page.content()
    axe_check(page, "feedback-03-empty-answer")
    page.get_by_label("Nội dung trả lời").fill("Đơn vị đã làm việc với cán bộ; hồ sơ được giải quyết ngày 02/12.")
    page.get_by_role("button", name="Gửi trả lời").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1

    login("citizen")
    page.goto(f"{base}/ho-so/")
    assert "hồ sơ được giải quyết ngày 02/12" in page.content()
    axe_check(page, "feedback-04-citizen-answer")
