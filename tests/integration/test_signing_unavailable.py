"""A timestamp authority (or key store) that does not answer (issue 18, item 10): approval answers
503 with a clear message on the office page and the API, changes nothing (version, events,
files), and the same action sent again once the service is back succeeds."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimestampRequestError
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile, FileBlob
from signatures.availability import service_unavailable
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords  # noqa: F401
from tests.integration.signing_helpers import at_leader_step
from tests.integration.test_signing_api import client_sign, token_key  # noqa: F401

MESSAGE = "Dịch vụ ký số (cấp dấu thời gian hoặc kho khóa ký) tạm thời không hoạt động"


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


@pytest.fixture
def tsa_down(app, monkeypatch):
    """Point the timestamper at a local port where nothing listens; ``up()`` brings it back."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: every connection is refused
    monkeypatch.setitem(app.config, "TSA_URL", f"http://127.0.0.1:{port}/")

    class Switch:
        @staticmethod
        def up():
            monkeypatch.setitem(app.config, "TSA_URL", None)  # the local TSA of the test deployment

    return Switch


def snapshot(app, dossier_id: int) -> tuple:
    """What approval could change: the dossier's version and flags, its events, files and blobs."""
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    return (dossier.version, dossier.result_signed, dossier.status,
            db.session.scalar(select(func.count()).where(DossierEvent.dossier_id == dossier_id)),
            db.session.scalar(select(func.count()).where(DossierFile.dossier_id == dossier_id)),
            db.session.scalar(select(func.count()).select_from(FileBlob)),
            {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()})


def test_the_api_answers_503_changes_nothing_and_the_retry_succeeds(app, client, office, tsa_down):
    dossier = at_leader_step(office)
    db.session.commit()
    before = snapshot(app, dossier.id)
    headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": office.agency_leader.username, "password": PASSWORD}).get_json()["token"]}
    url = f"/api/v1/dossiers/{dossier.id}/actions/approve"

    response = client.post(url, json={"version": before[0]}, headers=headers)
    assert response.status_code == 503, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "signing_unavailable" and MESSAGE in error["message"]
    assert "Chưa có gì thay đổi" in error["message"] and response.headers["Retry-After"]
    assert snapshot(app, dossier.id) == before

    tsa_down.up()
    retried = client.post(url, json={"version": before[0]}, headers=headers)
    assert retried.status_code == 200, retried.get_json()
    after = snapshot(app, dossier.id)
    # signed, then handed on to the clerk: two events (approve, forward), two versions, one file
    assert after[0] == before[0] + 2 and after[1] and after[3] == before[3] + 2 and after[4] == before[4] + 1


def test_the_office_page_answers_503_with_the_message_and_the_retry_succeeds(app, client, pages, office,
                                                                             tsa_down):
    dossier = at_leader_step(office)
    db.session.commit()
    before = snapshot(app, dossier.id)
    assert pages.login(office.agency_leader.username, PASSWORD).status_code == 302

    def approve():
        token = csrf_token_from(client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True))
        return client.post(f"/mot-cua/ho-so/{dossier.id}/thao-tac/approve",
                           data={"csrf_token": token, "version": before[0]})

    response = approve()
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and MESSAGE in html and "vui lòng thử lại" in html
    assert f"/mot-cua/ho-so/{dossier.id}" in html  # the way back to the dossier
    assert "hỏng" not in html  # not the "damaged or protected PDF" refusal of before
    assert snapshot(app, dossier.id) == before

    tsa_down.up()
    assert approve().status_code == 302
    after = snapshot(app, dossier.id)
    assert after[1] and after[0] == before[0] + 2  # signed, then handed on to the clerk


def test_remote_completion_answers_503_keeps_the_session_and_the_retry_succeeds(
        app, client, office, token_key, monkeypatch):  # noqa: F811
    dossier = at_leader_step(office)
    db.session.commit()
    headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": office.agency_leader.username, "password": PASSWORD}).get_json()["token"]}
    prepared = client.post(f"/api/v1/dossiers/{dossier.id}/signing/prepare", json={"kind": "result"},
                           headers=headers)
    assert prepared.status_code == 201, prepared.get_json()
    body = prepared.get_json()
    signature = {"signature": client_sign(token_key, body["digest"])}
    before = snapshot(app, dossier.id)

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setitem(app.config, "TSA_URL", f"http://127.0.0.1:{port}/")
    down = client.post(f"/api/v1/signing/{body['session']}/complete", json=signature, headers=headers)
    assert down.status_code == 503 and down.get_json()["error"]["code"] == "signing_unavailable"
    assert snapshot(app, dossier.id) == before

    monkeypatch.setitem(app.config, "TSA_URL", None)
    done = client.post(f"/api/v1/signing/{body['session']}/complete", json=signature, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert snapshot(app, dossier.id)[4] == before[4] + 1


def test_a_damaged_draft_is_still_a_422_not_a_503(app, client, office):
    from portal.operations import signing

    with app.test_request_context():
        with pytest.raises(signing.SigningFailure) as refused:
            signing._sign(b"%PDF-1.7\nnot a pdf", signing._person_certificate(office.agency_leader),
                          level="B-T", reason="x", stamp=signing._person_stamp(office.agency_leader, None))
    assert refused.value.status == 422 and refused.value.code == "signing_failed"


class DeviceRemoved(Exception):
    """Stands for python-pkcs11's exception of the same name (the token was pulled out)."""


DeviceRemoved.__module__ = "pkcs11.exceptions"


def test_which_failures_mean_unavailable():
    def wrapped(inner: BaseException) -> BaseException:
        try:
            try:
                raise inner
            except BaseException as error:
                raise SigningError("signing failed") from error
        except SigningError as outer:
            return outer

    assert service_unavailable(TimestampRequestError("Error while contacting timestamp service"))
    assert service_unavailable(wrapped(ConnectionRefusedError(111, "Connection refused")))
    assert service_unavailable(wrapped(TimeoutError()))
    assert service_unavailable(DeviceRemoved())
    assert not service_unavailable(SigningError("Signature field already exists"))
    assert not service_unavailable(wrapped(ValueError("bad xref")))
    assert not service_unavailable(KeyError("/Root"))
