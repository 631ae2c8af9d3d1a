"""Sign-in with VNeID through the test OpenID provider running as its own process."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, User
from portal.operations import account_changes
from tests.conftest import PASSWORD
from tests.integration.vneid_helpers import (  # noqa: F401
    identity,
    oidc_provider,
    provider_answer,
    vneid,
    vneid_sign_in,
)

NUMBER = "012190000555"


def accounts_with(number: str) -> int:
    db.session.commit()  # what the requests committed since, read afresh
    return db.session.scalar(select(func.count(User.id)).where(User.id_number == number))


def user_with(number: str) -> User:
    db.session.commit()  # what the requests committed since, read afresh
    return db.session.scalar(select(User).where(User.id_number == number))


def test_the_button_shows_only_when_an_issuer_is_set(app, client, vneid, monkeypatch):  # noqa: F811
    assert "Đăng nhập bằng VNeID" in client.get("/dang-nhap").get_data(as_text=True)
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "")
    assert "Đăng nhập bằng VNeID" not in client.get("/dang-nhap").get_data(as_text=True)
    assert client.get("/dang-nhap/vneid").status_code == 404


def test_a_new_citizen_gets_one_account_without_a_password(client, pages, vneid):  # noqa: F811
    person = identity(NUMBER, "Tòng Thị Hoa", phone_number="0912 000 555", email="Hoa@Example.vn")
    response = vneid_sign_in(client, vneid, person)
    assert response.status_code == 302 and response.location.endswith("/tai-khoan")
    account = client.get("/tai-khoan").get_data(as_text=True)
    assert "Tòng Thị Hoa" in account and "Bằng VNeID" in account and "/tai-khoan/doi-mat-khau" not in account
    user = user_with(NUMBER)
    assert (user.identity_provider, user.has_password, user.role) == ("vneid", False, "citizen")
    assert (user.phone, user.email, user.last_login_at is not None) == ("0912000555", "hoa@example.vn", True)
    page = client.get("/tai-khoan/doi-mat-khau").get_data(as_text=True)
    assert "đăng nhập bằng VNeID" in page and 'name="current_password"' not in page
    pages.logout()
    assert pages.login(user.username, "!no-local-password").status_code == 401
    assert pages.login(user.username, "").status_code == 200  # the form asks for a password
    again = vneid_sign_in(client, vneid, person)
    assert again.status_code == 302 and accounts_with(NUMBER) == 1
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == user.id)).all()
    assert actions.count("auth.login") == 2 and actions.count("account.registered") == 1


@pytest.mark.parametrize("tamper", ["nonce", "signature", "issuer", "audience", "expired"])
def test_an_id_token_that_fails_verification_is_refused(client, vneid, tamper):  # noqa: F811
    response = vneid_sign_in(client, vneid, identity(NUMBER), tamper=tamper)
    assert response.status_code == 403
    assert "Không xác minh được kết quả đăng nhập từ VNeID" in response.get_data(as_text=True)
    assert accounts_with(NUMBER) == 0 and client.get("/tai-khoan").status_code == 302


def test_a_tampered_or_replayed_state_is_refused(client, vneid):  # noqa: F811
    callback = provider_answer(client, vneid, identity(NUMBER))
    path, query = callback.split("?")
    params = dict(parse_qsl(query))
    forged = client.get(f"{path}?{urlencode({**params, 'state': params['state'] + 'x'})}")
    assert forged.status_code == 403 and "Không xác minh được" in forged.get_data(as_text=True)
    assert accounts_with(NUMBER) == 0
    replay_of_another = provider_answer(client, vneid, identity(NUMBER))
    assert client.get(replay_of_another).status_code == 302 and accounts_with(NUMBER) == 1
    assert client.get(replay_of_another).status_code == 403  # the state is used once


def test_a_local_account_is_linked_only_after_its_password(client, pages, vneid, make_user):  # noqa: F811
    local = make_user(username="lovanpa", id_number=NUMBER)
    assert client.get("/dang-nhap/vneid/lien-ket").location.endswith("/dang-nhap")  # nothing to link
    response = vneid_sign_in(client, vneid, identity(NUMBER))
    assert response.status_code == 302 and response.location.endswith("/dang-nhap/vneid/lien-ket")
    assert client.get("/tai-khoan").status_code == 302  # nothing is signed in yet
    assert "lovanpa" in client.get("/dang-nhap/vneid/lien-ket").get_data(as_text=True)
    wrong = pages.submit("/dang-nhap/vneid/lien-ket", {"password": "khong-phai-mat-khau"})
    assert wrong.status_code == 422 and user_with(NUMBER).identity_provider is None
    linked = pages.submit("/dang-nhap/vneid/lien-ket", {"password": PASSWORD})
    assert linked.status_code == 302 and client.get("/tai-khoan").status_code == 200
    user = user_with(NUMBER)
    assert (user.id, user.identity_provider, user.has_password) == (local.id, "vneid", True)
    pages.logout()
    again = vneid_sign_in(client, vneid, identity(NUMBER))
    assert again.location.endswith("/tai-khoan") and accounts_with(NUMBER) == 1


def test_staff_and_locked_accounts_stay_out(client, vneid, make_user):  # noqa: F811
    admin = make_user("admin", username="quantri")
    admin.id_number = "012190000666"
    db.session.commit()
    refused = vneid_sign_in(client, vneid, identity("012190000666"))
    assert refused.status_code == 403 and "Tài khoản cán bộ" in refused.get_data(as_text=True)
    db.session.commit()
    kept = db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "auth.vneid_refused")).all()
    assert [entry["reason"] for entry in kept] == ["staff"] and accounts_with("012190000666") == 1
    assert vneid_sign_in(client, vneid, identity(NUMBER)).status_code == 302
    client.delete_cookie("session")
    account_changes.set_active(user_with(NUMBER), False)
    db.session.commit()
    locked = vneid_sign_in(client, vneid, identity(NUMBER))
    assert locked.status_code == 403 and "đang bị khóa" in locked.get_data(as_text=True)
    assert client.get("/tai-khoan").status_code == 302


def test_a_malformed_id_number_creates_nothing(client, vneid):  # noqa: F811
    response = vneid_sign_in(client, vneid, identity("999190000555"))
    assert response.status_code == 403 and accounts_with("999190000555") == 0
