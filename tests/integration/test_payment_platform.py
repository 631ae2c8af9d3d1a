"""Fee payments through the national payment platform, against its simulator running as its own
process: paid, declined, abandoned then paid (the notification after the page was closed, or
only the status query), duplicate and forged callbacks, and the daily reconciliation finding a
mismatch injected on the platform's side."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Dossier, DossierEvent
from portal.models.filing import Payment
from signatures.webhook import signed_headers
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import procedure, submitted_dossier
from tests.integration.lifecycle_helpers import act, build_office, vn
from tests.integration.payment_platform_helpers import (  # noqa: F401  (fixtures)
    CALLBACK,
    MERCHANT,
    SECRET,
    local,
    notify,
    payment_platform,
    platform,
)
from workflow.calendar import VN_TZ


@pytest.fixture
def office(make_user):
    return build_office(make_user, procedure("LC-05"))


def awaiting_fee(office):
    dossier = submitted_dossier(office.citizen)
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "forward", office.officer, vn(2026, 11, 23, 9, 0))
    act(dossier.id, "request_fee", office.officer, vn(2026, 11, 23, 10, 0))
    return db.session.get(Dossier, dossier.id)


def start(client, pages, office, dossier, sim) -> str:
    """The citizen presses "pay online": the portal registers the payment with the platform and
    sends the browser to the platform's page."""
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    detail = client.get(f"/ho-so/{dossier.id}")
    # Browsers apply form-action to the form's redirect too: the platform's origin is allowed.
    assert detail.headers["Content-Security-Policy"].endswith(f"form-action 'self' {sim.url}")
    page = detail.get_data(as_text=True)
    response = client.post(f"/ho-so/{dossier.id}/thanh-toan", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.location.startswith(sim.url + "/pay/")
    return response.location


def payment_of(dossier) -> Payment:
    db.session.expire_all()
    return db.session.scalar(select(Payment).where(Payment.dossier_id == dossier.id))


def audited(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def pay_fee_events(dossier) -> int:
    return db.session.scalar(select(func.count()).select_from(DossierEvent).where(
        DossierEvent.dossier_id == dossier.id, DossierEvent.action == "pay_fee"))


def test_paid_through_the_platform(client, pages, office, platform):  # noqa: F811
    dossier = awaiting_fee(office)
    pay_url = start(client, pages, office, dossier, platform)
    # The platform knows the dossier's amount and code.
    (registered,) = platform.transactions()
    assert registered["amount"] == 7000 and registered["order_code"] == dossier.code
    assert registered["reference"] == payment_of(dossier).reference
    back = platform.choose(pay_url, "paid")
    assert back.status_code == 303 and "/ho-so/thanh-toan/ket-qua?" in back.headers["Location"]
    response = client.get(local(back.headers["Location"]))
    assert response.status_code == 302
    receipt = client.get(response.location).get_data(as_text=True)
    assert "Biên lai thanh toán" in receipt and "Thanh toán thành công" in receipt
    payment = payment_of(dossier)
    assert payment.status == "paid" and payment.provider == "national" and payment.receipt_number
    assert payment.provider_transaction == registered["transaction_id"]
    after = db.session.get(Dossier, dossier.id)
    assert after.status == "in_process" and after.fee_paid_at is not None
    assert audited("payment.settled") == 1
    # The platform's notification arrives after the browser: acknowledged, nothing recorded twice.
    (notification,) = platform.notifications()
    repeat = notify(client, notification)
    assert repeat.status_code == 200 and repeat.get_json()["duplicate"] is True
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).version == after.version
    assert pay_fee_events(dossier) == 1 and audited("payment.settled") == 1
    # The dossier's page lists the payment.
    page = client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "7.000 đ — Đã thanh toán" in page


def test_declined_leaves_the_fee_due(client, pages, office, platform):  # noqa: F811
    dossier = awaiting_fee(office)
    back = platform.choose(start(client, pages, office, dossier, platform), "declined")
    response = client.get(local(back.headers["Location"]))
    page = client.get(response.location).get_data(as_text=True)
    assert "Thanh toán không thành công" in page
    assert payment_of(dossier).status == "failed"
    assert db.session.get(Dossier, dossier.id).status == "awaiting_fee"
    (notification,) = platform.notifications()
    assert notification["message"]["status"] == "declined"
    assert notify(client, notification).get_json()["duplicate"] is True
    # The citizen may try again: a new payment with the platform.
    assert "Thanh toán trực tuyến" in client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)


def test_abandoned_then_paid_by_the_platforms_notification(client, pages, office, platform):  # noqa: F811
    dossier = awaiting_fee(office)
    left = platform.choose(start(client, pages, office, dossier, platform), "abandon")
    assert left.status_code == 200 and "Đã rời trang thanh toán" in left.text
    assert payment_of(dossier).status == "pending"
    assert platform.notifications() == []
    # Later the citizen pays from the bank's app; the browser never comes back to the portal.
    reference = payment_of(dossier).reference
    platform.settle(reference, "paid")
    (notification,) = platform.notifications()
    pages.logout()  # the server-to-server callback needs no session
    answer = notify(client, notification)
    assert answer.status_code == 200 and answer.get_json() == {
        "reference": reference, "status": "paid", "receipt_number": payment_of(dossier).receipt_number, "duplicate": False}
    assert db.session.get(Dossier, dossier.id).status == "in_process"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payment.settled"))
    assert entry.details["source"] == "notification" and entry.details["reference"] == reference


def test_abandoned_then_paid_found_by_the_status_query(client, pages, office, platform, runner, app):  # noqa: F811
    dossier = awaiting_fee(office)
    platform.choose(start(client, pages, office, dossier, platform), "abandon")
    other = awaiting_fee(build_office_for_second_citizen(office))
    reference = payment_of(dossier).reference
    platform.settle(reference, "paid")  # its notification is lost (never delivered)
    # A pending payment the platform still has no decision on stays pending; the platform down
    # for one query is counted and tried again on the next run.
    platform.control(fail_queries=1)
    first = runner.invoke(args=["payments", "check-pending", "--older-than", "0"])
    assert first.exit_code == 1 and "1 không hỏi được" in first.output
    assert payment_of(dossier).status == "pending"
    result = runner.invoke(args=["payments", "check-pending", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "1 đã thanh toán" in result.output
    payment = payment_of(dossier)
    assert payment.status == "paid" and db.session.get(Dossier, dossier.id).status == "in_process"
    assert db.session.get(Dossier, other.id).status == "awaiting_fee"
    # The lost notification, delivered after all, is a duplicate.
    (notification,) = platform.notifications()
    assert notify(client, notification).get_json()["duplicate"] is True
    assert pay_fee_events(dossier) == 1
    # Recent payments are left alone by default (PAYMENT_PENDING_CHECK_SECONDS).
    assert "Đã hỏi 0 khoản" in runner.invoke(args=["payments", "check-pending"]).output


def build_office_for_second_citizen(office):
    """Another citizen of the same procedure, whose dossier waits for its fee without a payment."""
    from portal.operations import accounts
    from tests.integration.lifecycle_helpers import Office

    citizen = accounts.register_citizen(username="congdan2", password=PASSWORD, full_name="Tòng Văn Hai",
                                        id_number="012190099999", phone="0912000999", email=None)
    db.session.commit()
    return Office(**{**office.__dict__, "citizen": citizen})


def test_duplicate_notifications_record_one_payment(client, pages, office, platform):  # noqa: F811
    dossier = awaiting_fee(office)
    platform.choose(start(client, pages, office, dossier, platform), "abandon")
    platform.settle(payment_of(dossier).reference, "paid")
    (notification,) = platform.notifications()
    answers = [notify(client, notification) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.get_json()["duplicate"] for a in answers] == [False, True, True]
    assert pay_fee_events(dossier) == 1 and audited("payment.settled") == 1
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.status == "paid")) == 1
    # A "declined" for a payment recorded as paid contradicts it: 409, nothing changes.
    body = json.loads(notification["request"]["body"])
    contradiction = json.dumps({**body, "status": "declined"}).encode()
    answer = notify(client, notification, contradiction, signed_headers(SECRET, contradiction))
    assert answer.status_code == 409
    assert payment_of(dossier).status == "paid"


def test_forged_notifications_are_refused_audited_and_change_nothing(client, pages, office, platform):  # noqa: F811
    dossier = awaiting_fee(office)
    platform.choose(start(client, pages, office, dossier, platform), "abandon")
    payment = payment_of(dossier)
    transaction_id = platform.transactions()[0]["transaction_id"]
    fields = {"event_id": "ev-forged", "merchant": MERCHANT, "reference": payment.reference,
              "transaction_id": transaction_id, "amount": 7000, "status": "paid", "paid_at": None}
    body = json.dumps(fields).encode()

    def send(raw: bytes, headers: dict) -> int:
        return client.post(CALLBACK, data=raw, headers=headers).status_code

    fake = {"request": {"url": "http://localhost" + CALLBACK, "headers": {}, "body": ""}}
    assert send(body, signed_headers("not-the-secret", body)) == 401  # wrong key
    assert send(body, {"Content-Type": "application/json"}) == 401  # unsigned
    stale = signed_headers(SECRET, body, now=1_700_000_000)
    assert send(body, stale) == 401  # an old message replayed
    # Correctly signed, but the platform never said "paid" (its status query answers pending).
    assert send(body, signed_headers(SECRET, body)) == 400
    for change, status in (({"amount": 1}, 400), ({"merchant": "OTHER"}, 400), ({"reference": "LC-UNKNOWN"}, 400),
                           ({"status": "maybe"}, 422), ({"amount": "bảy nghìn"}, 422)):
        raw = json.dumps({**fields, **change}).encode()
        assert send(raw, signed_headers(SECRET, raw)) == status, change
    assert client.post(CALLBACK, data=body, headers={**signed_headers(SECRET, body),
                                                     "Content-Type": "text/plain"}).status_code == 415
    assert notify(client, fake, b"not json", signed_headers(SECRET, b"not json")).status_code == 400
    assert audited("payment.callback_forged") == 10
    reasons = {e.details["reason"] for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "payment.callback_forged"))}
    assert "bad signature" in reasons and "not confirmed by the provider's status query" in reasons
    # A forged browser return (the citizen's own tampering) is refused too.
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    tampered = client.get(f"/ho-so/thanh-toan/ket-qua?reference={payment.reference}&transaction_id={transaction_id}"
                          f"&amount=7000&status=paid&signature=00")
    assert tampered.status_code == 302
    assert audited("payment.callback_forged") == 11
    db.session.expire_all()
    assert payment_of(dossier).status == "pending"
    assert db.session.get(Dossier, dossier.id).status == "awaiting_fee" and pay_fee_events(dossier) == 0
    # The genuine notification still settles it.
    platform.settle(payment.reference, "paid")
    (notification,) = platform.notifications()
    assert notify(client, notification).get_json()["status"] == "paid"


def test_the_reconciliation_finds_an_injected_mismatch(client, pages, office, platform, runner, make_user, tmp_path):  # noqa: F811
    paid = []
    for n in range(2):
        office_n = office if n == 0 else build_office_for_second_citizen(office)
        dossier = awaiting_fee(office_n)
        platform.choose(start(client, pages, office_n, dossier, platform), "abandon")
        pages.logout()
        platform.settle(payment_of(dossier).reference, "paid")
        notification = platform.notifications()[-1]
        assert notify(client, notification).status_code == 200
        paid.append(payment_of(dossier))
    today = paid[0].completed_at.astimezone(VN_TZ).date()
    clean = runner.invoke(args=["payments", "reconcile", "--day", today.isoformat()])
    assert clean.exit_code == 0, clean.output
    assert "2 khoản, 0 chênh lệch" in clean.output
    # The platform's listing says another amount for the first, and lists a payment we never started.
    platform.mismatch(reference=paid[0].reference, amount=70000)
    platform.mismatch(extra={"reference": "LC-NOT-OURS", "amount": 5000})
    csv_path, xlsx_path = tmp_path / "doi-soat.csv", tmp_path / "doi-soat.xlsx"
    result = runner.invoke(args=["payments", "reconcile", "--day", today.isoformat(),
                                 "--csv", str(csv_path), "--xlsx", str(xlsx_path)])
    assert result.exit_code == 1, result.output
    assert "3 khoản, 2 chênh lệch" in result.output
    assert f"Lệch số tiền: {paid[0].reference}" in result.output
    assert "Nền tảng đã thu, không có khoản thanh toán tương ứng: LC-NOT-OURS" in result.output
    text = csv_path.read_bytes().decode("utf-8-sig")
    assert paid[0].reference in text and paid[1].reference in text and "LC-NOT-OURS" in text
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    kinds = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert sorted(kinds) == sorted(["Lệch số tiền", "Khớp", "Nền tảng đã thu, không có khoản thanh toán tương ứng"])
    # A payment we recorded but the platform does not list.
    platform.mismatch(hide=paid[1].reference)
    hidden = runner.invoke(args=["payments", "reconcile", "--day", today.isoformat()])
    assert "Hồ sơ ghi đã thu, nền tảng không có" in hidden.output
    # The administrators' page shows the same, and exports it.
    make_user(role="admin", username="quantri")
    assert pages.login("quantri", PASSWORD).status_code == 302
    page = client.get(f"/quan-tri/doi-soat-thanh-toan?ngay={today.isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lệch số tiền" in html and "70.000 đ" in html and paid[0].dossier.code in html
    download = client.get(f"/quan-tri/doi-soat-thanh-toan/xuat.xlsx?ngay={today.isoformat()}")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert client.get("/quan-tri/doi-soat-thanh-toan?ngay=hom-qua").status_code == 422
    assert audited("payment.reconciled") >= 4
    # Citizens do not see it.
    pages.logout()
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    assert client.get("/quan-tri/doi-soat-thanh-toan").status_code in (403, 404)


def test_without_the_platform_configured_nothing_is_sent(client, app, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "PAYMENT_PROVIDER", "national")
    monkeypatch.setitem(app.config, "PAYMENT_PLATFORM_URL", "")
    with app.test_request_context():
        from portal.payments import get_gateway

        assert get_gateway() is None
    assert client.post(CALLBACK, json={"reference": "x"}).status_code == 404


def test_the_platform_down_is_a_clear_message_and_nothing_kept(
        client, pages, office, app, monkeypatch, runner, make_user, platform):  # noqa: F811
    from tests.integration.national_helpers import free_port

    dossier = awaiting_fee(office)
    monkeypatch.setitem(app.config, "PAYMENT_PLATFORM_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    page = client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    response = client.post(f"/ho-so/{dossier.id}/thanh-toan", data={"csrf_token": csrf_token_from(page)},
                           follow_redirects=True)
    assert "Nền tảng thanh toán tạm thời không trả lời" in response.get_data(as_text=True)
    assert payment_of(dossier) is None
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1 and "Nền tảng thanh toán không trả lời" in result.output
    make_user(role="admin", username="quantri")
    pages.logout()
    assert pages.login("quantri", PASSWORD).status_code == 302
    answer = client.get("/quan-tri/doi-soat-thanh-toan")
    assert answer.status_code == 503 and "vui lòng thử lại sau" in answer.get_data(as_text=True)
