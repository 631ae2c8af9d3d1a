"""A citizen on a phone signs in with VNeID (the test OpenID provider, its own process), files a
level-4 dossier whose identity the population database (its simulator, its own process) confirms
and prefills, and pays its fee through the national payment platform (its
simulator, its own process): the platform's page, its server-to-server notification to the live
portal, the browser's return; then the payment shows on the dossier. Officers' steps are
performed directly through ``portal.operations.lifecycle`` on the live server's database."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import axe_check
from tests.e2e.test_citizen_journey import fill_e_form, perform, procedure_info, staff
from tests.integration import registry_helpers
from tests.integration.filing_helpers import pdf
from tests.integration.payment_platform_helpers import MERCHANT, SECRET, payment_platform  # noqa: F401
from tests.integration.vneid_helpers import CLIENT_ID, CLIENT_SECRET, oidc_provider  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

population_registry = registry_helpers.population_registry  # the simulator's fixture


def file_level_4(page, base: str, code: str, schema, documents, prefilled: dict | None = None) -> int:
    page.goto(f"{base}/thu-tuc/{code}")
    page.click("text=Nộp hồ sơ trực tuyến")
    page.wait_for_load_state()
    for field, value in (prefilled or {}).items():
        assert page.input_value(f"#{field}") == value, field
    fill_e_form(page, schema)  # fills only what is still empty
    page.click("button[name=step][value=next]")
    page.wait_for_url("**/giay-to")
    dossier_id = int(page.url.split("/ho-so/")[1].split("/")[0])
    for doc in (d for d in documents if d["required"]):
        page.set_input_files(f"#doc-{doc['key']}-file", files=[{"name": f"{doc['key']}.pdf", "mimeType": "application/pdf",
                                                                "buffer": pdf(doc["key"])}])
        page.wait_for_selector(f"#doc-{doc['key']} .upload-status:has-text('Đã tải lên')")
    page.click("text=Tiếp tục: kiểm tra và nộp")
    page.wait_for_url("**/kiem-tra")
    page.check("input[name=delivery][value=online]")
    page.click("button:has-text('Nộp hồ sơ')")
    page.wait_for_url("**/da-nop")
    return dossier_id


def test_a_vneid_citizen_pays_through_the_national_platform(live_server, browser_page, oidc_provider,  # noqa: F811
                                                            payment_platform, population_registry,  # noqa: F811
                                                            monkeypatch):  # noqa: F811
    oidc_provider.control(reset=True)
    population_registry.control(reset=True)
    payment_platform.control(reset=True, notify=True)  # the platform calls the live portal back
    for name, value in (("OIDC_ISSUER", oidc_provider.url), ("OIDC_CLIENT_ID", CLIENT_ID),
                        ("OIDC_CLIENT_SECRET", CLIENT_SECRET), ("PAYMENT_PROVIDER", "national"),
                        ("PAYMENT_PLATFORM_URL", payment_platform.url), ("PAYMENT_PLATFORM_SECRET", SECRET),
                        ("PAYMENT_PLATFORM_MERCHANT", MERCHANT),
                        ("POPULATION_REGISTRY_URL", population_registry.url),
                        ("POPULATION_REGISTRY_SECRET", registry_helpers.SECRET)):
        monkeypatch.setitem(live_server.app.config, name, value)
    page, base, app = browser_page, live_server.url, live_server.app

    page.goto(base + "/dang-nhap")
    # Let the service worker finish caching its offline pages first: a response of theirs written
    # after the sign-in started would carry the session cookie from before (without the state).
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url(oidc_provider.url + "/authorize?**")
    page.get_by_role("button", name="Tòng Thị Hoa (012195000202)").click()
    page.wait_for_url(base + "/tai-khoan")

    schema, documents, agency_id = procedure_info(app, "LC-05")
    users = staff(app, agency_id, "np")
    dossier_id = file_level_4(page, base, "LC-05", schema, documents,
                              prefilled={"full_name": "Tòng Thị Hoa", "id_number": "012195000202"})
    # The identity was confirmed by the population database when the form opened and at filing.
    assert [item["purpose"] for item in population_registry.lookups()] == ["filing_prefill", "filing"]
    code = perform(app, dossier_id, "accept", users["one_stop_officer"])["code"]
    perform(app, dossier_id, "forward", users["one_stop_officer"])
    perform(app, dossier_id, "request_fee", users["one_stop_officer"])

    page.goto(f"{base}/ho-so/{dossier_id}")
    page.click("button:has-text('Thanh toán trực tuyến')")
    page.wait_for_url(payment_platform.url + "/pay/**")
    platform_page = page.inner_text("main")
    assert code in platform_page and "7.000 đ" in platform_page  # the dossier's code and amount
    page.click("button:has-text('Thanh toán')")
    page.wait_for_url("**/ho-so/thanh-toan/*")
    assert "Thanh toán thành công" in page.content()
    axe_check(page, "national-payment-receipt")

    # The platform's server-to-server notification reached the portal (and changed nothing twice).
    notifications = requests.get(payment_platform.url + "/_sim/notifications", timeout=10).json()["items"]
    assert [(n["delivered"], n["last_status"]) for n in notifications] == [(True, 200)]

    page.goto(f"{base}/ho-so/{dossier_id}")
    main = page.inner_text("main")
    assert "7.000 đ — Đã thanh toán" in main and "Đang xử lý" in main
    axe_check(page, "national-payment-dossier")
