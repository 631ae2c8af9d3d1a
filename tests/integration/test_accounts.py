from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, User
from tests.conftest import PASSWORD

VALID = {
    "full_name": "Nguyễn Thị Hồng Nhung",
    "id_number": "012190123457",
    "phone": "0912345678",
    "email": "nhung@example.vn",
    "username": "hongnhung",
    "password": "HoaBanTrang2026",
    "confirm": "HoaBanTrang2026",
}


def test_registration_creates_a_citizen_who_then_signs_in(pages, client):
    response = pages.submit("/dang-ky", VALID)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dang-nhap")
    user = db.session.scalar(select(User).where(User.username == "hongnhung"))
    assert user.role == "citizen" and user.id_number == "012190123457"
    assert user.password_hash.startswith("scrypt:") and "HoaBanTrang2026" not in user.password_hash
    assert pages.login("hongnhung", VALID["password"]).status_code == 302
    assert "Nguyễn Thị Hồng Nhung" in client.get("/tai-khoan").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.registered")) is not None


def test_registration_takes_the_phone_and_e_mail_as_people_type_them(pages, client):
    typed = {**VALID, "phone": " 0912 345.678 ", "email": " Nhung@Example.VN"}
    assert pages.submit("/dang-ky", typed).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "hongnhung"))
    assert (user.phone, user.email) == ("0912345678", "nhung@example.vn")
    api = {**VALID, "username": "nhung2", "id_number": "001099012345", "phone": "+84 987 654 321"}
    api.pop("confirm")
    assert client.post("/api/v1/auth/register", json=api).status_code in (201, 202)
    assert db.session.scalar(select(User.phone).where(User.username == "nhung2")) == "0987654321"
    bad = pages.submit("/dang-ky", {**VALID, "username": "nhung3", "id_number": "001099012346", "phone": "0912 345"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Số điện thoại gồm 10 số" in html
    # The error summary lists what is wrong, each item a link to its field.
    assert 'class="error-summary"' in html and "Có 1 mục cần sửa" in html
    assert '<a href="#phone">Số điện thoại: Số điện thoại gồm 10 số' in html


def test_registration_rejects_bad_id_numbers_with_clear_messages(pages):
    cases = {
        "01219012345": "đúng 12 chữ số",
        "0121901234ab": "chỉ gồm chữ số",
        "003190123456": "mã tỉnh",
        "012990123456": "năm sinh",  # 4th digit 9 = born in the 24th century
    }
    for number, message in cases.items():
        response = pages.submit("/dang-ky", {**VALID, "id_number": number})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), number
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "hongnhung")) == 0


def test_duplicate_username_is_refused(pages, make_user):
    make_user(username="hongnhung")
    response = pages.submit("/dang-ky", VALID)
    assert response.status_code == 422
    assert "đã có người sử dụng" in response.get_data(as_text=True)


def test_weak_password_and_mismatch(pages):
    response = pages.submit("/dang-ky", {**VALID, "password": "ngan", "confirm": "ngan"})
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự" in response.get_data(as_text=True)
    response = pages.submit("/dang-ky", {**VALID, "confirm": "KhacNhau2026"})
    assert "Hai mật khẩu không giống nhau" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/dang-ky", data=VALID)
    assert response.status_code == 400
    assert "tải lại trang" in response.get_data(as_text=True)
    response = client.post("/dang-nhap", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "hongnhung")) == 0


def test_login_logout(pages, client, make_user):
    make_user(username="lovanpa")
    response = pages.login("lovanpa", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/tai-khoan")
    assert client.get("/tai-khoan").status_code == 200
    out = pages.logout()
    assert client.get("/tai-khoan").status_code == 302
    assert out.headers.get("Clear-Site-Data") == '"cache", "storage"'  # the offline reader's copies go too


def test_the_language_chosen_before_signing_in_stays(pages, client, make_user):
    make_user(username="lovanpa")
    client.get("/ngon-ngu/en")
    pages.login("lovanpa", PASSWORD)
    assert 'lang="en"' in client.get("/tai-khoan").get_data(as_text=True)
    pages.logout()
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_and_recorded(pages, make_user):
    make_user(username="lovanpa")
    response = pages.login("lovanpa", "SaiMatKhau1")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    attempt = db.session.scalar(select(LoginAttempt).where(LoginAttempt.username == "lovanpa"))
    assert attempt is not None and attempt.succeeded is False


def test_login_is_rate_limited_per_username(pages, make_user, app):
    make_user(username="lovanpa")
    limit = app.config["LOGIN_MAX_FAILURES_PER_USER"]
    for _ in range(limit):
        assert pages.login("lovanpa", "SaiMatKhau1").status_code == 401
    response = pages.login("lovanpa", PASSWORD)  # from this address, even the right password waits
    assert response.status_code == 429
    assert "thử lại sau 15 phút" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(pages, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_IP"]
    for i in range(limit):
        pages.login(f"nobody{i}", "SaiMatKhau1")
    assert pages.login("someone-else", "SaiMatKhau1").status_code == 429


def test_open_redirect_after_login_is_refused(client, make_user):
    from tests.conftest import csrf_token_from

    make_user(username="lovanpa")
    token = csrf_token_from(client.get("/dang-nhap").get_data(as_text=True))
    response = client.post("/dang-nhap?next=//evil.example", data={"username": "lovanpa", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/tai-khoan")


def test_session_cookie_is_http_only_and_lax(pages, make_user):
    make_user(username="lovanpa")
    response = pages.login("lovanpa", PASSWORD)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure():
    import os

    from portal.config import build_config

    os.environ["SECRET_KEY"] = "x" * 40
    try:
        config = build_config("production")
    finally:
        del os.environ["SECRET_KEY"]
    assert config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    import pytest

    from portal.config import build_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        build_config("production")
