"""Issue 18, finding 4: 30 parallel wrong passwords get exactly the limit of guesses, not one
more (check and count are one statement, PostgreSQL row locks hold the next attempt).

Threads commit for real (each has its own connection), so the test cleans up after itself."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, or_

from portal.extensions import db
from portal.models import AuditEntry, LoginAttempt, LoginCounter, User
from portal.operations import accounts
from portal.operations.throttle import ThrottlePolicy
from tests.conftest import rechain_audit_log

THREADS = 30
USERNAME = "conc_lanhdao"
ADDRESS = "203.0.113.99"


@pytest.fixture
def committed_user(_app):
    if not _app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("parallel sign-ins run on PostgreSQL (the PostgreSQL pass of make test)")
    with _app.app_context():
        user = accounts.create_staff_user(username=USERNAME, password="HoaBanTrang2026", role="admin", agency_code=None)
        db.session.commit()
        user_id = user.id
        yield user_id
        db.session.rollback()
        db.session.execute(delete(LoginCounter).where(or_(LoginCounter.username == USERNAME,
                                                          LoginCounter.address == ADDRESS)))
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == USERNAME))
        db.session.execute(delete(AuditEntry).where(or_(AuditEntry.user_id == user_id, AuditEntry.actor == USERNAME)))
        db.session.execute(delete(User).where(User.id == user_id))
        rechain_audit_log()
        db.session.commit()


def test_parallel_wrong_passwords_get_no_more_guesses_than_the_limit(_app, committed_user, monkeypatch):
    policy = ThrottlePolicy(max_failures_per_user=5, max_failures_per_address=100, window=timedelta(minutes=15))
    guesses, lock = [], threading.Lock()
    real = accounts.check_password_hash

    def counted(stored, password):
        with lock:
            guesses.append(1)
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def attempt(i):
        with _app.app_context():
            barrier.wait()
            try:
                accounts.authenticate(USERNAME, f"Sai{i:08d}", client_address=ADDRESS, policy=policy)
            except accounts.AccountError as error:
                outcomes[i] = error.status
            finally:
                db.session.commit()  # a refused sign-in is kept (keeps_changes), as the boundary does
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes).count(401) == 5, outcomes
    assert sorted(outcomes).count(429) == THREADS - 5, outcomes
    assert len(guesses) == 5


def test_parallel_writers_chain_the_audit_log_one_after_the_other(_app, committed_user):
    """Parallel transactions that write audit entries (and nothing else they could queue on) take
    the chain's head row one at a time at commit: no fork, gap or wrong hash."""
    from portal.operations import audit

    writers = 8  # within the connection pool: every writer holds a connection at the barrier
    barrier = threading.Barrier(writers, timeout=60)
    failures: list = []

    def write(i):
        with _app.app_context():
            try:
                audit.record("auth.failed", actor=USERNAME, address=f"198.51.100.{i}")
                db.session.flush()
                barrier.wait()  # every transaction is open; all commit at once
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    with _app.app_context():
        assert db.session.query(AuditEntry).filter_by(actor=USERNAME).count() == writers
        assert audit.verify_chain()[1] == []
