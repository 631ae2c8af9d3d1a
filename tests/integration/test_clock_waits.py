"""Waiting for the applicant does not count against the agency; supplement rounds are counted
and a second one needs a reason (every door); the officer is warned when an apology is due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.types import utcnow
from portal.operations import commands, dossiers
from portal.operations.calendar import working_calendar
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords, login, post_action, status_of  # noqa: F401

T0 = vn(2026, 11, 23, 7, 0)  # Monday, opening time


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def _in_process_with_fee(office, start=T0):
    dossier = new_submitted(office, start - timedelta(hours=1))
    act(dossier.id, "accept", office.officer, start)
    dossier = act(dossier.id, "forward", office.officer, start + timedelta(minutes=30))
    dossier.fee_amount = 75_000
    db.session.commit()
    return dossier


def _pay(dossier, office, at):
    dossier.fee_paid_at = at  # the payment platform confirmed it (portal.operations.payments)
    db.session.commit()
    return act(dossier.id, "pay_fee", office.citizen, at)


def test_waiting_for_the_payment_stops_the_clock(office):
    dossier = _in_process_with_fee(office)
    due_before = dossier.due_at
    calendar = working_calendar(dossier.agency_id)
    asked, paid = T0 + timedelta(hours=2), T0 + timedelta(days=2, hours=2)  # Monday 9:00 -> Wednesday 9:00
    dossier = act(dossier.id, "request_fee", office.specialist, asked)
    assert dossier.status == "awaiting_fee" and dossier.paused_since is not None
    assert dossier.pauses[-1][2] == "fee"
    dossier = _pay(dossier, office, paid)
    assert dossier.status == "in_process" and dossier.paused_since is None
    assert dossier.due_at == calendar.add_working_minutes(due_before, calendar.working_minutes_between(asked, paid))


def test_a_procedure_whose_text_counts_the_payment_wait(office):
    office.procedure.clock_rules = {"fee_pauses": False}
    db.session.commit()
    dossier = _in_process_with_fee(office)
    due_before = dossier.due_at
    dossier = act(dossier.id, "request_fee", office.specialist, T0 + timedelta(hours=2))
    assert dossier.paused_since is None
    dossier = _pay(dossier, office, T0 + timedelta(days=2))
    assert dossier.due_at == due_before


def _token(client, user):
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_supplement_requests_are_counted_and_a_second_one_needs_a_reason(client, pages, office):
    dossier = new_submitted(office, T0 - timedelta(hours=1))
    act(dossier.id, "accept", office.officer, T0)
    dossier = act(dossier.id, "request_supplement", office.officer, T0 + timedelta(hours=1), reason="Thiếu tờ khai")
    assert dossier.supplement_requests == 1
    act(dossier.id, "supplement", office.citizen, T0 + timedelta(days=1))

    # the operation
    with pytest.raises(dossiers.DossierError) as error:
        commands.run(dossier.id, "request_supplement", office.officer,
                     {"version": status_of(dossier.id).version, "reason": "Thiếu bản sao"})
    assert error.value.code == "guard_repeat_supplement_justified" and error.value.status == 422
    db.session.rollback()
    assert status_of(dossier.id).supplement_requests == 1

    # the API
    version = status_of(dossier.id).version
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/request_supplement",
                           json={"version": version, "reason": "Thiếu bản sao"}, headers=_token(client, office.officer))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "guard_repeat_supplement_justified"
    assert "lần đầu" in response.get_json()["error"]["message"]

    # the page
    login(pages, office.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Số lần yêu cầu bổ sung" in page, page[page.find("<main"):page.find("<main")+3000]
    assert "request_supplement-repeat_reason" in page
    html = post_action(client, dossier.id, "request_supplement", {"reason": "Thiếu bản sao"}).get_data(as_text=True)
    assert "ghi rõ lý do vì sao không yêu cầu ngay từ lần đầu" in html
    assert status_of(dossier.id).status == "accepted"
    post_action(client, dossier.id, "request_supplement",
                {"reason": "Thiếu bản sao", "repeat_reason": "Bản sao nộp lần trước bị mờ, không đọc được"})
    after = status_of(dossier.id)
    assert after.status == "supplement_requested" and after.supplement_requests == 2
    assert after.events[-1].payload["round"] == 2
    assert after.events[-1].payload["repeat_reason"].startswith("Bản sao nộp lần trước")
    api = client.get(f"/api/v1/dossiers/{dossier.id}", headers=_token(client, office.officer)).get_json()
    assert api["supplement_requests"] == 2


def _due_within_two_days(office):
    """A dossier accepted now whose appointment is 1 day 2 hours of working time away."""
    now = utcnow()
    dossier = new_submitted(office, now - timedelta(minutes=5))
    dossier = act(dossier.id, "accept", office.officer, now)
    calendar = working_calendar(dossier.agency_id)
    dossier.budget_minutes = 600
    dossier.due_at = dossier.original_due_at = calendar.add_working_minutes(dossier.received_at, 600)
    db.session.commit()
    return dossier


def test_the_page_warns_that_an_apology_is_due_and_prepares_it(client, pages, office):
    far = new_submitted(office, utcnow() - timedelta(minutes=5))
    act(far.id, "accept", office.officer)
    dossier = _due_within_two_days(office)
    login(pages, office.unit_leader)
    assert 'id="apology-warning"' not in client.get(f"/mot-cua/ho-so/{far.id}").get_data(as_text=True) \
        or office.procedure.processing_days <= 2
    page = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert 'id="apology-warning"' in page and "chuan-bi=xin-loi" not in page  # only the head of the agency signs

    login(pages, office.agency_leader)
    page = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert 'id="apology-warning"' in page and "chuan-bi=xin-loi" in page
    prepared = client.get(f"/mot-cua/ho-so/{dossier.id}?chuan-bi=xin-loi").get_data(as_text=True)
    form = prepared.split('id="action-apologize"', 1)[1].split("</form>", 1)[0]
    assert "cần thêm thời gian" in form
    new_date = form.split('id="apologize-new_due_date"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    new_time = form.split('id="apologize-new_due_time"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    before = dossier.due_at
    post_action(client, dossier.id, "apologize", {"reason": "Chờ kết quả xác minh của xã", "new_due_date": new_date,
                                                  "new_due_time": new_time})
    after = status_of(dossier.id)
    assert after.extended_at is not None and after.due_at > before
    assert 'id="apology-warning"' not in client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)


def test_apology_rules_on_the_api(client, office):
    dossier = _in_process_with_fee(office, start=utcnow() - timedelta(hours=2))  # the API acts now
    headers = _token(client, office.agency_leader)
    url = f"/api/v1/dossiers/{dossier.id}/actions/apologize"
    earlier = dossier.due_at.astimezone(T0.tzinfo) - timedelta(hours=1)
    response = client.post(url, json={"version": dossier.version, "reason": "Chờ xác minh",
                                      "new_due_at": earlier.isoformat()}, headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "guard_new_due_after_current"
    later = (dossier.due_at + timedelta(days=7)).astimezone(T0.tzinfo)
    response = client.post(url, json={"version": dossier.version, "reason": "Chờ xác minh",
                                      "new_due_at": later.isoformat()}, headers=headers)
    assert response.status_code == 200, response.get_json()
    again = client.post(url, json={"version": response.get_json()["version"], "reason": "Lần hai",
                                   "new_due_at": (later + timedelta(days=3)).isoformat()}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "guard_not_yet_apologized"


def test_no_apology_while_the_payment_is_awaited(office):
    dossier = _in_process_with_fee(office, start=utcnow() - timedelta(hours=2))
    act(dossier.id, "request_fee", office.specialist)
    with pytest.raises(dossiers.DossierError) as error:
        act(dossier.id, "apologize", office.agency_leader, reason="Chờ xác minh",
            new_due_at=status_of(dossier.id).due_at + timedelta(days=7))
    assert error.value.code == "clock_paused" and error.value.status == 422
