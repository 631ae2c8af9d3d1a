"""Issue 18: two-factor sign-in (TOTP, RFC 6238) for the roles in TWO_FACTOR_ROLES, on the web
and for API tokens; half signed in opens no page; codes are accepted once; wrong codes are
throttled; an administrator's reset makes the person enrol again."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, User
from tests.conftest import PASSWORD, Pages, csrf_token_from

SECRET = re.compile(r'id="totp-secret" class="secret-code">([A-Z2-7 ]+)<')


@pytest.fixture(autouse=True)
def leaders_use_two_factor(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_ROLES", ("unit_leader", "agency_leader", "admin"))


@pytest.fixture
def leader(make_user):
    return make_user("agency_leader", agency="so-tai-chinh", username="lanhdao1")


def _enrol(pages: Pages) -> pyotp.TOTP:
    """Sign in for the first time and enrol; the authenticator app's TOTP."""
    response = pages.login("lanhdao1", PASSWORD)
    assert response.headers["Location"] == "/dang-nhap/dang-ky-xac-thuc"
    page = pages.client.get("/dang-nhap/dang-ky-xac-thuc").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page.split("<main")[1]
    totp = pyotp.TOTP(SECRET.search(page).group(1).replace(" ", ""))
    done = pages.submit("/dang-nhap/dang-ky-xac-thuc", {"code": totp.now()})
    assert done.status_code == 302, done.get_data(as_text=True)
    return totp


def _signed_in(client) -> bool:
    return client.get("/tai-khoan").status_code == 200


def test_enrolment_then_sign_in_with_a_code(app, client, pages, leader):
    totp = _enrol(pages)
    assert _signed_in(client)
    db.session.expire_all()
    assert leader.totp_enrolled_at is not None and totp.secret not in (leader.totp_secret or "")
    pages.logout()
    assert pages.login("lanhdao1", PASSWORD).headers["Location"] == "/dang-nhap/ma-xac-thuc"
    again = client.get("/dang-nhap/dang-ky-xac-thuc")  # the secret is never shown again
    assert again.headers["Location"] == "/dang-nhap/ma-xac-thuc"
    wrong = pages.submit("/dang-nhap/ma-xac-thuc", {"code": "000000" if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    next_code = totp.at(time.time() + 30)  # one step late is accepted
    assert pages.submit("/dang-nhap/ma-xac-thuc", {"code": next_code}).status_code == 302
    assert _signed_in(client)
    assert db.session.query(AuditEntry).filter_by(action="auth.totp_failed").count() == 1
    db.session.expire_all()
    assert leader.last_login_at is not None


def test_half_signed_in_opens_no_page(app, client, pages, leader):
    assert pages.login("lanhdao1", PASSWORD).status_code == 302
    for url in ("/tai-khoan", "/mot-cua/", "/quan-tri/nguoi-dung", "/dang-nhap/ma-xac-thuc"):
        response = client.get(url)
        assert response.status_code in (302, 401, 403, 404), url
        assert not response.headers.get("Location", "").startswith(url), url
    assert client.get("/tai-khoan").headers["Location"].startswith("/dang-nhap")
    # Not a sign-in yet: no last sign-in time, no "auth.login" in the log.
    assert db.session.scalar(select(User.last_login_at).where(User.id == leader.id)) is None
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == leader.id)))
    assert "auth.password_accepted" in actions and "auth.login" not in actions


def test_a_code_is_accepted_only_once(app, client, pages, leader):
    totp = _enrol(pages)
    pages.logout()
    code = totp.at(time.time() + 30)
    pages.login("lanhdao1", PASSWORD)
    assert pages.submit("/dang-nhap/ma-xac-thuc", {"code": code}).status_code == 302
    pages.logout()
    pages.login("lanhdao1", PASSWORD)
    reused = pages.submit("/dang-nhap/ma-xac-thuc", {"code": code})
    assert reused.status_code == 422 and "vừa được dùng" in reused.get_data(as_text=True)
    assert not _signed_in(client)


def test_wrong_codes_are_throttled(app, client, pages, leader):
    totp = _enrol(pages)
    pages.logout()
    pages.login("lanhdao1", PASSWORD)
    wrong = "000000" if totp.now() != "000000" else "111111"
    answers = [pages.submit("/dang-nhap/ma-xac-thuc", {"code": wrong}) for _ in range(6)]
    assert "thử lại sau" in answers[-1].get_data(as_text=True)
    blocked = pages.submit("/dang-nhap/ma-xac-thuc", {"code": totp.at(time.time() + 30)})
    assert blocked.status_code == 422 and not _signed_in(client)


def test_api_token_needs_the_totp_of_an_enrolled_leader(app, client, pages, leader):
    refused = client.post("/api/v1/auth/token", json={"username": "lanhdao1", "password": PASSWORD})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "totp_enrolment_required"
    totp = _enrol(pages)
    missing = client.post("/api/v1/auth/token", json={"username": "lanhdao1", "password": PASSWORD})
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "totp_required"
    wrong = client.post("/api/v1/auth/token", json={"username": "lanhdao1", "password": PASSWORD, "totp": "12345"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "totp_wrong"
    good = client.post("/api/v1/auth/token", json={"username": "lanhdao1", "password": PASSWORD,
                                                   "totp": totp.at(time.time() + 30)})
    assert good.status_code == 200 and good.get_json()["token"]
    bad_type = client.post("/api/v1/auth/token", json={"username": "lanhdao1", "password": PASSWORD, "totp": 123456})
    assert bad_type.status_code == 422


def test_other_roles_sign_in_with_a_password_only(app, client, pages, make_user):
    make_user("specialist", agency="so-tai-chinh", username="chuyenvien1")
    assert pages.login("chuyenvien1", PASSWORD).headers["Location"] == "/mot-cua/"
    assert client.post("/api/v1/auth/token", json={"username": "chuyenvien1", "password": PASSWORD}).status_code == 200


def test_an_administrators_reset_makes_the_person_enrol_again(app, client, pages, leader, make_user, monkeypatch):
    _enrol(pages)
    assert _signed_in(client)
    make_user(role="admin", username="quantri")
    admin = Pages(app.test_client())
    monkeypatch.setitem(app.config, "TWO_FACTOR_ROLES", ("unit_leader", "agency_leader"))
    assert admin.login("quantri", PASSWORD).status_code == 302
    page = admin.client.get(f"/quan-tri/nguoi-dung/{leader.id}").get_data(as_text=True)
    assert "Đặt lại xác thực hai bước" in page
    response = admin.client.post(f"/quan-tri/nguoi-dung/{leader.id}/dat-lai-xac-thuc",
                                 data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert not _signed_in(client)
    db.session.expire_all()
    assert leader.totp_secret is None and leader.totp_enrolled_at is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.totp_reset"))
    assert entry.actor == "quantri" and entry.details["before"] == {"two_factor": True}
    assert pages.login("lanhdao1", PASSWORD).headers["Location"] == "/dang-nhap/dang-ky-xac-thuc"


def test_a_lock_while_half_signed_in_ends_it(app, client, pages, leader, runner):
    _enrol(pages)
    pages.logout()
    pages.login("lanhdao1", PASSWORD)
    assert runner.invoke(args=["user", "lock", "lanhdao1"]).exit_code == 0
    assert client.get("/dang-nhap/ma-xac-thuc").headers["Location"] == "/dang-nhap"
    assert db.session.scalar(select(User.is_active_account).where(User.username == "lanhdao1")) is False
