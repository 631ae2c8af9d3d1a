"""End to end through the real office pages: the national-portal simulator (its own process) files
a dossier, the office accepts and processes it, the leader signs, the clerk issues, the desk
returns it; ``flask national sync`` reports every step, and the result the national portal is
told about is the very PDF the citizen downloads."""

from __future__ import annotations

import hashlib

import pytest

from portal.extensions import db
from portal.models import Dossier, User
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import build_office
from tests.integration.national_helpers import national_dossier, national_simulator, simulator  # noqa: F401
from tests.integration.office_helpers import fast_passwords, login, post_action, status_of  # noqa: F401


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def test_a_national_dossier_from_filing_to_result(client, pages, office, simulator, runner):  # noqa: F811
    dossier_id = national_dossier(client, simulator, office.procedure)
    required = [doc["key"] for doc in office.procedure.documents if doc.get("required")]

    login(pages, office.officer)
    assert "Cổng DVC quốc gia" in client.get("/mot-cua/?queue=new").get_data(as_text=True)
    post_action(client, dossier_id, "accept", {"checked": required})
    assert status_of(dossier_id).status == "accepted"
    post_action(client, dossier_id, "forward")
    login(pages, office.unit_leader)
    post_action(client, dossier_id, "forward", {"assignee": str(office.specialist.id)})
    login(pages, office.specialist)
    post_action(client, dossier_id, "propose_result", {"generate": "y"})  # goes on to the review
    login(pages, office.unit_leader)
    post_action(client, dossier_id, "forward")
    login(pages, office.agency_leader)
    post_action(client, dossier_id, "approve")
    assert status_of(dossier_id).result_signed and status_of(dossier_id).holder_role == "clerk"
    login(pages, office.clerk)
    post_action(client, dossier_id, "issue_result")
    login(pages, office.officer)
    post_action(client, dossier_id, "return_result", {"delivery": "post"})
    dossier = status_of(dossier_id)
    assert dossier.status == "returned"

    result = runner.invoke(args=["national", "sync", "--no-daily"])
    assert result.exit_code == 0, result.output
    received = simulator.events(dossier.national_code)
    codes = [m["status_code"] for m in received]
    assert codes[0] == 1 and [c for c in (2, 4, 9, 10) if c in codes] == [2, 4, 9, 10]
    assert codes == sorted(codes, key=lambda c: [1, 2, 4, 9, 10].index(c))  # in the order they happened
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in received)
    assert all(m["deliveries"] == 1 for m in received)

    # The citizen (signed in, e.g. through VNeID) downloads the result: the same bytes.
    citizen = db.session.get(User, db.session.get(Dossier, dossier_id).applicant_id)
    citizen.set_password(PASSWORD)
    db.session.commit()
    login(pages, citizen)
    download = client.get(f"/ho-so/{dossier_id}/ket-qua")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    sha256 = hashlib.sha256(download.data).hexdigest()
    for message in received:
        if message["status_code"] in (9, 10):
            assert message["result"]["sha256"] == sha256 and message["result"]["signed_at"]
            assert message["result"]["url"].endswith(f"/ho-so/{dossier_id}/ket-qua")

    # The citizen's rating is an event too: one more message, with the rating.
    pages.submit(f"/ho-so/{dossier_id}/danh-gia", {"level": "very_satisfied", "comment": "Nhanh, gọn"})
    assert runner.invoke(args=["national", "sync", "--no-daily"]).exit_code == 0
    rating = simulator.events(dossier.national_code)[-1]
    assert rating["action"] == "rate" and rating["status_code"] == 10
    assert rating["rating"] == {"level": "very_satisfied", "comment": "Nhanh, gọn"}
