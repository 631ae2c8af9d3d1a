"""An action sent again with the same Idempotency-Key is done once: a retry after a lost response or
a double click gets the first outcome, never a second change, a misleading 409 or a 500."""

from __future__ import annotations

import io
import json
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierEvent
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import attach_required, pdf, procedure, valid_data
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords  # noqa: F401
from tests.integration.test_concurrency import committed_office  # noqa: F401
from tests.integration.test_office_api import at_stage
from tests.integration.test_office_pages import login


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def bearer(client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def events(dossier_id: int) -> int:
    return db.session.scalar(select(func.count()).where(DossierEvent.dossier_id == dossier_id))


def test_a_retried_action_with_the_same_key_is_done_once(client, office):
    dossier_id = at_stage(office, "accepted")
    version, before = db.session.get(Dossier, dossier_id).version, events(dossier_id)
    headers = {**bearer(client, office.officer.username), "Idempotency-Key": "forward-42-a"}
    url = f"/api/v1/dossiers/{dossier_id}/actions/forward"
    first = client.post(url, json={"version": version}, headers=headers)
    again = client.post(url, json={"version": version}, headers=headers)
    assert first.status_code == again.status_code == 200, (first.get_json(), again.get_json())
    assert first.headers["Idempotent-Replayed"] == "false" and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["version"] == first.get_json()["version"] == version + 1
    assert events(dossier_id) == before + 1
    # Without the key the same retry is what it always was: a stale version.
    assert client.post(url, json={"version": version}, headers=bearer(client, office.officer.username)).status_code == 409


def test_the_same_key_for_another_request_is_refused_and_a_bad_key_too(client, office):
    dossier_id = at_stage(office, "accepted")
    version = db.session.get(Dossier, dossier_id).version
    headers = {**bearer(client, office.officer.username), "Idempotency-Key": "k-1"}
    url = f"/api/v1/dossiers/{dossier_id}/actions/"
    assert client.post(url + "forward", json={"version": version}, headers=headers).status_code == 200
    reused = client.post(url + "request_supplement", json={"version": version + 1, "reason": "Thiếu"}, headers=headers)
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "idempotency_key_reused"
    bad = client.post(url + "forward", json={"version": version + 1}, headers={**headers, "Idempotency-Key": "có dấu"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "idempotency_key_invalid"


def test_a_double_click_on_the_office_page_does_the_action_once(client, pages, office):
    dossier_id = at_stage(office, "accepted")
    before = events(dossier_id)
    login(pages, office.officer)
    page = client.get(f"/mot-cua/ho-so/{dossier_id}").get_data(as_text=True)
    forward_form = page.split('id="action-forward"', 1)[1]
    key = forward_form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    assert key.endswith("-forward") and len(key) > len("-forward") + 16
    form = {"csrf_token": csrf_token_from(page), "version": db.session.get(Dossier, dossier_id).version,
            "idempotency_key": key}
    for _ in range(2):
        response = client.post(f"/mot-cua/ho-so/{dossier_id}/thao-tac/forward", data=form)
        assert response.status_code == 302
        with client.session_transaction() as session:
            categories = [category for category, _text in session.pop("_flashes", [])]
        assert categories == ["success"]
    assert events(dossier_id) == before + 1


def _in_threads(app, count: int, target) -> list:
    barrier, results = threading.Barrier(count), [None] * count

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            results[i] = target(app.test_client())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_concurrent_retries_with_one_key_change_the_dossier_once(_app, committed_office):  # noqa: F811
    office = committed_office
    dossier_id = at_stage(office, "accepted")
    db.session.commit()
    version, before = db.session.get(Dossier, dossier_id).version, events(dossier_id)
    headers = {**bearer(_app.test_client(), office.officer.username), "Idempotency-Key": "one-forward"}
    statuses = _in_threads(_app, 8, lambda c: c.post(f"/api/v1/dossiers/{dossier_id}/actions/forward",
                                                     json={"version": version}, headers=headers).status_code)
    assert statuses == [200] * 8
    db.session.expire_all()
    assert events(dossier_id) == before + 1


def test_concurrent_submits_of_one_draft_never_fail_with_a_server_error(_app, committed_office):  # noqa: F811
    from portal.operations import filing

    citizen = committed_office.citizen
    proc = procedure("LC-05")
    dossier, _ = filing.start_draft(citizen, proc, valid_data(proc))
    attach_required(dossier, citizen)
    db.session.commit()
    dossier_id, headers = dossier.id, bearer(_app.test_client(), citizen.username)
    statuses = _in_threads(_app, 10, lambda c: c.post(f"/api/v1/dossiers/{dossier_id}/submit", json={},
                                                      headers=headers).status_code)
    # The first submits; the others wait for its row lock, then read the submitted dossier afresh
    # and answer it as a replay (a stale copy would have failed at flush: 500, then 409).
    assert statuses == [200] * 10, statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(DossierEvent.dossier_id == dossier_id,
                                                        DossierEvent.action == "submit")) == 1


def test_concurrent_one_request_filings_with_one_key_file_once(_app, committed_office):  # noqa: F811
    """The same submit-with-files sent several times at once with one key (a client retrying on a
    slow link): no look-up comes first, so every copy tries to record the key; one wins, the
    others wait for it, find the key taken in their savepoint and answer its dossier."""
    citizen = committed_office.citizen
    proc = procedure("LC-05")
    files = {d["key"]: pdf(f"race-{d['key']}") for d in proc.documents if d["required"]}
    data = json.dumps(valid_data(proc))
    headers = {**bearer(_app.test_client(), citizen.username), "Idempotency-Key": "swf-race"}

    def post(client):
        form = {"procedure": "LC-05", "data": data,
                **{key: (io.BytesIO(content), f"{key}.pdf") for key, content in files.items()}}
        response = client.post("/api/v1/dossiers/submit-with-files", headers=headers, data=form,
                               content_type="multipart/form-data")
        return response.status_code, (response.get_json() or {}).get("id")

    results = _in_threads(_app, 6, post)
    assert sorted(status for status, _id in results) == [200] * 5 + [201], results
    assert len({dossier_id for _status, dossier_id in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Dossier).where(Dossier.applicant_id == citizen.id)) == 1
