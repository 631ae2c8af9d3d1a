"""A step forwarded to a named person is that person's: a colleague with the same role may
neither act on it through the API nor from the office page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Dossier
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords  # noqa: F401

T0 = vn(2026, 11, 23, 8, 0)


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


@pytest.fixture
def colleague(office, make_user):
    """A second specialist of the same agency."""
    return make_user(role="specialist", agency=office.procedure.agency.code, username="chuyenvien2")


def assigned_to_specialist(office) -> Dossier:
    """A dossier at the specialist's step, forwarded by the unit leader to ``office.specialist``."""
    dossier = new_submitted(office, T0)
    act(dossier.id, "accept", office.officer, T0 + timedelta(minutes=10))
    act(dossier.id, "forward", office.officer, T0 + timedelta(minutes=20))
    dossier = act(dossier.id, "forward", office.unit_leader, T0 + timedelta(minutes=30),
                  assignee_id=office.specialist.id)
    assert dossier.holder_role == "specialist" and dossier.holder_id == office.specialist.id
    return dossier


def snapshot(dossier_id: int) -> tuple:
    db.session.expire_all()
    d = db.session.get(Dossier, dossier_id)
    return d.version, d.status, d.step_key, d.holder_id, d.result_proposed


@pytest.mark.parametrize("action", ["propose_result", "forward"])
def test_a_colleague_cannot_act_on_a_step_assigned_to_someone_else_through_the_api(
        client, office, colleague, action):
    dossier = assigned_to_specialist(office)
    before = snapshot(dossier.id)
    token = client.post("/api/v1/auth/token", json={"username": colleague.username, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/{action}", json={"version": before[0]},
                           headers=headers)
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "not_your_step"
    assert snapshot(dossier.id) == before


def test_a_colleague_cannot_forward_a_step_assigned_to_someone_else_from_the_page(
        client, pages, office, colleague):
    dossier = assigned_to_specialist(office)
    before = snapshot(dossier.id)
    assert pages.login(colleague.username, PASSWORD).status_code == 302
    page = client.get(f"/mot-cua/ho-so/{dossier.id}")
    response = client.post(f"/mot-cua/ho-so/{dossier.id}/thao-tac/forward", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "version": before[0]},
        follow_redirects=True)
    assert "Hồ sơ không ở bước của bạn." in response.get_data(as_text=True)
    assert snapshot(dossier.id) == before


def test_the_assigned_specialist_may_act(office):
    dossier = assigned_to_specialist(office)
    after = act(dossier.id, "propose_result", office.specialist, T0 + timedelta(hours=1))
    assert after.result_proposed
