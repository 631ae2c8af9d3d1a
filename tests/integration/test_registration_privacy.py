"""Issue 18, findings 5 and 8: registration does not reveal whether an ID number has an account
(its owner is told instead), and the password policy of a government service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Notification, OutboxMessage, User
from tests.conftest import PASSWORD

OWNER_ID = "012190999999"
FORM = {"full_name": "Nguyễn Thị Hồng Nhung", "id_number": "012190123457", "phone": "0912345678",
        "email": "nhung@example.vn", "username": "hongnhung", "password": "HoaBanTrang2026"}


def _api_register(client, **changes):
    return client.post("/api/v1/auth/register", json={**FORM, **changes})


def test_the_api_answers_alike_whether_or_not_the_id_number_has_an_account(client, make_user):
    owner = make_user(username="chutaikhoan", id_number=OWNER_ID, email="chu@example.vn")
    fresh = _api_register(client, username="moi1", id_number="012190123457")
    taken = _api_register(client, username="moi2", id_number=OWNER_ID)
    assert fresh.status_code == taken.status_code == 202
    strip = lambda body: {k: v for k, v in body.items() if k != "username"}  # noqa: E731
    assert strip(fresh.get_json()) == strip(taken.get_json())
    assert db.session.scalar(select(func.count()).select_from(User).where(User.id_number == OWNER_ID)) == 1
    assert db.session.scalar(select(User).where(User.username == "moi2")) is None
    # The owner is told through their own channels: an audit entry, a notification, an e-mail.
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.duplicate_registration"))
    assert entry is not None and entry.user_id == owner.id
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert note is not None and note.kind == "duplicate_registration"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "chu@example.vn"))
    assert mail is not None and "chutaikhoan" in mail.body and OWNER_ID not in mail.body


def test_the_owner_without_e_mail_sees_the_notice_on_their_account(client, pages, make_user):
    make_user(username="chutaikhoan", id_number=OWNER_ID)
    assert _api_register(client, username="moi2", id_number=OWNER_ID).status_code == 202
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    pages.login("chutaikhoan", PASSWORD)
    page = client.get("/ho-so/thong-bao").get_data(as_text=True)
    assert "Có người đăng ký tài khoản bằng số định danh của bạn" in page


def test_the_web_form_answers_alike_too(app, make_user):
    from tests.conftest import Pages

    make_user(username="chutaikhoan", id_number=OWNER_ID)
    answers = []
    for username, number in (("moi1", "012190123457"), ("moi2", OWNER_ID)):
        client = app.test_client()
        response = Pages(client).submit("/dang-ky", {**FORM, "username": username, "id_number": number,
                                                      "confirm": FORM["password"]})
        answers.append((response.status_code, response.headers.get("Location"),
                        client.get("/dang-nhap").get_data(as_text=True).count("Đã nhận đăng ký")))
    assert answers[0] == answers[1] == (302, "/dang-nhap", 1)


@pytest.mark.parametrize("password, message", [
    ("password12", "danh sách mật khẩu phổ biến"),
    ("Qwerty1234", "danh sách mật khẩu phổ biến"),
    ("Password2026!", "danh sách mật khẩu phổ biến"),
    ("1234567890", "danh sách mật khẩu phổ biến"),
    ("HongNhung2026", "không được chứa tên đăng nhập"),
    ("gnuhngnoh!!22", "không được chứa tên đăng nhập"),
    ("cccd012190123457", "không được chứa số định danh"),
    ("ngan", "cần ít nhất 10 ký tự"),
])
def test_weak_passwords_are_refused_with_a_specific_message(client, pages, password, message):
    response = _api_register(client, password=password)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert message in error["message"] and message in error["fields"]["password"][0]
    response = pages.submit("/dang-ky", {**FORM, "password": password, "confirm": password})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_long_passphrases_without_digits_or_capitals_are_accepted(client):
    response = _api_register(client, password="hoa ban no trang nui rung tay bac")
    assert response.status_code == 202
    assert db.session.scalar(select(User).where(User.username == "hongnhung")) is not None


def test_staff_accounts_follow_the_policy(runner):
    result = runner.invoke(args=["create-user", "vanthu9", "--role", "admin", "--password", "Vanthu9-2026"])
    assert result.exit_code != 0 and "không được chứa tên đăng nhập" in result.output
    result = runner.invoke(args=["create-user", "vanthu9", "--role", "admin", "--password", "qwertyuiop"])
    assert result.exit_code != 0 and "phổ biến" in result.output


def test_the_policy_rules():
    from portal.operations.passwords import contains_id_number, contains_username, is_common

    assert is_common("PASSWORD") and is_common("iloveyou!") and is_common("2026dragon")
    assert not is_common("HoaBanTrang2026") and not is_common("nui rung tay bac")
    assert contains_username("x.LoVanPa.x", "lovanpa") and contains_username("apnavol1", "lovanpa")
    assert not contains_username("HoaBanTrang2026", "ab")  # too short to matter
    assert contains_id_number("a 0121 9012 3457 b", "012190123457")
    assert contains_id_number("754321091210", "012190123457")
    assert not contains_id_number("0121901234", "012190123457")
