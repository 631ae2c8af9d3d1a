"""The office on a phone-sized chromium: the desk officer accepts an online dossier from the
queue and forwards it, the unit leader and the specialist move it on, the agency leader approves,
the clerk issues, and the desk returns the result. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

PASSWORD = "HoaBanTrang2026"


def _setup(app) -> dict:
    """Staff of the standard procedure's agency and one submitted online dossier."""
    from portal.extensions import db
    from portal.operations import accounts, dossiers, lifecycle
    from portal.operations.lifecycle import ActionInput
    from tests.integration.lifecycle_helpers import standard_procedure

    with app.app_context():
        procedure = standard_procedure()
        code = procedure.agency.code
        users = {role: accounts.create_staff_user(username=f"e2e{role.replace('_', '')}", password=PASSWORD,
                                                  role=role, agency_code=code, full_name=name).username
                 for role, name in (("one_stop_officer", "Lò Thị Mai"), ("unit_leader", "Nguyễn Thị Hoa"),
                                    ("specialist", "Tòng Văn Hùng"), ("agency_leader", "Lê Văn Thắng"),
                                    ("clerk", "Vàng Thị Dung"))}
        citizen = accounts.register_citizen(username="e2econgdan", password=PASSWORD, full_name="Giàng Thị Dế",
                                            id_number="012190777888", phone="0912000111", email=None,
                                            min_password_length=8)
        draft = dossiers.create_draft(citizen, procedure, {"ghi_chu": "nộp trực tuyến"})
        db.session.flush()
        lifecycle.perform(draft.id, "submit", citizen, ActionInput(documents_complete=True))
        db.session.commit()
        return {"users": users, "dossier_id": draft.id, "procedure": procedure.name_vi,
                "docs": [d["key"] for d in procedure.documents if d.get("required")]}


def _status(app, dossier_id):
    from portal.extensions import db
    from portal.models import Dossier

    with app.app_context():
        d = db.session.get(Dossier, dossier_id)
        return d.status, d.holder_role, d.code


def test_officer_accepts_forwards_leader_approves_desk_returns(live_server, browser_page):
    page, base = browser_page, live_server.url
    setup = _setup(live_server.app)
    dossier_id = setup["dossier_id"]
    shots = iter(range(1, 100))

    def shot(name):
        page.screenshot(path=str(ARTIFACTS / f"office-{next(shots):02d}-{name}.png"), full_page=True)

    def login(role):
        page.goto(f"{base}/dang-nhap")
        if page.locator("form[action$='/dang-xuat'] button").count():
            page.locator("form[action$='/dang-xuat'] button").first.click()
            page.goto(f"{base}/dang-nhap")
        page.fill("#username", setup["users"][role])
        page.fill("#password", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()

    def act(action, fill=None):
        page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
        form = page.locator(f"#action-{action}")
        assert form.count() == 1, f"{action} is not offered"
        if fill:
            fill(form)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".flash-success").count() == 1, page.locator(".flashes").inner_text()

    # The desk: the new online dossier is in the queue; open it, check the documents, accept.
    login("one_stop_officer")
    page.goto(f"{base}/mot-cua/?queue=new")
    shot("queue-new")
    code_at_submission = _status(live_server.app, dossier_id)[2]  # given at submission
    assert code_at_submission
    page.get_by_role("link", name=code_at_submission).click()
    page.wait_for_load_state()
    assert "Giàng Thị Dế" in page.content()
    shot("dossier-submitted")

    def tick_required(form):
        for key in setup["docs"]:
            form.locator(f"input[name=checked][value='{key}']").check()

    act("accept", tick_required)
    status, holder, code = _status(live_server.app, dossier_id)
    assert status == "accepted" and code
    page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
    assert page.get_by_role("link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)").count() == 1
    shot("dossier-accepted")
    act("forward")
    assert _status(live_server.app, dossier_id)[1] == "unit_leader"

    login("unit_leader")
    page.goto(f"{base}/mot-cua/?queue=mine")
    assert code in page.content()
    shot("queue-mine-leader")
    act("forward", lambda form: form.locator("select[name=assignee]").select_option(label="Tòng Văn Hùng (e2especialist)"))

    login("specialist")
    act("propose_result", lambda form: form.locator("input[name=generate]").check())
    act("forward")
    login("unit_leader")
    act("forward")

    login("agency_leader")
    page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
    shot("dossier-leader")
    act("approve")
    act("forward")
    login("clerk")
    act("issue_result")
    assert _status(live_server.app, dossier_id)[0] == "processed"

    login("one_stop_officer")
    act("return_result", lambda form: form.locator("select[name=delivery]").select_option("desk"))
    assert _status(live_server.app, dossier_id)[0] == "returned"
    page.goto(f"{base}/mot-cua/ho-so/{dossier_id}")
    assert "Đã trả kết quả" in page.content()
    shot("dossier-returned")
    receipt = page.request.get(f"{base}/mot-cua/ho-so/{dossier_id}/bieu-mau/receipt.pdf")
    assert receipt.ok and receipt.body().startswith(b"%PDF")
