"""Provable appointments: the receipt and the apology carry a verification code and QR code of a
public page that shows how the appointment was computed and recomputes it with today's calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AppointmentProof
from portal.operations.calendar import set_override
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords, login, pdf_text  # noqa: F401

RECEIVED = vn(2026, 12, 30, 8, 0)  # Wednesday; New Year's Day (Friday 1/1/2027) falls in the span


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def _accepted(office):
    dossier = new_submitted(office, RECEIVED - timedelta(hours=1))
    return act(dossier.id, "accept", office.officer, RECEIVED)


def _proof(dossier_id, kind):
    return db.session.scalar(select(AppointmentProof).where(AppointmentProof.dossier_id == dossier_id,
                                                            AppointmentProof.kind == kind))


def _page(client, code):
    return " ".join(client.get(f"/hen-tra/{code}").get_data(as_text=True).split())


def test_the_receipt_prints_a_code_whose_page_recomputes_the_appointment(client, pages, office):
    dossier = _accepted(office)
    proof = _proof(dossier.id, "receipt")
    assert proof is not None and proof.due_at == dossier.due_at and len(proof.calendar_hash) == 64
    assert dossier.events[-1].payload["proof_code"] == proof.code
    printed = f"{proof.code[:5]}-{proof.code[5:]}"

    login(pages, office.officer)
    receipt = pdf_text(client.get(f"/mot-cua/ho-so/{dossier.id}/bieu-mau/receipt.pdf").data)
    assert "Mã kiểm tra ngày hẹn" in receipt and printed in receipt and f"/hen-tra/{printed}" in receipt

    page = _page(client, printed)
    due = dossier.due_at.astimezone(RECEIVED.tzinfo).strftime("%H:%M %d/%m/%Y")
    assert "Tính lại hôm nay cho cùng kết quả" in page and due in page
    assert "không thay đổi từ khi tính" in page and "Lịch đã thay đổi" not in page
    assert "30/12/2026" in page  # received
    assert "01/01/2027" in page and "Ngày nghỉ lễ, Tết" in page  # the holiday the calculation used
    assert "07:00–11:30" in page and dossier.applicant["full_name"] not in page  # no personal data
    # the code is read however it is typed
    assert client.get(f"/hen-tra/{proof.code.lower()}").status_code == 200


def test_a_later_change_of_the_calendar_shows_on_the_page(client, office):
    dossier = _accepted(office)
    code = _proof(dossier.id, "receipt").code
    set_override(date(2026, 12, 31), "day_off", "Nghỉ bù thử nghiệm", None)
    db.session.commit()
    page = _page(client, code)
    assert "Lịch đã thay đổi từ khi tính" in page and "Nghỉ bù thử nghiệm" in page
    assert "Tính lại hôm nay cho kết quả khác" in page
    printed = dossier.due_at.astimezone(RECEIVED.tzinfo).strftime("%H:%M %d/%m/%Y")
    recomputed = re.search(r"kết quả khác: (\d\d:\d\d \d\d/\d\d/\d{4})", page).group(1)
    assert recomputed != printed


def test_unknown_or_malformed_codes_are_404(client, office):
    _accepted(office)
    assert client.get("/hen-tra/ABCDE-FGHJK").status_code == 404
    assert client.get("/hen-tra/not-a-code").status_code == 404


def test_the_apology_carries_its_own_code(client, pages, office):
    dossier = _accepted(office)
    act(dossier.id, "forward", office.officer, RECEIVED + timedelta(minutes=10))
    new_due = dossier.due_at + timedelta(days=10)
    act(dossier.id, "apologize", office.agency_leader, RECEIVED + timedelta(hours=2), reason="Chờ xác minh thực địa",
        new_due_at=new_due)
    proof = _proof(dossier.id, "apology")
    assert proof is not None and proof.calculation["extension"]["in_time"] is True
    printed = f"{proof.code[:5]}-{proof.code[5:]}"
    login(pages, office.agency_leader)
    letter = pdf_text(client.get(f"/mot-cua/ho-so/{dossier.id}/bieu-mau/apology.pdf").data)
    assert printed in letter and "Mã kiểm tra ngày hẹn" in letter
    page = _page(client, printed)
    assert "Xin lỗi và hẹn lại" in page and "Tính lại hôm nay cho cùng kết quả" in page
    assert new_due.astimezone(RECEIVED.tzinfo).strftime("%H:%M %d/%m/%Y") in page


def test_the_api_gives_the_same_check(client, office):
    dossier = _accepted(office)
    proof = _proof(dossier.id, "receipt")
    body = client.get(f"/api/v1/appointments/{proof.code}").get_json()
    assert body["kind"] == "receipt" and body["recomputed"]["matches"] and not body["recomputed"]["calendar_changed"]
    assert {"date": "2027-01-01", "kind": "public_holiday"}.items() <= body["calculation"]["calendar_entries"][0].items()
    set_override(date(2026, 12, 31), "day_off", "Nghỉ bù thử nghiệm", None)
    db.session.commit()
    body = client.get(f"/api/v1/appointments/{proof.code}").get_json()
    assert body["recomputed"]["calendar_changed"] and not body["recomputed"]["matches"]
    assert body["recomputed"]["added"][0]["date"] == "2026-12-31"
    missing = client.get("/api/v1/appointments/ABCDE-FGHJK")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"]
