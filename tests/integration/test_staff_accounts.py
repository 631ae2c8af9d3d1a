"""Issue 16: administrators manage staff accounts in the application (create, edit, lock,
password reset by link or code), every change audited with before/after in a hash-chained log;
issue 18: the last administrator is protected, citizens' data is not staff's to edit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, PasswordReset, User
from portal.models.types import utcnow
from portal.operations import password_resets
from tests.conftest import PASSWORD, Pages, csrf_token_from

NEW_PASSWORD = "SuoiNuocNong2027"
CODE = re.compile(r'id="reset-code" class="secret-code">([A-Z0-9-]+)<')
LINK = re.compile(r'id="reset-link">([^<]+)<')


@pytest.fixture
def admin(app, make_user, pages):
    user = make_user(role="admin", username="quantri")
    assert pages.login("quantri", PASSWORD).status_code == 302
    return user


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _entries(action: str, object_id) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.object_id == str(object_id))))


def _create_officer(pages, **fields) -> tuple[str, str]:
    response = pages.submit("/quan-tri/nguoi-dung/moi", {
        "username": "Lo.Thi.Mai", "full_name": "Lò Thị Mai", "position": "Chuyên viên", "role": "one_stop_officer",
        "agency": "so-tai-chinh", "email": "mai@laichau.gov.vn", "phone": "0912345678", **fields})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return CODE.search(html).group(1), LINK.search(html).group(1)


def _post(client, url: str, data: dict | None = None, page: str = "/quan-tri/nguoi-dung"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def _token(client, username: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_the_users_page_tells_no_one_to_run_a_command(client, admin):
    html = client.get("/quan-tri/nguoi-dung").get_data(as_text=True)
    assert "flask" not in html and "lệnh" not in html
    assert "Tạo tài khoản cán bộ" in html


def _rows(client, url: str) -> str:
    return client.get(url).get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]


def test_search_filters_and_last_sign_in(client, admin, make_user):
    make_user("specialist", agency="so-tai-chinh", username="chuyenvien1", full_name="Tòng Văn Sinh")
    locked = make_user("clerk", agency="so-tai-chinh", username="vanthu1", email="vanthu@laichau.gov.vn")
    locked.is_active_account = False
    db.session.commit()
    listing = _rows(client, "/quan-tri/nguoi-dung?q=vanthu@laichau")
    assert "vanthu1" in listing and "chuyenvien1" not in listing
    assert "vanthu1" in _rows(client, "/quan-tri/nguoi-dung?state=locked")
    assert "vanthu1" not in _rows(client, "/quan-tri/nguoi-dung?state=active")
    by_role = _rows(client, "/quan-tri/nguoi-dung?role=specialist&agency=so-tai-chinh")
    assert "chuyenvien1" in by_role and "quantri" not in by_role and "Chưa đăng nhập" in by_role
    me = _rows(client, "/quan-tri/nguoi-dung?q=QUANTRI")
    assert "quantri" in me and "Chưa đăng nhập" not in me  # the administrator's own sign-in is shown
    assert "1 tài khoản" in client.get("/quan-tri/nguoi-dung?q=quantri").get_data(as_text=True)
    assert client.get("/quan-tri/nguoi-dung?page=999&role=bogus").status_code == 200


def test_admin_creates_an_officer_who_sets_the_password_with_the_code(app, client, admin):
    code, link = _create_officer(Pages(client))
    officer = _user("lo.thi.mai")
    assert (officer.full_name, officer.role, officer.agency.code, officer.phone) == (
        "Lò Thị Mai", "one_stop_officer", "so-tai-chinh", "0912345678")
    assert link.endswith("/tai-khoan/dat-lai-mat-khau/" + code.replace("-", ""))
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "mai@laichau.gov.vn"))
    assert link in mail.body and code in mail.body
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == officer.id))
    assert code.replace("-", "") not in row.token_hash  # only the hash is kept
    created = _entries("account.created", officer.id)[0]
    assert created.actor == "quantri" and created.details["after"]["role"] == "one_stop_officer"

    person = Pages(app.test_client())
    assert person.login("lo.thi.mai", PASSWORD).status_code == 401  # no password until the reset
    wrong = person.submit("/tai-khoan/dat-lai-mat-khau", {"username": "lo.thi.mai", "code": "AAAA-BBBB-CCCC-DDDD",
                                                         "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    weak = person.submit("/tai-khoan/dat-lai-mat-khau", {"username": "lo.thi.mai", "code": code,
                                                        "password": "password12", "confirm": "password12"})
    assert weak.status_code == 422
    done = person.submit("/tai-khoan/dat-lai-mat-khau", {"username": "LO.THI.MAI", "code": code.lower(),
                                                        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert person.login("lo.thi.mai", NEW_PASSWORD).status_code == 302
    again = Pages(app.test_client()).submit("/tai-khoan/dat-lai-mat-khau", {
        "username": "lo.thi.mai", "code": code, "password": "MotMatKhauKhac2028", "confirm": "MotMatKhauKhac2028"})
    assert again.status_code == 422 and "đã được dùng" in again.get_data(as_text=True)


def test_a_reset_link_works_once_and_expires(app, client, admin, make_user, monkeypatch):
    officer = make_user("specialist", agency="so-tai-chinh", username="chuyenvien1", email="cv1@laichau.gov.vn")
    browser = Pages(app.test_client())
    browser.login("chuyenvien1", PASSWORD)
    sheet = _post(client, f"/quan-tri/nguoi-dung/{officer.id}/dat-lai-mat-khau", page=f"/quan-tri/nguoi-dung/{officer.id}")
    link = LINK.search(sheet.get_data(as_text=True)).group(1)
    path = link[link.index("/tai-khoan"):]
    assert browser.client.get("/tai-khoan").status_code == 302  # the reset ended the session
    assert Pages(app.test_client()).login("chuyenvien1", PASSWORD).status_code == 401  # and the old password
    person = Pages(app.test_client())
    assert person.submit(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    used = person.client.get(path)
    assert used.status_code == 410 and "đã được dùng" in used.get_data(as_text=True)

    sheet = _post(client, f"/quan-tri/nguoi-dung/{officer.id}/dat-lai-mat-khau", page=f"/quan-tri/nguoi-dung/{officer.id}")
    later = LINK.search(sheet.get_data(as_text=True)).group(1)
    later_path = later[later.index("/tai-khoan"):]
    tomorrow = utcnow() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(password_resets, "utcnow", lambda: tomorrow)
    expired = person.client.get(later_path)
    assert expired.status_code == 410 and "hết hạn" in expired.get_data(as_text=True)


def test_a_new_reset_ends_the_older_one(client, admin, make_user):
    officer = make_user("specialist", agency="so-tai-chinh", username="chuyenvien1")
    url, page = f"/quan-tri/nguoi-dung/{officer.id}/dat-lai-mat-khau", f"/quan-tri/nguoi-dung/{officer.id}"
    first = CODE.search(_post(client, url, page=page).get_data(as_text=True)).group(1)
    second = CODE.search(_post(client, url, page=page).get_data(as_text=True)).group(1)
    assert first != second
    with pytest.raises(password_resets.ResetRefused) as refused:
        password_resets.find_reset(first)
    assert refused.value.code == "reset_used"
    assert password_resets.find_reset(second).user_id == officer.id


def test_wrong_reset_codes_are_throttled_like_sign_ins(app, make_user):
    make_user("specialist", agency="so-tai-chinh", username="chuyenvien1")
    person = Pages(app.test_client())
    statuses = [person.submit("/tai-khoan/dat-lai-mat-khau", {
        "username": "chuyenvien1", "code": f"AAAA-BBBB-CCCC-DDD{n}", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD}) for n in range(2, 9)]
    assert "thử lại sau" in statuses[-1].get_data(as_text=True)
    assert db.session.query(AuditEntry).filter_by(action="account.password_reset_refused").count() >= 5


def test_admin_edits_are_audited_with_before_and_after(app, client, admin, make_user):
    officer = make_user("specialist", agency="so-tai-chinh", username="chuyenvien1", full_name="Tòng Văn Sinh")
    browser = Pages(app.test_client())
    browser.login("chuyenvien1", PASSWORD)
    token = _token(client, "chuyenvien1").get_json()["token"]
    response = Pages(client).submit(f"/quan-tri/nguoi-dung/{officer.id}", {
        "full_name": "Tòng Văn Sinh", "position": "Phó trưởng phòng", "role": "unit_leader",
        "agency": "so-tai-chinh", "email": "", "phone": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert (officer.role, officer.position) == ("unit_leader", "Phó trưởng phòng")
    role = _entries("account.role_changed", officer.id)[0]
    assert role.details["before"] == {"role": "specialist"} and role.details["after"] == {"role": "unit_leader"}
    edit = _entries("account.updated", officer.id)[0]
    assert edit.details == {"before": {"position": None}, "after": {"position": "Phó trưởng phòng"}}
    assert browser.client.get("/tai-khoan").status_code == 302  # a role change ends the sessions
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    log = client.get(f"/quan-tri/nhat-ky?object_type=user&object_id={officer.id}").get_data(as_text=True)
    assert "Đổi vai trò, cơ quan" in log and "Chuyên viên xử lý → Lãnh đạo phòng" in log
    assert "Chức vụ: — → Phó trưởng phòng" in log
    only_roles = client.get("/quan-tri/nhat-ky?action=account.role_changed&actor=quantri").get_data(as_text=True)
    assert "Sửa thông tin tài khoản" not in only_roles.split("<tbody>")[1]

    bad = Pages(client).submit(f"/quan-tri/nguoi-dung/{officer.id}", {
        "full_name": "Tòng Văn Sinh", "role": "specialist", "agency": ""})
    assert bad.status_code == 422 and "Cán bộ phải thuộc một cơ quan" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert officer.role == "unit_leader"


def test_a_citizens_data_is_not_editable_by_staff(client, admin, make_user):
    citizen = make_user(username="lovanpa", full_name="Lò Văn Pả")
    page = client.get(f"/quan-tri/nguoi-dung/{citizen.id}").get_data(as_text=True)
    assert 'name="full_name"' not in page and "Khóa tài khoản" in page
    response = client.post(f"/quan-tri/nguoi-dung/{citizen.id}", data={
        "csrf_token": csrf_token_from(page), "full_name": "Người Khác", "role": "admin", "agency": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert (citizen.full_name, citizen.role) == ("Lò Văn Pả", "citizen")
    assert _post(client, f"/quan-tri/nguoi-dung/{citizen.id}/khoa").status_code == 302
    db.session.expire_all()
    assert not citizen.is_active_account
    assert client.get("/quan-tri/nguoi-dung/999999").status_code == 404


def test_lock_ends_the_web_session_and_api_token_and_unlock_restores_sign_in(app, client, admin, make_user):
    officer = make_user("one_stop_officer", agency="so-tai-chinh", username="motcua1")
    browser = Pages(app.test_client())
    browser.login("motcua1", PASSWORD)
    token = _token(app.test_client(), "motcua1").get_json()["token"]
    assert _post(client, f"/quan-tri/nguoi-dung/{officer.id}/khoa").status_code == 302
    assert browser.client.get("/tai-khoan").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    locked = _entries("account.locked", officer.id)[0]
    assert locked.details["before"] == {"is_active": True} and locked.details["after"] == {"is_active": False}
    assert _post(client, f"/quan-tri/nguoi-dung/{officer.id}/mo-khoa").status_code == 302
    assert Pages(app.test_client()).login("motcua1", PASSWORD).status_code == 302


def test_the_last_administrator_cannot_lock_or_demote_themself(app, client, admin, make_user, runner):
    page = f"/quan-tri/nguoi-dung/{admin.id}"
    refused = _post(client, f"{page}/khoa", page=page)
    assert "quản trị hệ thống duy nhất" in client.get(refused.headers["Location"]).get_data(as_text=True)
    demoted = Pages(client).submit(page, {"full_name": "Quản trị", "role": "specialist", "agency": "so-tai-chinh"})
    assert demoted.status_code == 422 and "quản trị hệ thống duy nhất" in demoted.get_data(as_text=True)
    assert runner.invoke(args=["user", "lock", "quantri"]).exit_code != 0
    db.session.expire_all()
    assert admin.is_active_account and admin.role == "admin"
    make_user(role="admin", username="quantri2")
    assert _post(client, f"{page}/khoa", page=page).status_code == 302
    db.session.expire_all()
    assert not admin.is_active_account


def test_only_administrators_reach_the_users_pages(client, pages, make_user):
    make_user("agency_leader", agency="so-tai-chinh", username="lanhdao1")
    pages.login("lanhdao1", PASSWORD)
    for url in ("/quan-tri/nguoi-dung", "/quan-tri/nguoi-dung/moi", "/quan-tri/nhat-ky"):
        assert client.get(url).status_code == 403


def test_flask_user_create_uses_the_same_use_case(runner):
    result = runner.invoke(args=["user", "create", "vanthu9", "--full-name", "Lù Thị Dung", "--role", "clerk",
                                 "--agency", "so-tai-chinh"])
    assert result.exit_code == 0, result.output
    code = re.search(r"([A-Z0-9]{4}(-[A-Z0-9]{4}){3})", result.output).group(1)
    assert password_resets.find_reset(code).user.username == "vanthu9"
    refused = runner.invoke(args=["user", "create", "vanthu9", "--full-name", "X", "--role", "clerk",
                                  "--agency", "so-tai-chinh"])
    assert refused.exit_code != 0 and "đã có người sử dụng" in refused.output


def test_audit_verify_detects_a_changed_entry(client, admin, make_user, runner):
    officer = make_user("specialist", agency="so-tai-chinh", username="chuyenvien1")
    _post(client, f"/quan-tri/nguoi-dung/{officer.id}/khoa")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert all(e.hash for e in entries) and entries[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    locked = _entries("account.locked", officer.id)[0]
    db.session.execute(text("UPDATE audit_entries SET actor = 'someone_else' WHERE id = :id"), {"id": locked.id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"mục {locked.id}" in result.output
