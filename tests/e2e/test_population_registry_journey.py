"""A citizen signs in with VNeID on a phone, sees where each piece of the profile came from,
confirms it with the population database, and opens a filing form prefilled from it (the test
OpenID provider and the population-database simulator each run as their own process)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check
from tests.integration import registry_helpers, vneid_helpers

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

# The simulators' fixtures (tests/integration/vneid_helpers.py, registry_helpers.py).
oidc_provider, population_registry = vneid_helpers.oidc_provider, registry_helpers.population_registry


def test_vneid_then_the_population_database_prefill_the_filing_form(live_server, browser_page, oidc_provider,
                                                                    population_registry, monkeypatch):
    oidc_provider.control(reset=True)
    population_registry.control(reset=True)
    for name, value in (("OIDC_ISSUER", oidc_provider.url), ("OIDC_CLIENT_ID", vneid_helpers.CLIENT_ID),
                        ("OIDC_CLIENT_SECRET", vneid_helpers.CLIENT_SECRET),
                        ("POPULATION_REGISTRY_URL", population_registry.url),
                        ("POPULATION_REGISTRY_SECRET", registry_helpers.SECRET)):
        monkeypatch.setitem(live_server.app.config, name, value)
    page = browser_page
    page.goto(live_server.url + "/dang-nhap")
    # The offline reader's service worker fetches pages in the background at first visit; a
    # response of those arriving after the redirect would carry the session without the state.
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url(oidc_provider.url + "/authorize?**")
    page.get_by_role("button", name="Tòng Thị Hoa (012195000202)").click()
    page.wait_for_url(live_server.url + "/tai-khoan")
    main = page.inner_text("main")
    assert "Nguồn: VNeID (định danh điện tử)" in main and "chưa được xác minh" in main
    page.get_by_role("button", name="Xác minh và cập nhật từ CSDL quốc gia về dân cư").click()
    page.wait_for_url(live_server.url + "/tai-khoan")
    main = page.inner_text("main")
    assert "Bản Nà Khuầy, xã Tam Đường, tỉnh Lai Châu" in main and "20/11/1995" in main
    assert "Nguồn: Cơ sở dữ liệu quốc gia về dân cư" in main and "đã được xác minh" in main
    axe_check(page, "profile-sources")

    page.goto(live_server.url + "/ho-so/nop/LC-12")
    assert page.input_value("#birth_date") == "1995-11-20"
    assert page.input_value("#residence") == "Bản Nà Khuầy, xã Tam Đường, tỉnh Lai Châu"
    assert page.input_value("#full_name") == "Tòng Thị Hoa"
    assert "Lấy từ Cơ sở dữ liệu quốc gia về dân cư" in page.inner_text("#birth_date-hint")
    axe_check(page, "form-prefilled-from-registry")
    page.select_option("#certificate_type", "1")
    page.fill("#copies", "1")
    page.fill("#purpose", "Bổ sung hồ sơ xin việc")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url("**/giay-to")
    assert [item["purpose"] for item in population_registry.lookups()] == ["profile", "filing_prefill", "filing"]
