"""Issue 18, findings 4 and 5: sign-in throttling that cannot be turned against the owner of an
account, and a sign-in that costs the same for existing and unknown accounts.

Addresses are documentation addresses (RFC 5737) set in the WSGI environment: no traffic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import LoginCounter
from portal.models.types import utcnow
from portal.operations import accounts
from portal.operations.throttle import ThrottlePolicy
from tests.conftest import PASSWORD

ATTACKER, OWNER, OTHER = "203.0.113.7", "198.51.100.20", "192.0.2.33"


def token(client, username, password, address):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(client, make_user, app):
    make_user(username="lanhdao")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_USER"]):
        assert token(client, "lanhdao", "Sai12345678", ATTACKER).status_code == 401
    assert token(client, "lanhdao", PASSWORD, ATTACKER).status_code == 429  # that address waits
    assert token(client, "lanhdao", PASSWORD, OWNER).status_code == 200   # the owner does not


def sign_in(username, password, address, now, policy):
    try:
        accounts.authenticate(username, password, client_address=address, policy=policy, now=now)
    except accounts.LoginThrottled as error:
        return 429, error.retry_after
    except accounts.InvalidCredentials:
        return 401, None
    return 200, None


POLICY = ThrottlePolicy(max_failures_per_user=5, max_failures_per_address=100, window=timedelta(minutes=15),
                        account_slowdown=20)


def test_the_wait_of_an_address_doubles_with_each_further_failure(make_user):
    make_user(username="lanhdao")
    t0 = utcnow()
    for i in range(5):
        assert sign_in("lanhdao", "Sai12345678", ATTACKER, t0 + timedelta(seconds=i), POLICY)[0] == 401
    status, retry = sign_in("lanhdao", PASSWORD, ATTACKER, t0 + timedelta(seconds=10), POLICY)
    assert status == 429 and 14 * 60 < retry <= 15 * 60
    t1 = t0 + timedelta(minutes=16)  # the first wait is over: one more try
    assert sign_in("lanhdao", "Sai12345678", ATTACKER, t1, POLICY)[0] == 401
    status, retry = sign_in("lanhdao", PASSWORD, ATTACKER, t1 + timedelta(minutes=29), POLICY)
    assert status == 429 and retry <= 60  # 30 minutes this time
    t2 = t1 + timedelta(minutes=31)
    assert sign_in("lanhdao", "Sai12345678", ATTACKER, t2, POLICY)[0] == 401
    assert sign_in("lanhdao", PASSWORD, ATTACKER, t2 + timedelta(minutes=59), POLICY)[0] == 429  # 60 minutes
    assert sign_in("lanhdao", PASSWORD, ATTACKER, t2 + timedelta(minutes=61), POLICY)[0] == 200
    # A success clears the address's counter: five free tries again.
    for i in range(5):
        assert sign_in("lanhdao", "Sai12345678", ATTACKER, t2 + timedelta(minutes=62, seconds=i), POLICY)[0] == 401


def test_guessing_from_many_addresses_is_slowed_but_the_owner_still_gets_in(make_user):
    make_user(username="lanhdao")
    policy = ThrottlePolicy(5, 100, timedelta(minutes=15), account_slowdown=6)
    t0 = utcnow()
    botnet = [f"203.0.113.{i}" for i in range(1, 9)]
    for i, address in enumerate(botnet[:2]):  # 2 addresses x 3 wrong passwords: 6 failures
        for j in range(3):
            assert sign_in("lanhdao", "Sai12345678", address, t0 + timedelta(seconds=10 * i + j), policy)[0] == 401
    # Past the account's threshold a new address gets one try, then waits.
    assert sign_in("lanhdao", "Sai12345678", botnet[2], t0 + timedelta(seconds=30), policy)[0] == 401
    assert sign_in("lanhdao", "Sai12345678", botnet[2], t0 + timedelta(seconds=31), policy)[0] == 429
    # The owner, from a fresh address, with the right password: signed in, never blocked.
    assert sign_in("lanhdao", PASSWORD, OWNER, t0 + timedelta(seconds=32), policy)[0] == 200


def test_the_per_address_limit_is_kept(make_user):
    policy = ThrottlePolicy(5, 4, timedelta(minutes=15))
    t0 = utcnow()
    for i in range(4):
        assert sign_in(f"nobody{i}", "Sai12345678", ATTACKER, t0 + timedelta(seconds=i), policy)[0] == 401
    status, retry = sign_in("someone", "Sai12345678", ATTACKER, t0 + timedelta(seconds=5), policy)
    assert status == 429 and retry > 14 * 60
    assert sign_in("someone", "Sai12345678", OTHER, t0 + timedelta(seconds=6), policy)[0] == 401
    assert sign_in("someone", "Sai12345678", ATTACKER, t0 + timedelta(minutes=16), policy)[0] == 401


def test_unknown_and_existing_accounts_are_throttled_alike(make_user):
    make_user(username="lanhdao")
    t0 = utcnow()
    outcomes = {}
    for name in ("lanhdao", "khongcoai"):
        outcomes[name] = [sign_in(name, "Sai12345678", ATTACKER, t0 + timedelta(seconds=i), POLICY)
                          for i in range(7)]
    assert outcomes["lanhdao"] == outcomes["khongcoai"]
    rows = db.session.scalars(select(LoginCounter).where(LoginCounter.username.in_(["lanhdao", "khongcoai"]),
                                                         LoginCounter.scope == "pair")).all()
    assert sorted(r.failures for r in rows) == [5, 5]


@pytest.fixture
def hash_calls(monkeypatch):
    calls = []
    real = accounts.check_password_hash

    def spy(stored, password):
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    return calls


def test_the_token_endpoint_computes_a_hash_for_unknown_accounts_too(client, make_user, hash_calls):
    user = make_user(username="lanhdao")
    assert token(client, "lanhdao", "Sai12345678", ATTACKER).status_code == 401
    assert token(client, "khongcoai", "Sai12345678", ATTACKER).status_code == 401
    assert len(hash_calls) == 2
    assert hash_calls[0] == user.password_hash
    assert hash_calls[1].split("$")[0] == user.password_hash.split("$")[0]  # same method and cost


def test_web_sign_in_computes_a_hash_for_unknown_and_locked_accounts(pages, make_user, hash_calls):
    user = make_user(username="lanhdao")
    user.is_active_account = False
    db.session.commit()
    assert pages.login("khongcoai", "Sai12345678").status_code == 401
    assert pages.login("lanhdao", PASSWORD).status_code == 401
    assert len(hash_calls) == 2
