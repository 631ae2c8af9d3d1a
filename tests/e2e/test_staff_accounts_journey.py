"""Issue 16, on a phone-sized chromium: an administrator creates an officer in the application,
the officer sets a password with the one-time code and signs in, the administrator locks the
officer, and the officer's open session and an API token obtained before are refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"
OFFICER_PASSWORD = "SuoiNuocNong2027"


def _api(base: str, path: str, *, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/dang-nhap")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_admin_creates_an_officer_who_resets_signs_in_and_is_locked_out(live_server, browser_page):
    from portal.extensions import db
    from portal.operations import accounts

    page, base = browser_page, live_server.url
    with live_server.app.app_context():
        accounts.create_staff_user(username="e2equantri", password=PASSWORD, role="admin", agency_code=None,
                                   full_name="Quản trị E2E")
        db.session.commit()

    _sign_in(page, base, "e2equantri", PASSWORD)
    page.goto(f"{base}/quan-tri/nguoi-dung")
    assert "flask" not in page.content()
    axe_check(page, "admin-users-list")
    page.get_by_role("link", name="Tạo tài khoản cán bộ").click()
    page.fill("#username", "e2emotcua")
    page.fill("#full_name", "Lò Thị Mai")
    page.fill("#position", "Cán bộ Bộ phận Một cửa")
    page.select_option("#role", "one_stop_officer")
    page.select_option("#agency", "so-tai-chinh")
    axe_check(page, "admin-user-new")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    code = page.locator("#reset-code").inner_text()
    axe_check(page, "admin-reset-sheet")

    officer = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
    officer.goto(f"{base}/dang-nhap")
    officer.get_by_role("link", name="Có mã đặt lại mật khẩu?").click()
    officer.fill("#username", "e2emotcua")
    officer.fill("#code", code)
    officer.fill("#password", OFFICER_PASSWORD)
    officer.fill("#confirm", OFFICER_PASSWORD)
    axe_check(officer, "password-reset-with-code")
    officer.locator("main button[type=submit]").click()
    officer.wait_for_load_state()
    assert officer.url.endswith("/dang-nhap")
    _sign_in(officer, base, "e2emotcua", OFFICER_PASSWORD)
    assert "/mot-cua" in officer.url
    status, answer = _api(base, "/api/v1/auth/token", body={"username": "e2emotcua", "password": OFFICER_PASSWORD})
    assert status == 200
    token = answer["token"]
    assert _api(base, "/api/v1/me", token=token)[0] == 200

    page.goto(f"{base}/quan-tri/nguoi-dung?q=e2emotcua")
    page.get_by_role("link", name="e2emotcua").click()
    axe_check(page, "admin-user-detail")
    page.get_by_role("button", name="Khóa tài khoản").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1

    officer.goto(f"{base}/tai-khoan")
    assert "/dang-nhap" in officer.url
    assert _api(base, "/api/v1/me", token=token)[0] == 401

    page.goto(f"{base}/quan-tri/nhat-ky")
    assert "Khóa tài khoản" in page.content() and "Đang hoạt động → Đã khóa" in page.content()
    axe_check(page, "admin-audit-log")
    officer.context.close()


def test_a_leader_enrols_in_two_step_sign_in_and_signs_in_with_a_code(live_server, browser_page):
    import re
    import time

    import pyotp

    from portal.extensions import db
    from portal.operations import accounts

    page, base, config = browser_page, live_server.url, live_server.app.config
    with live_server.app.app_context():
        accounts.create_staff_user(username="e2elanhdao2fa", password=PASSWORD, role="agency_leader",
                                   agency_code="so-tai-chinh", full_name="Lê Văn Thắng")
        db.session.commit()
    previous = config["TWO_FACTOR_ROLES"]
    config["TWO_FACTOR_ROLES"] = ("agency_leader",)
    try:
        _sign_in(page, base, "e2elanhdao2fa", PASSWORD)
        assert page.url.endswith("/dang-nhap/dang-ky-xac-thuc")
        assert page.locator(".qr-code svg").count() == 1
        axe_check(page, "two-step-enrolment")
        secret = re.sub(r"\s", "", page.locator("#totp-secret").inner_text())
        page.goto(f"{base}/tai-khoan")
        assert "/dang-nhap" in page.url  # half signed in: no page
        page.goto(f"{base}/dang-nhap/dang-ky-xac-thuc")
        page.fill("#code", pyotp.TOTP(secret).now())
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        assert "/mot-cua" in page.url
        page.locator("form[action$='/dang-xuat'] button").first.click()
        page.wait_for_load_state()
        _sign_in(page, base, "e2elanhdao2fa", PASSWORD)
        assert page.url.endswith("/dang-nhap/ma-xac-thuc")
        axe_check(page, "two-step-code")
        page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        assert "/mot-cua" in page.url
    finally:
        config["TWO_FACTOR_ROLES"] = previous
