"""Concurrent officers on PostgreSQL: row locks and versions, unique codes, no lost events.

These tests commit for real (threads need their own connections), so they clean up after
themselves instead of relying on the rolled-back test transaction.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Dossier, DossierCodeCounter, DossierEvent, LoginAttempt, User
from portal.operations import dossiers, lifecycle
from portal.operations.lifecycle import ActionInput
from portal.statistics import daily
from tests.conftest import rechain_audit_log
from tests.integration.lifecycle_helpers import build_office, vn

THREADS = 12


@pytest.fixture
def committed_office(_app):
    """An office whose rows are really committed; removed afterwards."""
    if not _app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("row-lock concurrency runs on PostgreSQL (the PostgreSQL pass of make test)")
    from portal.operations import accounts

    created: list[int] = []

    def make_user(role="citizen", agency=None, username=None, **kwargs):
        if role == "citizen":
            user = accounts.register_citizen(username=username, password="HoaBanTrang2026", full_name="Lò Văn Pả",
                                             id_number=f"01219{len(created):07d}", phone="0912345678", email=None)
        else:
            user = accounts.create_staff_user(username=username, password="HoaBanTrang2026", role=role, agency_code=agency)
        db.session.commit()
        created.append(user.id)
        return user

    with _app.app_context():
        office = build_office(make_user, prefix="conc_")
        yield office
        db.session.rollback()
        dossier_ids = list(db.session.scalars(select(Dossier.id).where(Dossier.applicant_id.in_(created))))
        daily.uncount_dossiers(db.session.connection(), dossier_ids)  # a bulk DELETE bypasses the flush
        _delete_referencing("dossiers", dossier_ids)
        db.session.execute(delete(Dossier).where(Dossier.id.in_(dossier_ids)))
        db.session.execute(delete(DossierCodeCounter).where(DossierCodeCounter.agency_id == office.procedure.agency_id))
        db.session.execute(delete(LoginAttempt))
        _delete_referencing("users", created)
        db.session.execute(delete(User).where(User.id.in_(created)))
        db.session.commit()


def _delete_referencing(table_name: str, ids: list[int]) -> None:
    """Delete the rows of every table that points at ``table_name`` rows with these ids."""
    if not ids:
        return
    for table in reversed(db.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and table.name != table_name:
                db.session.execute(table.delete().where(fk.parent.in_(ids)))
    if table_name == "users":
        rechain_audit_log()  # its entries went with the users


def _run_threads(app, target, count):
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = target(i)
                db.session.commit()
            except dossiers.DossierError as error:
                db.session.rollback()
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _submitted(office, when):
    dossier = dossiers.create_draft(office.citizen, office.procedure, {})
    db.session.flush()
    lifecycle.perform(dossier.id, "submit", office.citizen, ActionInput(documents_complete=True), now=when)
    db.session.commit()
    return dossier.id, db.session.get(Dossier, dossier.id).version


def test_conflicting_actions_on_one_dossier(_app, committed_office):
    office = committed_office
    dossier_id, version = _submitted(office, vn(2026, 11, 23, 8, 0))
    events_before = db.session.scalar(select(func.count()).where(DossierEvent.dossier_id == dossier_id))
    officer_id = office.officer.id
    actions = ["accept", "refuse_intake"]

    def attempt(i):
        officer = db.session.get(User, officer_id)
        return lifecycle.perform(dossier_id, actions[i % 2], officer,
                                ActionInput(version=version, reason="Hồ sơ không thuộc thẩm quyền",
                                            documents_complete=True),
                                now=vn(2026, 11, 23, 9, 0) + timedelta(seconds=i)).status

    results = _run_threads(_app, attempt, THREADS)
    successes = [r for r in results if isinstance(r, str)]
    conflicts = [r for r in results if isinstance(r, dossiers.DossierError)]
    assert len(successes) == 1, results
    assert all(r.status == 409 for r in conflicts) and len(conflicts) == THREADS - 1
    db.session.expire_all()
    events_after = db.session.scalar(select(func.count()).where(DossierEvent.dossier_id == dossier_id))
    assert events_after == events_before + 1
    from portal.operations.events import verify_chains

    assert verify_chains([dossier_id])[1] == []


def test_simultaneous_receptions_get_distinct_codes(_app, committed_office):
    office = committed_office
    ids = [_submitted(office, vn(2026, 11, 23, 8, 0))[0] for _ in range(THREADS)]
    officer_id = office.officer.id

    def accept(i):
        officer = db.session.get(User, officer_id)
        return lifecycle.perform(ids[i], "accept", officer, ActionInput(documents_complete=True),
                                 now=vn(2026, 11, 23, 10, 0)).code

    codes = _run_threads(_app, accept, THREADS)
    assert all(isinstance(c, str) for c in codes), codes
    assert len(set(codes)) == THREADS
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, THREADS + 1))
