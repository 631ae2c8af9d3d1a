"""Issue 18, finding 2: a session ends on the server. Logout, a password change, a lock and a
role change end every web session and every API token of the account (its session generation
moves on), not just the cookie of the browser that asked."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, User
from tests.conftest import PASSWORD, Pages, csrf_token_from


def _token(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _browser(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    assert Pages(client).login(username, password).status_code == 302
    assert client.get("/tai-khoan").status_code == 200
    return client


def _signed_in(client) -> bool:
    return client.get("/tai-khoan").status_code == 200


def test_a_copied_cookie_stops_working_after_logout(app, client, pages, make_user):
    make_user(username="lovanpa")
    assert pages.login("lovanpa", PASSWORD).status_code == 302
    copied = client.get_cookie("session").value
    pages.logout()
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert not _signed_in(replay)
    assert replay.get("/tai-khoan").headers["Location"].startswith("/dang-nhap")


def test_web_logout_ends_every_session_and_api_token_of_the_account(app, client, pages, make_user):
    make_user(username="lovanpa")
    other_browser = _browser(app, "lovanpa")
    headers = _token(client, "lovanpa")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    pages.login("lovanpa", PASSWORD)
    pages.logout()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert not _signed_in(other_browser)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.sessions_ended")) is not None
    # Signing in again works, with a new session.
    assert pages.login("lovanpa", PASSWORD).status_code == 302 and _signed_in(client)


def test_password_change_ends_the_other_sessions_and_tokens_but_not_this_one(app, client, pages, make_user):
    make_user(username="lovanpa")
    other_browser = _browser(app, "lovanpa")
    headers = _token(client, "lovanpa")
    pages.login("lovanpa", PASSWORD)
    new = "SuoiNuocNong2027"
    response = pages.submit("/tai-khoan/doi-mat-khau", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(other_browser)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert Pages(app.test_client()).login("lovanpa", new).status_code == 302
    assert Pages(app.test_client()).login("lovanpa", PASSWORD).status_code == 401


def test_password_change_needs_the_current_password_and_follows_the_policy(pages, make_user):
    make_user(username="lovanpa")
    pages.login("lovanpa", PASSWORD)
    response = pages.submit("/tai-khoan/doi-mat-khau", {"current_password": "SaiMatKhau99", "password": "SuoiNuocNong2027",
                                                        "confirm": "SuoiNuocNong2027"})
    assert response.status_code == 422 and "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)
    response = pages.submit("/tai-khoan/doi-mat-khau", {"current_password": PASSWORD, "password": "lovanpa2026!",
                                                        "confirm": "lovanpa2026!"})
    assert response.status_code == 422 and "không được chứa tên đăng nhập" in response.get_data(as_text=True)


def test_locking_an_account_ends_its_sessions_and_tokens(app, client, runner, make_user):
    make_user("agency_leader", agency="so-tai-chinh", username="lanhdao1")
    browser = _browser(app, "lanhdao1")
    headers = _token(client, "lanhdao1")
    result = runner.invoke(args=["user", "lock", "lanhdao1"])
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert Pages(app.test_client()).login("lanhdao1", PASSWORD).status_code == 401
    assert runner.invoke(args=["user", "unlock", "lanhdao1"]).exit_code == 0
    assert Pages(app.test_client()).login("lanhdao1", PASSWORD).status_code == 302


def test_a_role_change_ends_the_sessions_opened_under_the_old_role(app, client, runner, make_user):
    make_user("specialist", agency="so-tai-chinh", username="chuyenvien1")
    browser = _browser(app, "chuyenvien1")
    headers = _token(client, "chuyenvien1")
    result = runner.invoke(args=["user", "set-role", "chuyenvien1", "--role", "unit_leader", "--agency", "so-tai-chinh"])
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert db.session.scalar(select(User.role).where(User.username == "chuyenvien1")) == "unit_leader"
    refused = runner.invoke(args=["user", "set-role", "chuyenvien1", "--role", "specialist"])
    assert refused.exit_code != 0 and "Cán bộ phải thuộc một cơ quan" in refused.output


def test_an_administrators_password_reset_ends_every_session(app, client, runner, make_user):
    make_user(username="lovanpa")
    browser = _browser(app, "lovanpa")
    assert runner.invoke(args=["user", "set-password", "lovanpa", "--password", "password12"]).exit_code != 0
    assert _signed_in(browser)  # refused: nothing changed
    result = runner.invoke(args=["user", "set-password", "lovanpa", "--password", "SuoiNuocNong2027"])
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser)


def test_a_forged_or_old_style_session_id_loads_no_one(app, make_user):
    from portal.operations.accounts import user_for_session

    user = make_user(username="lovanpa")
    assert user_for_session(f"{user.id}.{user.session_generation}") is user
    for forged in (str(user.id), f"{user.id}.{user.session_generation + 1}", "x.0", f"{user.id}.-1", ""):
        assert user_for_session(forged) is None, forged


def test_logout_needs_the_csrf_token(client, pages, make_user):
    make_user(username="lovanpa")
    pages.login("lovanpa", PASSWORD)
    assert client.post("/dang-xuat").status_code == 400
    assert _signed_in(client)
    token = csrf_token_from(client.get("/tai-khoan").get_data(as_text=True))
    assert client.post("/dang-xuat", data={"csrf_token": token}).status_code == 302


def test_a_borrowed_session_cannot_try_current_passwords_freely(app, pages, make_user):
    make_user(username="lovanpa")
    pages.login("lovanpa", PASSWORD)
    new = "SuoiNuocNong2027"
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_USER"]):
        response = pages.submit("/tai-khoan/doi-mat-khau", {"current_password": f"Doan{i:08d}", "password": new,
                                                            "confirm": new})
        assert response.status_code == 422
    response = pages.submit("/tai-khoan/doi-mat-khau", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 422 and "thử lại sau 15 phút" in response.get_data(as_text=True)
    assert Pages(app.test_client()).login("lovanpa", PASSWORD).status_code == 429  # same address, same counter
