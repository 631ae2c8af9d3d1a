"""SMS and Zalo notices: written with the change they report (code and link, one SMS segment,
without diacritics when the gateway needs it), kept in the development sink without a provider,
delivered exactly once through a gateway that is down for a while (the simulator process), with
signed delivery receipts; the citizen's choice of channels is respected."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Dossier
from portal.models.filing import OutboxMessage
from portal.operations import messaging
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import procedure, submitted_dossier
from tests.integration.lifecycle_helpers import act, build_office, vn, walk_to_result
from tests.integration.national_helpers import simulator_process

BASE = "https://dichvucong.laichau.gov.vn"
TEMPLATES = {"accept": "ZNS-101", "request_supplement": "ZNS-102", "request_fee": "ZNS-103", "issue_result": "ZNS-104"}
API_KEY, TOKEN, SECRET = "khoa-cong-sms", "ma-truy-cap-zalo", "bi-mat-bao-cao-sms"
RECEIPTS = "/api/v1/sms/receipts"


@pytest.fixture
def office(make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", BASE)
    monkeypatch.setitem(app.config, "ZALO_TEMPLATE_IDS", TEMPLATES)
    built = build_office(make_user, procedure("LC-05"))
    built.citizen.notify_zalo = True
    db.session.commit()
    return built


def walked_dossiers(office) -> dict[str, Dossier]:
    """A dossier accepted then asked for a supplement, one asked for the fee, one with its result."""
    supplement = submitted_dossier(office.citizen)
    act(supplement.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    act(supplement.id, "request_supplement", office.officer, vn(2026, 11, 23, 9, 0), reason="Ảnh mờ", items=["Tờ khai"])
    fee = submitted_dossier(office.citizen)
    act(fee.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    act(fee.id, "forward", office.officer, vn(2026, 11, 23, 9, 0))
    act(fee.id, "request_fee", office.officer, vn(2026, 11, 23, 10, 0))
    result = submitted_dossier(office.citizen)
    walk_to_result(office, result.id, vn(2026, 11, 23, 8, 0))
    return {"request_supplement": supplement, "request_fee": fee, "issue_result": result, "accept": result}


def notices(channel: str, dossier: Dossier | None = None) -> list[OutboxMessage]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id))
    return [row for row in rows if dossier is None or (row.dossier_id == dossier.id and row.payload["dossier"] == dossier.code)]


@pytest.mark.parametrize("ascii_only", [True, False])
def test_every_notice_waits_in_the_development_sink_with_code_and_link(app, client, pages, office, make_user,
                                                                      monkeypatch, runner, ascii_only):
    monkeypatch.setitem(app.config, "SMS_ASCII_ONLY", ascii_only)
    walked = walked_dossiers(office)
    for kind, dossier in walked.items():
        db.session.refresh(dossier)
        link = f"{BASE}/ho-so/{dossier.id}"
        sms = [m for m in notices("sms", dossier) if m.payload["kind"] == kind]
        assert len(sms) == 1, kind  # one message per change
        text = sms[0].payload["text"]
        assert dossier.code in text and text.endswith(link) and text == sms[0].body
        assert messaging.one_segment(text) and sms[0].payload["to"] == "84912345678"
        assert text.isascii() if ascii_only else messaging.gsm_length(text) is not None or len(text) <= 70
        zalo = [m for m in notices("zalo", dossier) if m.payload["kind"] == kind]
        assert len(zalo) == 1 and zalo[0].payload["template_id"] == TEMPLATES[kind]
        assert zalo[0].payload["template_data"]["code"] == dossier.code
        assert zalo[0].payload["template_data"]["link"] == link
    supplement = next(m for m in notices("sms") if m.payload["kind"] == "request_supplement")
    assert supplement.body.startswith("DVC Lai Chau: Ho so ") and " can bo sung. Xem: " in supplement.body
    # A kind without a Zalo template goes by SMS only.
    assert {m.payload["kind"] for m in notices("zalo")} <= set(TEMPLATES)
    assert any(m.payload["kind"] == "submit" for m in notices("sms"))
    # Without a provider nothing is sent: the messages are readable, as "would be sent".
    answer = runner.invoke(args=["outbox", "send", "--channel", "sms"])
    assert answer.exit_code != 0 and "SMS_GATEWAY_URL" in answer.output
    assert all(m.sent_at is None and m.attempts == 0 for m in notices("sms") + notices("zalo"))
    admin = make_user(role="admin")
    assert pages.login(admin.username, PASSWORD).status_code == 302
    page = client.get("/ho-so/hop-thu-di").get_data(as_text=True)
    assert "sẽ được gửi" in page and supplement.body in page
    sync = client.get("/quan-tri/dong-bo").get_data(as_text=True)
    assert "Tin nhắn SMS" in sync and "Zalo" in sync


def test_short_texts_keep_diacritics_only_within_one_unicode_segment():
    short = "Hồ sơ 12 đã có kết quả. Xem: /ho-so/12"
    assert messaging.sms_text(short, ascii_only=False) == short
    assert messaging.sms_text(short, ascii_only=True) == "Ho so 12 da co ket qua. Xem: /ho-so/12"
    long = "DVC Lai Châu: Hồ sơ 000.00.31.H33-261122-0007 cần bổ sung. Xem: https://dichvucong.laichau.gov.vn/ho-so/123"
    folded = messaging.sms_text(long, ascii_only=False)
    assert folded == "DVC Lai Chau: Ho so 000.00.31.H33-261122-0007 can bo sung. Xem: https://dichvucong.laichau.gov.vn/ho-so/123"
    too_long = "DVC Lai Châu: " + "rất dài " * 30 + "Xem: https://x.vn/ho-so/9"
    cut = messaging.sms_text(too_long, ascii_only=True)
    assert len(cut) <= 160 and cut.endswith(" https://x.vn/ho-so/9") and cut.isascii()


def test_the_citizens_choice_of_channels_is_respected(app, client, pages, office):
    assert office.citizen.notify_sms and office.citizen.notify_email  # SMS on by default with a phone number
    assert pages.login(office.citizen.username, PASSWORD).status_code == 302
    page = client.get("/tai-khoan").get_data(as_text=True)
    assert 'id="notify-sms"' in page and 'for="notify-sms"' in page
    answer = client.post("/tai-khoan/kenh-thong-bao", data={"csrf_token": csrf_token_from(page), "zalo": "y"})
    assert answer.status_code == 302
    db.session.refresh(office.citizen)
    assert (office.citizen.notify_email, office.citizen.notify_sms, office.citizen.notify_zalo) == (False, False, True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.notification_channels")).one()
    assert entry.details["after"] == {"email": False, "sms": False, "zalo": True}
    dossier = submitted_dossier(office.citizen)
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    db.session.refresh(dossier)
    assert notices("sms") == []  # the unchecked channel gets nothing
    assert [m.payload["kind"] for m in notices("zalo", dossier)] == ["accept"]


# ---------------------------------------------------------------------------------------------
# Through the simulator process


class Simulator:
    def __init__(self, url: str):
        self.url = url

    def control(self, **orders) -> None:
        requests.post(f"{self.url}/_sim/control", json=orders, timeout=10).raise_for_status()

    def received(self, channel: str) -> list[dict]:
        return requests.get(f"{self.url}/_sim/{channel}", timeout=10).json()["items"]

    def receipt(self, **spec) -> dict:
        return requests.post(f"{self.url}/_sim/receipt-request", json=spec, timeout=10).json()


@pytest.fixture(scope="module")
def messaging_process():
    with simulator_process("messaging", "--api-key", API_KEY, "--token", TOKEN, "--secret", SECRET,
                           name="the messaging simulator") as url:
        yield Simulator(url)


@pytest.fixture
def gateway(app, messaging_process, monkeypatch):
    messaging_process.control(reset=True)
    for name, value in {"SMS_GATEWAY_URL": messaging_process.url, "SMS_GATEWAY_KEY": API_KEY,
                        "SMS_GATEWAY_SECRET": SECRET, "ZALO_API_URL": messaging_process.url, "ZALO_OA_TOKEN": TOKEN,
                        "OUTBOX_RETRY_BASE_SECONDS": 0, "MESSAGING_TIMEOUT_SECONDS": 5}.items():
        monkeypatch.setitem(app.config, name, value)
    return messaging_process


def test_a_gateway_down_for_a_while_delivers_every_message_exactly_once(app, client, office, gateway, runner):
    walked_dossiers(office)
    written = notices("sms") + notices("zalo")
    assert len(notices("sms")) == 9 and len(notices("zalo")) == 6  # 3 accepts + supplement, fee, result
    gateway.control(fail_next=5)
    first = runner.invoke(args=["outbox", "send", "--channel", "all"])
    assert first.exit_code == 1 and "sms: đã gửi 4; 5 lỗi" in first.output  # the five 503s, recorded
    db.session.expire_all()
    assert sum(1 for m in written if m.sent_at is None) == 5 and all(m.parked_at is None for m in written)
    for _ in range(3):  # the retries are due at once (base 0)
        runner.invoke(args=["outbox", "send"])
    db.session.expire_all()
    assert all(m.sent_at is not None for m in written)
    for channel, ref in (("sms", "ref"), ("zalo", "tracking_id")):
        received = gateway.received(channel)
        assert sorted(r[ref] for r in received) == sorted(m.event_id for m in notices(channel))
        assert all(r["deliveries"] == 1 for r in received)
        assert {r["id"] for r in received} == {m.provider_ref for m in notices(channel)}
    # A run killed after the gateway accepted but before its commit sends again under the same
    # ref: the gateway drops the repeat (nothing said twice).
    again = notices("sms")[0]
    again.sent_at = None
    db.session.commit()
    assert runner.invoke(args=["outbox", "send", "--channel", "sms"]).exit_code == 0
    received = {r["ref"]: r for r in gateway.received("sms")}
    assert len(received) == len(notices("sms")) and received[again.event_id]["deliveries"] == 2

    # Delivery receipts, signed by the gateway, update the message.
    built = gateway.receipt(ref=again.event_id, status="delivered")
    answer = client.post(RECEIPTS, data=built["body"].encode(), headers=built["headers"])
    assert answer.status_code == 200 and answer.get_json() == {"ref": again.event_id, "status": "delivered"}
    db.session.refresh(again)
    assert again.receipt_status == "delivered" and again.receipt_at is not None
    forged = gateway.receipt(ref=again.event_id, status="failed", secret="doan-bua")
    assert client.post(RECEIPTS, data=forged["body"].encode(), headers=forged["headers"]).status_code == 401
    unknown = gateway.receipt(ref="00000000-0000-0000-0000-000000000000", status="delivered")
    assert client.post(RECEIPTS, data=unknown["body"].encode(), headers=unknown["headers"]).status_code == 404
    db.session.refresh(again)
    assert again.receipt_status == "delivered"


def test_a_message_the_gateway_refuses_is_parked_at_once(app, office, gateway, runner):
    submitted_dossier(office.citizen)
    gateway.control(fail_next=1, fail_status=422)
    assert runner.invoke(args=["outbox", "send", "--channel", "sms"]).exit_code == 1
    [row] = notices("sms")  # the submission's notice
    db.session.refresh(row)
    assert row.parked_at is not None and row.attempts == 1 and "HTTP 422" in row.last_error
