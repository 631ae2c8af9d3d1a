"""The office on a phone-sized chromium: the desk officer accepts an online dossier from the
queue and forwards it, the unit leader and the specialist move it on, the agency leader approves,
the clerk issues, and the desk returns the result. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"


def _setup(app, suffix: str = "") -> dict:
    """Staff of the standard procedure's agency and one submitted online dossier."""
    from portal.extensions import db
    from portal.operations import accounts, dossiers, lifecycle
    from portal.operations.lifecycle import ActionInput
    from tests.integration.lifecycle_helpers import standard_procedure

    with app.app_context():
        procedure = standard_procedure()
        code = procedure.agency.code
        users = {role: accounts.create_staff_user(username=f"e2e{role.replace('_', '')}{suffix}", password=PASSWORD,
                                                  role=role, agency_code=code, full_name=name).username
                 for role, name in (("one_stop_officer", "Lò Thị Mai"), ("unit_leader", "Nguyễn Thị Hoa"),
                                    ("specialist", "Tòng Văn Hùng"), ("agency_leader", "Lê Văn Thắng"),
                                    ("clerk", "Vàng Thị Dung"))}
        citizen = accounts.register_citizen(username=f"e2econgdan{suffix}", password=PASSWORD, full_name="Giàng Thị Dế",
                                            id_number="0121907778" + {"": "88", "b": "89", "c": "90", "d": "91"}[suffix], phone="0912000111", email=None,
                                            min_password_length=8)
        draft = dossiers.create_draft(citizen, procedure, {"ghi_chu": "nộp trực tuyến"})
        db.session.flush()
        lifecycle.perform(draft.id, "submit", citizen, ActionInput(documents_complete=True))
        db.session.commit()
        return {"users": users, "dossier_id": draft.id, "procedure": procedure.name_vi, "code": procedure.code,
                "docs": [d["key"] for d in procedure.documents if d.get("required")]}


def _status(app, dossier_id):
    from portal.extensions import db
    from portal.models import Dossier

    with app.app_context():
        d = db.session.get(Dossier, dossier_id)
        return d.status, d.holder_role, d.code


def _signed(app, dossier_id) -> bool:
    from portal.extensions import db
    from portal.models import Dossier

    with app.app_context():
        return db.session.get(Dossier, dossier_id).result_signed


def _events(app, dossier_id, action):
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import DossierEvent

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DossierEvent).where(
            DossierEvent.dossier_id == dossier_id, DossierEvent.action == action))



def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/dang-nhap")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()

def test_each_role_walks_the_path_clicking_only_the_recommended_button(live_server, browser_page, monkeypatch):
    """Acceptance to return: every role opens the dossier from its queue and clicks the one
    recommended button (filling only that form); the receipt page follows acceptance; every
    page passes axe-core with no serious issue; screenshots go to test-artifacts/."""
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app)
    monkeypatch.setitem(live_server.app.config, "RESULT_SIGNING", "deferred")  # as in production
    dossier_id = setup["dossier_id"]
    shots = iter(range(1, 100))

    def check(name):
        axe_check(page, f"office-{next(shots):02d}-{name}")

    def login(role):
        page.goto(f"{base}/dang-nhap")
        if page.locator("form[action$='/dang-xuat'] button").count():
            page.locator("form[action$='/dang-xuat'] button").first.click()
        _sign_in(page, base, setup["users"][role])

    def open_from_queue(role, queue="mine"):
        login(role)
        page.goto(f"{base}/mot-cua/?queue={queue}")
        code = _status(live_server.app, dossier_id)[2]
        page.get_by_role("link", name=code).first.click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/mot-cua/ho-so/{dossier_id}")

    def recommended(expected, fill=None, name=None):
        """The page's one primary button: it is the expected action; fill its form and click it."""
        form = page.locator("form.action-recommended")
        assert form.count() == 1 and page.locator("button.button-primary").count() == 1
        assert form.get_attribute("id") == f"action-{expected}"
        assert page.locator("details.action-more[open]").count() == 0  # the others stay folded
        check(name or expected)
        if fill:
            fill(form)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:500]

    # The desk: the new online dossier, from the "new" queue; tick the checklist, accept.
    open_from_queue("one_stop_officer", "new")

    def tick_required(form):
        for key in setup["docs"]:
            form.locator(f"input[name=checked][value='{key}']").check()

    recommended("accept", tick_required)
    assert page.url.endswith(f"/mot-cua/ho-so/{dossier_id}/giay-tiep-nhan")
    status, _holder, code = _status(live_server.app, dossier_id)
    assert status == "accepted" and code
    receipt_link = page.locator("#print-receipt")
    assert receipt_link.count() == 1
    receipt = page.request.get(base + receipt_link.get_attribute("href"))
    assert receipt.ok and receipt.body().startswith(b"%PDF")
    check("receipt-page")
    page.locator("#continue").click()
    page.wait_for_load_state()
    recommended("forward", name="forward-desk")
    assert _status(live_server.app, dossier_id)[1] == "unit_leader"

    open_from_queue("unit_leader")
    recommended("forward", lambda form: form.locator("select[name=assignee]").select_option(
        label="Tòng Văn Hùng (e2especialist)"), name="forward-assign")
    assert _status(live_server.app, dossier_id)[1] == "specialist"

    open_from_queue("specialist")
    recommended("propose_result", lambda form: form.locator("input[name=generate]").check())
    assert _status(live_server.app, dossier_id)[1] == "unit_leader"  # on to the review at once

    open_from_queue("unit_leader")
    recommended("forward", name="forward-review")
    assert _status(live_server.app, dossier_id)[1] == "agency_leader"

    # The leader approves: a double click decides once, the dossier goes on to the clerk, and the
    # leader follows the signatures on the dossier's page (RESULT_SIGNING=deferred, as in
    # production): first with "sign now" held back, so that the waiting page is checked, then
    # with the page's script signing and reloading.
    open_from_queue("agency_leader")
    form = page.locator("form.action-recommended")
    assert form.get_attribute("id") == "action-approve"
    check("approve")
    sign_now = f"{base}/mot-cua/ho-so/{dossier_id}/ky-so"
    page.route(sign_now, lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    button = form.locator("button[type=submit]")
    with page.expect_navigation(url=f"{base}/mot-cua/ho-so/{dossier_id}#signing", timeout=60_000):
        button.dblclick()  # the second click finds the button disabled: nothing is sent twice
    assert page.locator(".flash-success").count() == 1
    assert _events(live_server.app, dossier_id, "approve") == 1
    assert _status(live_server.app, dossier_id)[1] == "clerk" and not _signed(live_server.app, dossier_id)
    assert "Kết quả đang được ký số…" in page.locator("#signing-status[role=status]").inner_text()
    assert page.get_by_role("button", name="Ký số ngay").count() == 1
    check("signing-pending")
    page.unroute(sign_now)
    page.reload()  # the script asks to sign now, then reloads the signed page
    page.locator("#signing").wait_for(state="detached", timeout=60_000)
    page.wait_for_load_state()
    assert _signed(live_server.app, dossier_id)
    check("signed")

    open_from_queue("clerk")
    recommended("issue_result")
    assert _status(live_server.app, dossier_id)[0] == "processed"

    open_from_queue("one_stop_officer", "all")
    recommended("return_result", lambda form: form.locator("select[name=delivery]").select_option("desk"))
    assert _status(live_server.app, dossier_id)[0] == "returned"
    page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
    assert "Đã trả kết quả" in page.content()
    assert page.locator("form.action-recommended").count() == 0
    check("returned")
    page.set_viewport_size({"width": 1366, "height": 900})
    check("returned-laptop")


def test_a_refused_form_keeps_what_was_typed_and_the_busy_button(live_server, browser_page):
    """The supplement request without a reason: the page again, the items kept, the summary
    linked to the reason; while an action runs its button is disabled and says so."""
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app, suffix="b")
    dossier_id = setup["dossier_id"]
    _sign_in(page, base, setup["users"]["one_stop_officer"])
    page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
    page.locator("#more-request_supplement > summary").click()
    form = page.locator("#action-request_supplement")
    form.locator("textarea[name=items]").fill("Bản sao CCCD\nTờ khai có chữ ký")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and "Cần ghi rõ lý do." in summary.inner_text()
    assert page.locator("#action-request_supplement textarea[name=items]").input_value() == \
        "Bản sao CCCD\nTờ khai có chữ ký"
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "request_supplement-reason"
    axe_check(page, "office-refused-form")
    # the busy state: the submit handler marks the form and its status message
    page.evaluate("""() => { const f = document.getElementById('action-request_supplement');
        f.addEventListener('submit', e => e.preventDefault()); }""")
    page.locator("#action-request_supplement textarea[name=reason]").fill("Thiếu giấy tờ")
    page.locator("#action-request_supplement button[type=submit]").click()
    page.wait_for_function("document.querySelector('#action-request_supplement button[type=submit]').disabled")
    assert page.locator("#action-request_supplement").get_attribute("aria-busy") == "true"
    assert "vui lòng chờ" in page.locator("#action-request_supplement .busy-status").inner_text()


def test_dossier_page_keyboard_shortcuts_listed_and_switchable(live_server, browser_page):
    """Single-key shortcuts on the dossier page: listed on the page, never while typing, and
    switched off by their checkbox (WCAG 2.1.4); the choice is remembered."""
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app, suffix="d")
    dossier_id = setup["dossier_id"]
    _sign_in(page, base, setup["users"]["one_stop_officer"])
    page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
    page.keyboard.press("a")  # the recommended action (acceptance): focus inside its form
    assert page.evaluate("document.activeElement.closest('form.action-recommended') !== null")
    page.keyboard.press("l")  # from a checkbox too (not typing): to the history
    assert page.evaluate("document.activeElement.id") == "history-title"
    page.locator("#dossier-shortcuts > summary").click()
    assert "Về bàn làm việc" in page.locator("#dossier-shortcuts").inner_text()
    axe_check(page, "office-dossier-shortcuts")
    page.locator("#dossier-shortcuts-on").uncheck()
    page.locator("#history-title").focus()
    page.keyboard.press("g")  # switched off: nothing moves
    assert page.evaluate("document.activeElement.id") == "history-title"
    page.reload()
    page.locator("#dossier-shortcuts > summary").click()
    assert not page.locator("#dossier-shortcuts-on").is_checked()  # remembered
    page.locator("#dossier-shortcuts-on").check()
    page.keyboard.press("h")
    page.wait_for_url(f"{base}/mot-cua/")


def test_desk_intake_at_phone_and_laptop_width(live_server, browser_page):
    """The desk intake: the documents of the chosen procedure at once, a labelled paper box per
    document, the e-form; registration ends on the receipt page. No serious axe issue."""
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app, suffix="c")
    _sign_in(page, base, setup["users"]["one_stop_officer"])
    page.goto(f"{base}/mot-cua/tiep-nhan?procedure={setup['code']}")
    assert page.locator("#reload").is_hidden()  # with JavaScript the choice reloads by itself
    axe_check(page, "office-intake-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    axe_check(page, "office-intake-laptop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.fill("#full_name", "Hoàng Thị Thu Hương")
    for key in setup["docs"]:
        box = page.locator(f"input[name=paper][value='{key}']")
        label = page.locator(f"label[for='{box.get_attribute('id')}']")
        label.click()  # the label ticks its own box
        assert box.is_checked()
    page.locator("#desk-intake button.button-primary").click()
    page.wait_for_load_state()
    assert page.url.endswith("/giay-tiep-nhan"), page.locator("main").inner_text()[:400]
    axe_check(page, "office-intake-receipt")
    page.locator("#continue").click()
    page.wait_for_load_state()
    assert page.locator(".paper-received").count() == len(setup["docs"])
