"""The outbox's national channel: one message per change, delivered in order, exactly once per
event id, through failures, a killed run and parking."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Dossier, DossierEvent
from portal.models.filing import OutboxMessage
from portal.models.types import utcnow
from portal.national_commands import sync_once
from portal.operations import national, outbox
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import act, build_office, walk_to_result
from tests.integration.national_helpers import national_dossier, national_simulator, simulator  # noqa: F401
from tests.integration.office_helpers import fast_passwords  # noqa: F401
from tests.integration.test_concurrency import _submitted, committed_office  # noqa: F401
from workflow.calendar import VN_TZ


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def messages(dossier_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.dossier_id == dossier_id,
                                                               OutboxMessage.channel == "national")
                                   .order_by(OutboxMessage.seq)))


def processed_dossier(client, office, simulator) -> int:  # noqa: F811
    dossier_id = national_dossier(client, simulator, office.procedure)
    walk_to_result(office, dossier_id, utcnow())
    return dossier_id


def test_every_change_writes_one_message_in_order(client, office, simulator, app, monkeypatch):  # noqa: F811
    dossier_id = processed_dossier(client, office, simulator)
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id,
                                                           DossierEvent.to_status != "draft")
                                .order_by(DossierEvent.seq)).all()
    rows = messages(dossier_id)
    assert [m.seq for m in rows] == [e.seq for e in events]  # one message per change, nothing else
    assert len({m.event_id for m in rows}) == len(rows)
    codes = [m.payload["status_code"] for m in rows]
    assert codes[0] == 1 and codes[1] == 2 and 4 in codes and codes[-1] == 9
    last = rows[-1].payload
    dossier = db.session.get(Dossier, dossier_id)
    assert last["national_code"] == dossier.national_code and last["code"] == dossier.code
    assert last["agency"] == dossier.agency.identifier and last["event_id"] == rows[-1].event_id
    assert last["result"]["sha256"] and last["result"]["url"].endswith(f"/ho-so/{dossier_id}/ket-qua")
    # A dossier of the province's own portal is reported only with NATIONAL_SYNC_ALL.
    from tests.integration.lifecycle_helpers import new_submitted

    own = new_submitted(office, None)
    assert messages(own.id) == []
    monkeypatch.setitem(app.config, "NATIONAL_SYNC_ALL", True)
    act(own.id, "accept", office.officer)
    (only,) = messages(own.id)
    assert only.payload["status_code"] == 2 and only.payload["dossier"] == f"province-{own.id}"


def test_503_then_200_delivers_each_event_once_in_order(client, office, simulator, runner):  # noqa: F811
    dossier_id = processed_dossier(client, office, simulator)
    key = db.session.get(Dossier, dossier_id).national_code
    expected = [m.event_id for m in messages(dossier_id)]
    simulator.control(fail_next=3)
    for _ in range(3):  # the portal is down: the first message fails each time, the others wait behind it
        result = runner.invoke(args=["national", "sync", "--no-daily"])
        assert result.exit_code == 1, result.output
    db.session.expire_all()
    head = messages(dossier_id)[0]
    assert head.attempts == 3 and "503" in head.last_error and head.sent_at is None
    assert all(m.attempts == 0 for m in messages(dossier_id)[1:])
    assert simulator.events(key) == []
    result = runner.invoke(args=["national", "sync", "--no-daily"])
    assert result.exit_code == 0, result.output
    received = simulator.events(key)
    assert [m["event_id"] for m in received] == expected  # every one, in seq order
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in received)
    assert all(m["deliveries"] == 1 for m in received)
    db.session.expire_all()
    assert all(m.sent_at is not None for m in messages(dossier_id))
    assert runner.invoke(args=["national", "sync", "--no-daily"]).exit_code == 0
    assert simulator.stats()["received"] == len(expected)  # nothing sent twice


def test_a_killed_run_loses_nothing(client, office, simulator, app):  # noqa: F811
    dossier_id = national_dossier(client, simulator, office.procedure)
    (first,) = messages(dossier_id)
    deliverer = national.Deliverer.from_config()

    def delivers_then_dies(rows):
        deliverer(rows)  # the national portal has them...
        raise KeyboardInterrupt  # ...and the worker is killed before it records that

    with pytest.raises(KeyboardInterrupt):
        sync_once(10, delivers_then_dies)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, first.id).sent_at is None
    result = sync_once(10)
    assert result.delivered == 1
    (received,) = simulator.events(first.payload["dossier"])
    assert received["event_id"] == first.event_id and received["deliveries"] == 2  # sent twice, counted once
    assert simulator.stats()["distinct"] == 1


def test_a_timeout_is_retried_and_the_repeat_counted_once(client, office, simulator, app, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "NATIONAL_TIMEOUT_SECONDS", 0.5)
    dossier_id = national_dossier(client, simulator, office.procedure)
    simulator.control(sleep_next=1, sleep_seconds=1.5)  # it answers, but too late
    assert sync_once(10).failed == 1
    db.session.expire_all()
    (row,) = messages(dossier_id)
    assert row.sent_at is None and "Timeout" in row.last_error
    deadline = time.monotonic() + 30
    while simulator.stats()["received"] < 1 and time.monotonic() < deadline:
        time.sleep(0.1)  # the late answer's request is still being handled by the simulator
    assert sync_once(10).delivered == 1
    (received,) = simulator.events(row.payload["dossier"])
    assert received["event_id"] == row.event_id and received["deliveries"] == 2


def test_parked_messages_are_listed_and_retried_from_the_page(
        client, pages, office, simulator, app, make_user, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "NATIONAL_MAX_ATTEMPTS", 2)
    dossier_id = national_dossier(client, simulator, office.procedure)
    act(dossier_id, "accept", office.officer)
    first, second = messages(dossier_id)
    simulator.control(fail_next=2)
    sync_once(10)
    sync_once(10)
    db.session.expire_all()
    first = db.session.get(OutboxMessage, first.id)
    assert first.parked_at is not None and first.attempts == 2
    assert sync_once(10).claimed == 0  # parked: it holds its dossier's later message back
    admin = make_user(role="admin", username="quantri")
    pages.login(admin.username, PASSWORD)
    page = client.get("/quan-tri/dong-bo").get_data(as_text=True)
    assert "Tạm dừng" in page and "HTTP 503" in page and first.event_id in page
    token = csrf_token_from(page)
    answer = client.post(f"/quan-tri/dong-bo/{first.id}/gui-lai", data={"csrf_token": token})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, first.id).parked_at is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert entry.user_id == admin.id and entry.object_id == str(first.id)
    assert sync_once(10).delivered == 2
    assert [m["event_id"] for m in simulator.events(first.payload["dossier"])] == [first.event_id, second.event_id]
    # Not a parked message any more: a second retry is refused, and nobody else may retry.
    assert client.post(f"/quan-tri/dong-bo/{first.id}/gui-lai", data={"csrf_token": token}).status_code == 302
    pages.logout()
    pages.login(office.officer.username, PASSWORD)
    assert client.get("/quan-tri/dong-bo").status_code in (403, 404)


def test_daily_statistics_once_per_agency_and_day(client, office, simulator, runner):  # noqa: F811
    act(national_dossier(client, simulator, office.procedure), "accept", office.officer)
    day = utcnow().astimezone(VN_TZ).date()
    first = runner.invoke(args=["national", "daily-stats", "--day", day.isoformat()])
    again = runner.invoke(args=["national", "daily-stats", "--day", day.isoformat()])
    assert first.exit_code == 0 and again.exit_code == 0 and "Đã thêm 0" in again.output
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedup_key.like(f"daily_statistics:{day}:%"))).all()
    mine = next(r for r in rows if r.payload["agency"] == office.procedure.agency.identifier)
    assert mine.payload["counts"]["received"] >= 1 and mine.payload["counts"]["received_online"] >= 1
    assert runner.invoke(args=["national", "sync", "--no-daily"]).exit_code == 0
    assert len(simulator.events("statistics")) == len(rows)


def test_two_workers_never_share_a_message_nor_break_a_dossiers_order(_app, committed_office):  # noqa: F811
    """PostgreSQL, real commits: what one worker holds, another skips, and a dossier's next message
    waits until the earlier one is recorded delivered."""
    first, _ = _submitted(committed_office, None)
    other, _ = _submitted(committed_office, None)
    rows = [OutboxMessage(channel="national", dossier_id=dossier_id, seq=seq, payload={"n": n})
            for n, (dossier_id, seq) in enumerate([(first, 1), (first, 2), (other, 1)])]
    db.session.add_all(rows)
    db.session.commit()
    ids = [row.id for row in rows]
    now = utcnow()
    held = outbox.claim("national", 10, now)  # worker 1 holds the two heads
    assert sorted(m.id for m in held) == [ids[0], ids[2]]
    with _app.app_context():  # worker 2, its own connection
        assert outbox.claim("national", 10, now) == []  # locked heads skipped; the second waits behind its head
        db.session.rollback()
    outbox.record(held, [None, "HTTP 503"], outbox.policy("national"), now)
    db.session.commit()
    with _app.app_context():
        (after,) = outbox.claim("national", 10, now)
        assert after.id == ids[1]  # the first dossier moves on; the failed one waits for its back-off
        db.session.rollback()


def test_a_fee_payment_is_reported_with_its_receipt(client, pages, make_user, app, monkeypatch, fast_passwords):  # noqa: F811
    from tests.integration.filing_helpers import procedure
    from tests.integration.test_payments import awaiting_fee, decide, start

    monkeypatch.setitem(app.config, "NATIONAL_SYNC_ALL", True)
    office = build_office(make_user, procedure("LC-05"))
    dossier = awaiting_fee(office)
    assert client.get(decide(client, start(client, pages, office, dossier), "approve")).status_code == 302
    db.session.expire_all()
    rows = messages(dossier.id)
    assert [m.payload["status_code"] for m in rows] == [1, 2, 4, 6, 4]  # submitted, accepted, forwarded, fee asked, paid
    payment = rows[-1].payload["payment"]
    assert rows[-1].payload["action"] == "pay_fee" and payment["amount"] == 7000 and payment["receipt_number"]
