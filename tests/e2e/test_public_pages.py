"""The public pages on a phone: readable, keyboard-usable, and clean under axe-core."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_public_pages_pass_axe_on_a_phone(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    axe_check(page, "public-home")
    page.fill("#q", "giay phep xay dung")
    page.click("button[type=submit]")
    assert "Giấy phép xây dựng" in page.inner_text("main") or "giấy phép xây dựng" in page.inner_text("main")
    axe_check(page, "public-search")
    page.goto(live_server.url + "/thu-tuc?level=4")
    axe_check(page, "public-catalogue-level4")
    page.click(".procedure-card h2 a >> nth=0")
    assert page.locator("h1").inner_text()
    axe_check(page, "public-procedure")
    for path, name in (("/dang-nhap", "public-login"), ("/dang-ky", "public-register"),
                       ("/kiem-tra-chu-ky/", "public-verify"), ("/ho-so/tra-cuu", "public-lookup"),
                       ("/kiem-chung/nhat-ky/", "public-audit-anchor")):
        page.goto(live_server.url + path)
        axe_check(page, name)


def test_the_phone_procedure_page_is_short_with_the_filing_button_at_hand(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/thu-tuc/LC-21")
    folded = page.locator("details.fold")
    assert folded.count() == 3 and not any(folded.nth(i).get_attribute("open") is not None for i in range(3))
    assert page.evaluate("document.documentElement.scrollHeight") < 2600  # was ~4,700 px, everything unfolded
    page.mouse.wheel(0, 1500)
    button = page.get_by_role("link", name="Nộp hồ sơ trực tuyến")
    box = button.bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= 844  # still on the screen after scrolling
    page.locator("#documents summary").focus()
    page.keyboard.press("Enter")  # a keyboard opens the folded documents
    assert page.locator("#documents").get_attribute("open") is not None
    assert page.locator("#documents table").is_visible()
    axe_check(page, "public-procedure-phone")


def test_registration_errors_are_announced_and_linked_to_their_fields(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/dang-ky")
    page.fill("#full_name", "Lò Thị Mai")
    page.fill("#id_number", "12345")
    page.click("button[type=submit]")
    field = page.locator("#id_number")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    assert "id_number-error" in described
    assert "12 chữ số" in page.inner_text("#id_number-error")
    assert page.locator("[role=alert]").count() >= 1
    axe_check(page, "public-register-errors")


def test_keyboard_users_can_skip_to_the_content(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/thu-tuc")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_english_pages(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/ngon-ngu/en?next=/thu-tuc")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Administrative procedures" in page.inner_text("main")
    axe_check(page, "public-catalogue-en")
