"""Fee payment through the sandbox gateway: redirect, signed callback, status query, receipt;
forged and duplicate callbacks rejected."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier
from portal.models.filing import Notification, Payment
from portal.payments.gateway import sign
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import procedure, submitted_dossier
from tests.integration.lifecycle_helpers import act, build_office, vn


@pytest.fixture
def office(make_user):
    return build_office(make_user, procedure("LC-05"))


def awaiting_fee(office):
    dossier = submitted_dossier(office.citizen)
    t = vn(2026, 11, 23, 8, 0)
    act(dossier.id, "accept", office.officer, t)
    act(dossier.id, "forward", office.officer, vn(2026, 11, 23, 9, 0))
    act(dossier.id, "request_fee", office.officer, vn(2026, 11, 23, 10, 0))
    return db.session.get(Dossier, dossier.id)


def start(client, pages, office, dossier):
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    page = client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Thanh toán trực tuyến" in page
    response = client.post(f"/ho-so/{dossier.id}/thanh-toan", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and "/ngan-hang-thu-nghiem/" in response.headers["Location"]
    return response.headers["Location"]


def decide(client, bank_url, decision):
    page = client.get(bank_url)
    assert page.status_code == 200 and "7.000 đ" in page.get_data(as_text=True)
    response = client.post(bank_url, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "decision": decision})
    assert response.status_code == 302
    return response.headers["Location"]


def test_pay_the_fee_through_the_sandbox(client, pages, office):
    dossier = awaiting_fee(office)
    back = decide(client, start(client, pages, office, dossier), "approve")
    params = dict(parse_qsl(urlsplit(back).query))
    assert params["status"] == "approved" and params["signature"]
    response = client.get(back)
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Biên lai thanh toán" in receipt and "Thanh toán thành công" in receipt
    payment = db.session.scalar(select(Payment).where(Payment.dossier_id == dossier.id))
    assert payment.status == "paid" and payment.receipt_number and payment.provider_transaction == params["transaction_id"]
    db.session.expire_all()
    after = db.session.get(Dossier, dossier.id)
    assert after.status == "in_process" and after.fee_paid_at is not None
    assert db.session.scalar(select(Notification).where(Notification.dossier_id == dossier.id,
                                                        Notification.kind == "pay_fee")) is not None
    # The browser coming back twice (reload) is harmless; the server notification is a duplicate.
    assert client.get(back).status_code == 302
    duplicate = client.post("/api/v1/payments/sandbox/callback", data=params)
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "payment_duplicate"
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).version == after.version


def test_forged_callbacks_change_nothing(client, pages, office, app):
    dossier = awaiting_fee(office)
    bank_url = start(client, pages, office, dossier)
    payment = db.session.scalar(select(Payment).where(Payment.dossier_id == dossier.id))
    transaction_id = bank_url.rsplit("/", 1)[1]
    fields = {"reference": payment.reference, "transaction_id": transaction_id, "amount": "7000", "status": "approved"}
    wrong_key = {**fields, "signature": sign(fields, "not-the-secret")}
    assert client.post("/api/v1/payments/sandbox/callback", data=wrong_key).status_code == 400
    unsigned = {**fields}
    assert client.post("/api/v1/payments/sandbox/callback", data=unsigned).status_code == 400
    # Correctly signed, but the bank never approved it: the status query says "pending".
    secret = app.config["PAYMENT_SANDBOX_SECRET"]
    premature = {**fields, "signature": sign(fields, secret)}
    assert client.post("/api/v1/payments/sandbox/callback", data=premature).status_code == 400
    cheaper = {**fields, "amount": "1"}
    assert client.post("/api/v1/payments/sandbox/callback", data={**cheaper, "signature": sign(cheaper, secret)}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "pending"
    assert db.session.get(Dossier, dossier.id).status == "awaiting_fee"
    # The genuine server notification after approval settles it once.
    back = decide(client, bank_url, "approve")
    params = dict(parse_qsl(urlsplit(back).query))
    ok = client.post("/api/v1/payments/sandbox/callback", data=params)
    assert ok.status_code == 200 and ok.get_json()["status"] == "paid"


def test_a_declined_payment_leaves_the_fee_due(client, pages, office):
    dossier = awaiting_fee(office)
    back = decide(client, start(client, pages, office, dossier), "decline")
    response = client.get(back)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Không thành công" in page
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == "awaiting_fee"
    assert "Thanh toán trực tuyến" in client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)


def test_no_online_payment_when_nothing_is_due_or_at_level_3(client, pages, office, make_user):
    dossier = submitted_dossier(office.citizen)
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    page = client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Thanh toán trực tuyến" not in page
    response = client.post(f"/ho-so/{dossier.id}/thanh-toan", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "không có khoản phí cần nộp trực tuyến" in response.get_data(as_text=True)
    assert db.session.scalar(select(Payment)) is None
    level3 = build_office(make_user, procedure("LC-02"), prefix="l3")
    d3 = submitted_dossier(level3.citizen, "LC-02")
    act(d3.id, "accept", level3.officer, vn(2026, 11, 23, 8, 0))
    act(d3.id, "forward", level3.officer, vn(2026, 11, 23, 9, 0))
    d3 = db.session.get(Dossier, d3.id)
    from portal.operations.payments import can_pay_online

    assert d3.fee_amount > 0 and not can_pay_online(d3)


def test_without_a_provider_there_is_no_fake_bank(client, app):
    import os

    from portal.config import build_config

    os.environ["SECRET_KEY"] = "x" * 40
    try:
        assert build_config("production")["PAYMENT_PROVIDER"] == ""
    finally:
        del os.environ["SECRET_KEY"]
    app.config["PAYMENT_PROVIDER"] = ""
    try:
        response = client.post("/api/v1/payments/sandbox/callback", json={"reference": "x"})
        assert response.status_code == 404
        assert client.get("/ngan-hang-thu-nghiem/abc").status_code == 404
    finally:
        app.config["PAYMENT_PROVIDER"] = "sandbox"


def test_a_callback_with_non_ascii_garbage_is_refused_not_a_crash(client):
    response = client.post("/api/v1/payments/sandbox/callback", data={
        "amount": "ü", "reference": "\U00051fe3\x07Ð", "signature": "\x08è\U000ab227Ë", "status": "accepted",
        "transaction_id": "t\x8b"})
    assert response.status_code == 400


def test_only_the_payer_opens_the_bank_page_or_decides(client, pages, office, make_user, app):
    """Anyone else (another citizen, an officer of the agency, no one signed in) gets a 404 and
    cannot approve or decline another citizen's payment."""
    from portal.models.filing import SandboxBankTransaction

    dossier = awaiting_fee(office)
    bank_url = start(client, pages, office, dossier)
    assert client.get(bank_url).status_code == 200  # the payer
    pages.logout()
    transaction_id = bank_url.rsplit("/", 1)[1]

    def ledger_status() -> str:
        db.session.expire_all()
        return db.session.scalar(select(SandboxBankTransaction.status)
                                 .where(SandboxBankTransaction.transaction_id == transaction_id))

    assert client.get(bank_url).status_code == 404  # not signed in
    other = make_user(username="nguoikhac")
    for intruder in (other, office.officer):
        assert pages.login(intruder.username, PASSWORD).status_code == 302
        assert client.get(bank_url).status_code == 404
        own_token = csrf_token_from(client.get("/tai-khoan").get_data(as_text=True))
        for decision in ("decline", "approve"):
            response = client.post(bank_url, data={"csrf_token": own_token, "decision": decision})
            assert response.status_code == 404
        pages.logout()
    assert ledger_status() == "pending"
    assert db.session.scalar(select(Payment.status).where(Payment.dossier_id == dossier.id)) == "pending"
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    decide(client, bank_url, "approve")
    assert ledger_status() == "approved"
