"""The citizen's whole journey on a phone-sized chromium, for a level-4 and a level-3 procedure:
register, file with attachments, submit, answer a supplement request, pay, download the result,
rate. Officers' steps are performed directly through ``portal.operations.dossiers.perform`` on
the live server's database. Every page visited is checked with axe-core (no serious or critical
violation) and photographed into test-artifacts/."""

from __future__ import annotations

import itertools

import pytest

from tests.e2e.conftest import axe_check
from tests.integration.filing_helpers import pdf, png

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

_counter = itertools.count(1)
PASSWORD = "HoaBanTrang2026"


def check_page(page, name: str) -> None:
    axe_check(page, f"citizen-{name}")


def staff(app, agency_id: int, tag: str) -> dict:
    from portal.extensions import db
    from portal.models import Agency
    from portal.operations import accounts

    with app.app_context():
        code = db.session.get(Agency, agency_id).code
        users = {role: accounts.create_staff_user(username=f"{tag}{role.replace('_', '')}", password=PASSWORD,
                                                  role=role, agency_code=code).id
                 for role in ("one_stop_officer", "unit_leader", "specialist", "agency_leader", "clerk")}
        db.session.commit()
        return users


def perform(app, dossier_id: int, action: str, user_id: int, **kwargs):
    """Run the officer's action in a worker thread: playwright's sync API keeps an asyncio loop
    running in this thread, and signing (pyHanko) starts its own loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_perform, app, dossier_id, action, user_id, **kwargs).result()


def _perform(app, dossier_id: int, action: str, user_id: int, **kwargs):
    from portal.extensions import db
    from portal.models import Dossier, User
    from portal.operations import lifecycle
    from portal.operations.lifecycle import ActionInput

    with app.app_context():
        if kwargs.pop("fee_paid_at_desk", False):
            from portal.models.types import utcnow

            db.session.get(Dossier, dossier_id).fee_paid_at = utcnow()
        kwargs.setdefault("documents_complete", action in ("submit", "accept"))  # the desk ticked every document
        dossier = lifecycle.perform(dossier_id, action, db.session.get(User, user_id), ActionInput(**kwargs))
        db.session.commit()
        return {"status": dossier.status, "holder_role": dossier.holder_role, "code": dossier.code,
                "result_proposed": dossier.result_proposed, "result_signed": dossier.result_signed}


def walk_to_result(app, dossier_id: int, users: dict) -> None:
    from portal.extensions import db
    from portal.models import Dossier

    with app.app_context():
        d = db.session.get(Dossier, dossier_id)
        state = {"holder_role": d.holder_role, "result_proposed": d.result_proposed, "result_signed": d.result_signed}
    for _ in range(12):
        role = state["holder_role"]
        if role == "specialist" and not state["result_proposed"]:
            state = perform(app, dossier_id, "propose_result", users[role])
        if role == "agency_leader" and not state["result_signed"]:
            state = perform(app, dossier_id, "approve", users[role])
        if role == "clerk":
            perform(app, dossier_id, "issue_result", users[role])
            return
        state = perform(app, dossier_id, "forward", users[role])
    raise AssertionError("the dossier never reached the clerk")


def register(page, base: str) -> tuple[str, str]:
    n = next(_counter)
    username = f"congdan{n}e2e"
    id_number = f"0121900{70000 + n:05d}"
    page.goto(f"{base}/dang-ky")
    page.fill("#full_name", "Lò Thị Hoa")
    page.fill("#id_number", id_number)
    page.fill("#phone", "0987654321")
    page.fill("#email", f"{username}@example.vn")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/dang-nhap" in page.url, page.content()[:2000]  # registered; now sign in
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/tai-khoan" in page.url, page.content()[:2000]
    return username, id_number


def fill_e_form(page, schema: list[dict]) -> None:
    samples = {"string": "Bản Hon, Tam Đường", "text": "Nội dung đề nghị", "integer": "2", "money": "1500000",
               "date": "2026-12-01", "email": "hoa@example.vn", "phone": "0987654321", "id_number": "012190070001"}
    for spec in schema:
        selector = f"#{spec['name']}"
        if spec["type"] == "select":
            page.select_option(selector, spec["options"][0]["value"])
        elif not page.input_value(selector):
            page.fill(selector, samples[spec["type"]])


def file_dossier(page, base: str, code: str, schema, documents, delivery: str) -> int:
    page.goto(f"{base}/thu-tuc/{code}")
    page.click("text=Nộp hồ sơ trực tuyến")
    page.wait_for_load_state()
    assert page.input_value(f"#{next(s['name'] for s in schema if s.get('prefill') == 'phone')}") == "0987654321"
    check_page(page, f"{code}-1-form")
    fill_e_form(page, schema)
    page.click("button[name=step][value=next]")
    page.wait_for_url("**/giay-to")
    dossier_id = int(page.url.split("/ho-so/")[1].split("/")[0])
    for index, doc in enumerate(d for d in documents if d["required"]):
        content = png(3, 3) if index == 0 else pdf(doc["key"])
        name = "anh-chup.png" if index == 0 else f"{doc['key']}.pdf"
        page.set_input_files(f"#doc-{doc['key']}-file", files=[{"name": name, "mimeType": "application/octet-stream",
                                                                "buffer": content}])  # the upload starts at once
        page.wait_for_selector(f"#doc-{doc['key']} .upload-status:has-text('Đã tải lên')")
    check_page(page, f"{code}-2-documents")
    page.click("text=Tiếp tục: kiểm tra và nộp")
    page.wait_for_url("**/kiem-tra")
    page.check(f"input[name=delivery][value={delivery}]")
    check_page(page, f"{code}-3-review")
    page.click("button:has-text('Nộp hồ sơ')")
    page.wait_for_url("**/da-nop")
    assert "Hồ sơ của bạn đã được gửi" in page.content()
    check_page(page, f"{code}-4-submitted")
    return dossier_id


def answer_supplement(page, base: str, code: str, dossier_id: int, field: str, doc_key: str) -> None:
    page.goto(f"{base}/ho-so/")
    check_page(page, f"{code}-5-my-dossiers")
    page.click("text=Bổ sung hồ sơ")
    page.wait_for_url("**/bo-sung")
    assert page.locator(f"#{field}").count() == 1
    check_page(page, f"{code}-6-supplement")
    page.set_input_files(f"#doc-{doc_key}-file", files=[{"name": "ban-moi.pdf", "mimeType": "application/pdf",
                                                          "buffer": pdf("ban moi")}])
    page.wait_for_selector(f"#doc-{doc_key} .upload-status:has-text('Đã tải lên')")
    page.fill(f"#{field}", "Số 12, tổ 3, phường Tân Phong")
    page.click("button:has-text('Gửi phần bổ sung')")
    page.wait_for_selector("text=Đã gửi phần bổ sung")
    assert f"/ho-so/{dossier_id}" in page.url


def download_result_and_rate(page, base: str, code: str, dossier_id: int) -> None:
    page.goto(f"{base}/ho-so/{dossier_id}")
    check_page(page, f"{code}-8-result")
    with page.expect_download() as info:
        page.click("text=Tải kết quả")
    path = info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    page.click("text=Đánh giá mức độ hài lòng")
    page.wait_for_url("**/danh-gia")
    check_page(page, f"{code}-9-rate")
    page.check("input[value=very_satisfied]")
    page.fill("#comment", "Nhanh, không phải đi lại")
    page.click("button:has-text('Gửi đánh giá')")
    page.wait_for_selector("text=Cảm ơn bạn đã đánh giá")


def procedure_info(app, code: str) -> tuple[list, list, int]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Procedure

    with app.app_context():
        p = db.session.scalar(select(Procedure).where(Procedure.code == code))
        return p.form_schema, p.documents, p.agency_id


def test_level_4_journey(live_server, browser_page):
    page, base, app = browser_page, live_server.url, live_server.app
    schema, documents, agency_id = procedure_info(app, "LC-05")
    users = staff(app, agency_id, "l4")
    register(page, base)
    dossier_id = file_dossier(page, base, "LC-05", schema, documents, "online")

    code = perform(app, dossier_id, "accept", users["one_stop_officer"])["code"]
    doc_key = documents[0]["key"]
    perform(app, dossier_id, "request_supplement", users["one_stop_officer"], reason="Sai địa chỉ; tờ khai bị mờ",
            items=["temp_address", doc_key])
    answer_supplement(page, base, "LC-05", dossier_id, "temp_address", doc_key)

    perform(app, dossier_id, "forward", users["one_stop_officer"])
    perform(app, dossier_id, "request_fee", users["one_stop_officer"])
    page.goto(f"{base}/ho-so/{dossier_id}")
    page.click("button:has-text('Thanh toán trực tuyến')")
    page.wait_for_url("**/ngan-hang-thu-nghiem/**")
    check_page(page, "LC-05-7-bank")
    page.click("button:has-text('Xác nhận thanh toán')")
    page.wait_for_url("**/thanh-toan/*")
    assert "Thanh toán thành công" in page.content()
    check_page(page, "LC-05-7-receipt")

    walk_to_result(app, dossier_id, users)
    perform(app, dossier_id, "return_result", users["one_stop_officer"])
    download_result_and_rate(page, base, "LC-05", dossier_id)

    page.goto(f"{base}/ho-so/tra-cuu?code={code}")
    main = page.locator("main").inner_text()
    assert "Đã trả kết quả" in main and "Lò Thị Hoa" not in main
    check_page(page, "LC-05-10-lookup")
    page.goto(f"{base}/ho-so/thong-bao")
    assert "Hồ sơ đã được tiếp nhận" in page.content()
    check_page(page, "LC-05-11-notifications")


def test_level_3_journey(live_server, browser_page):
    page, base, app = browser_page, live_server.url, live_server.app
    schema, documents, agency_id = procedure_info(app, "LC-02")
    users = staff(app, agency_id, "l3")
    register(page, base)
    dossier_id = file_dossier(page, base, "LC-02", schema, documents, "desk")
    perform(app, dossier_id, "accept", users["one_stop_officer"])
    doc_key = next(d["key"] for d in documents if d["required"])
    perform(app, dossier_id, "request_supplement", users["one_stop_officer"], reason="Thiếu thửa đất",
            items=["site_address", doc_key])
    answer_supplement(page, base, "LC-02", dossier_id, "site_address", doc_key)
    perform(app, dossier_id, "forward", users["one_stop_officer"])
    perform(app, dossier_id, "request_fee", users["one_stop_officer"])
    page.goto(f"{base}/ho-so/{dossier_id}")
    assert "tại Bộ phận Một cửa" in page.content() and "Thanh toán trực tuyến" not in page.content()
    check_page(page, "LC-02-7-pay-at-desk")
    perform(app, dossier_id, "pay_fee", users["one_stop_officer"], fee_paid_at_desk=True)
    walk_to_result(app, dossier_id, users)
    perform(app, dossier_id, "return_result", users["one_stop_officer"])
    download_result_and_rate(page, base, "LC-02", dossier_id)
