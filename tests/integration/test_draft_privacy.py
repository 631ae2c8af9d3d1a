"""An unsubmitted draft is the citizen's alone: staff of the agency (and administrators) get a 404
for it and its files on every door (office page, API, files, forms, actions) until it is submitted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, DossierFile
from portal.operations import filing
from tests.conftest import PASSWORD
from tests.integration.filing_helpers import attach_required, procedure, valid_data
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords  # noqa: F401

STAFF = ("officer", "unit_leader", "specialist", "agency_leader", "clerk")


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user, procedure("LC-05"))


@pytest.fixture
def draft(office) -> tuple[Dossier, DossierFile]:
    proc = procedure("LC-05")
    dossier, _ = filing.start_draft(office.citizen, proc, valid_data(proc))
    attach_required(dossier, office.citizen)
    db.session.commit()
    row = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == dossier.id).limit(1))
    return dossier, row


def bearer(client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def staff_answers(client, headers: dict, dossier: Dossier, row: DossierFile) -> dict[str, int]:
    return {
        "dossier": client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers).status_code,
        "file": client.get(f"/api/v1/dossiers/{dossier.id}/files/{row.id}", headers=headers).status_code,
        "form": client.get(f"/api/v1/dossiers/{dossier.id}/forms/receipt", headers=headers).status_code,
        "action": client.post(f"/api/v1/dossiers/{dossier.id}/actions/accept", json={"version": dossier.version},
                              headers=headers).status_code,
    }


def test_staff_and_administrators_get_404_for_a_draft_and_its_files(client, office, draft, make_user):
    dossier, row = draft
    make_user(role="admin", username="quantri")
    for username in [office.by_role(role).username for role in STAFF] + ["quantri"]:
        assert staff_answers(client, bearer(client, username), dossier, row) == {
            "dossier": 404, "file": 404, "form": 404, "action": 404}, username
    citizen = bearer(client, office.citizen.username)
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=citizen).status_code == 200
    assert client.get(f"/api/v1/dossiers/{dossier.id}/files/{row.id}", headers=citizen).status_code == 200


def test_the_office_pages_and_the_api_agree(client, pages, office, draft):
    dossier, row = draft
    assert pages.login(office.officer.username, PASSWORD).status_code == 302
    assert client.get(f"/mot-cua/ho-so/{dossier.id}").status_code == 404
    assert client.get(f"/mot-cua/ho-so/{dossier.id}/tep/{row.id}").status_code == 404
    headers = bearer(client, office.officer.username)
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers).status_code == 404


def test_once_submitted_the_agency_sees_it(client, office, draft):
    dossier, row = draft
    filing.submit(dossier.id, office.citizen)
    db.session.commit()
    headers = bearer(client, office.officer.username)
    body = client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers)
    assert body.status_code == 200 and body.get_json()["status"] == "submitted"
    assert client.get(f"/api/v1/dossiers/{dossier.id}/files/{row.id}", headers=headers).status_code == 200
