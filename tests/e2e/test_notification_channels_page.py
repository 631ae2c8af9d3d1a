"""The citizen chooses where notices go, on a phone-sized chromium, with the keyboard only:
the account page's e-mail / SMS / Zalo checkboxes (axe-core on the page)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"


def test_a_citizen_turns_sms_off_and_zalo_on_with_the_keyboard(live_server, browser_page):
    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts

    page, base, app = browser_page, live_server.url, live_server.app
    with app.app_context():
        accounts.register_citizen(username="e2ekenh", password=PASSWORD, full_name="Lò Thị Kênh",
                                  id_number="012190099001", phone="0912 099 001", email=None)
        db.session.commit()
    page.goto(f"{base}/dang-nhap")
    page.fill("#username", "e2ekenh")
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/tai-khoan")
    sms, zalo = page.get_by_label("Tin nhắn SMS"), page.get_by_label("Tin nhắn Zalo")
    assert sms.is_checked() and not zalo.is_checked()  # SMS on by default with a phone number
    axe_check(page, "account-channels")
    sms.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.get_by_role("button", name="Lưu lựa chọn").press("Enter")
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert not page.get_by_label("Tin nhắn SMS").is_checked() and page.get_by_label("Tin nhắn Zalo").is_checked()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "e2ekenh"))
        assert (user.notify_sms, user.notify_zalo) == (False, True)
