"""A citizen signs in with VNeID on a phone: the real redirect to the test OpenID provider (its own
process), an identity chosen there, and back to the portal, signed in."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check
from tests.integration.vneid_helpers import CLIENT_ID, CLIENT_SECRET, oidc_provider  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_a_citizen_signs_in_with_vneid(live_server, browser_page, oidc_provider, monkeypatch):  # noqa: F811
    oidc_provider.control(reset=True)
    for name, value in (("OIDC_ISSUER", oidc_provider.url), ("OIDC_CLIENT_ID", CLIENT_ID),
                        ("OIDC_CLIENT_SECRET", CLIENT_SECRET)):
        monkeypatch.setitem(live_server.app.config, name, value)
    page = browser_page
    page.goto(live_server.url + "/dang-nhap")
    button = page.get_by_role("link", name="Đăng nhập bằng VNeID")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390  # on the phone's screen
    axe_check(page, "vneid-sign-in")
    button.click()
    page.wait_for_url(oidc_provider.url + "/authorize?**")
    page.get_by_role("button", name="Lò Văn Minh (012190000101)").click()
    page.wait_for_url(live_server.url + "/tai-khoan")
    assert "Lò Văn Minh" in page.inner_text("main")
    page.goto(live_server.url + "/tai-khoan/doi-mat-khau")
    assert "đăng nhập bằng VNeID" in page.inner_text("main")
