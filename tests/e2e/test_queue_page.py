"""The office queue in chromium at 390 px and at 1366 px: search always visible, counts on the
tabs, nothing wider than the screen, axe-core; the keyboard shortcuts listed on the page work
(search, next row, mark, forward the marked dossiers), and a bulk forward reports each dossier."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"


def _setup(app) -> dict:
    """A desk officer and three accepted online dossiers of the standard procedure's agency."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts, dossiers, lifecycle
    from portal.operations.lifecycle import ActionInput
    from tests.integration.lifecycle_helpers import standard_procedure

    with app.app_context():
        procedure = standard_procedure()
        officer = db.session.scalar(select(User).where(User.username == "e2equeue"))
        if officer is None:
            officer = accounts.create_staff_user(username="e2equeue", password=PASSWORD, role="one_stop_officer",
                                                 agency_code=procedure.agency.code, full_name="Lò Thị Mai")
            accounts.create_staff_user(username="e2equeueleader", password=PASSWORD, role="unit_leader",
                                       agency_code=procedure.agency.code, full_name="Nguyễn Thị Hoa")
        citizen = accounts.register_citizen(username="e2equeuecd", password=PASSWORD, full_name="Tẩn Thị Dung",
                                            id_number="012190555666", phone="0912000222", email=None,
                                            min_password_length=8)
        ids = []
        for _ in range(3):
            draft = dossiers.create_draft(citizen, procedure, {"ghi_chu": "nộp trực tuyến"})
            db.session.flush()
            lifecycle.perform(draft.id, "submit", citizen, ActionInput(documents_complete=True))
            lifecycle.perform(draft.id, "accept", officer, ActionInput(documents_complete=True))
            ids.append(draft.id)
        db.session.commit()
        return {"ids": ids}


def _steps(app, ids):
    from portal.extensions import db
    from portal.models import Dossier

    with app.app_context():
        return [db.session.get(Dossier, i).step_key for i in ids]


def test_queue_at_phone_and_laptop_widths_with_keyboard_shortcuts(live_server, browser_page):
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app)
    page.goto(f"{base}/dang-nhap")
    page.fill("input[name=username]", "e2equeue")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{base}/mot-cua/")
    search = page.get_by_role("searchbox", name="Tìm hồ sơ")
    assert search.is_visible()  # not folded away
    assert page.locator(".queue-tabs .tab-count").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page, "queue-phone")
    # search by name without diacritics
    search.fill("tan thi dung")
    search.press("Enter")
    assert page.locator("#queue-table tbody tr").count() == 3
    # the rest on these three only: other browser tests share the live server's agency
    page.goto(f"{base}/mot-cua/?q=tan+thi+dung")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    axe_check(page, "queue-laptop")
    # keyboard: "/" to the search box, Esc out, "j" to the first row, "x" marks it, "f" forwards
    page.locator("body").press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")
    first_id = setup["ids"][0]
    rows = page.locator("#queue-table tbody tr")
    order = [int(rows.nth(i).locator("input[name=selected]").get_attribute("value").split(":")[0])
             for i in range(rows.count())]
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.classList.contains('row-link')")
    page.keyboard.press("x")
    assert rows.first.locator("input[name=selected]").is_checked()
    assert page.locator("#bulk-count").inner_text() == "(1)"
    page.keyboard.press("f")
    page.wait_for_url("**/mot-cua/hang-loat")
    assert "Đã chuyển 1 hồ sơ; 0 hồ sơ không chuyển được." in page.locator("main").inner_text()
    axe_check(page, "queue-bulk-result")
    steps = dict(zip(setup["ids"], _steps(live_server.app, setup["ids"]), strict=True))
    assert steps[order[0]] == "phan-cong" and [steps[i] for i in order[1:]] == ["tiep-nhan", "tiep-nhan"]
    assert first_id in order
    # the shortcuts can be switched off (WCAG 2.1.4)
    page.goto(f"{base}/mot-cua/")
    page.get_by_label("Dùng phím tắt trên trang này").uncheck()
    page.locator("body").press("/")
    assert page.evaluate("document.activeElement.id") != "q"
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Dùng phím tắt trên trang này").check()
