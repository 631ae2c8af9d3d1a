"""A result whose fee is still unpaid is not handed over (``return_result`` needs ``fee_paid``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Dossier
from portal.operations import dossiers
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn, walk_to_result
from tests.integration.office_helpers import fast_passwords  # noqa: F401

T0 = vn(2026, 11, 23, 8, 0)


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def processed_with_unpaid_fee(office) -> Dossier:
    dossier = walk_to_result(office, new_submitted(office, T0).id, T0)
    dossier.fee_amount = 75_000
    db.session.commit()
    assert dossier.status == "processed" and dossier.fee_paid_at is None
    return dossier


def snapshot(dossier_id: int) -> tuple:
    db.session.expire_all()
    d = db.session.get(Dossier, dossier_id)
    return d.version, d.status, d.returned_at


def test_the_operation_refuses_to_return_a_result_with_an_unpaid_fee(office):
    dossier = processed_with_unpaid_fee(office)
    before = snapshot(dossier.id)
    with pytest.raises(dossiers.DossierError) as error:
        act(dossier.id, "return_result", office.officer, T0 + timedelta(days=1))
    assert error.value.code == "guard_fee_paid" and error.value.status == 422
    db.session.rollback()
    assert snapshot(dossier.id) == before

    dossier = db.session.get(Dossier, dossier.id)
    dossier.fee_paid_at = T0 + timedelta(days=1)
    db.session.commit()
    assert act(dossier.id, "return_result", office.officer, T0 + timedelta(days=1)).status == "returned"


def test_the_api_refuses_to_return_a_result_with_an_unpaid_fee(client, office):
    dossier = processed_with_unpaid_fee(office)
    before = snapshot(dossier.id)
    token = client.post("/api/v1/auth/token", json={"username": office.officer.username, "password": PASSWORD})
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/return_result",
                           json={"version": before[0], "delivery": "desk"},
                           headers={"Authorization": f"Bearer {token.get_json()['token']}"})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "guard_fee_paid"
    assert snapshot(dossier.id) == before
