"""Deferred result signing (RESULT_SIGNING=deferred, issue 20): the leader's approval or refusal
is committed at once with a signing job of the outbox; the result is signed by the job (the
worker, or the dossier page's "sign now"), exactly as inline signing signs it; until then the
result cannot be issued or returned, on every door; a signing service outage loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Dossier, DossierEvent, DossierFile
from portal.models.filing import OutboxMessage
from portal.models.types import utcnow
from portal.operations import certificates, commands, outbox, result_signing
from portal.operations.dossiers import NotAllowed
from portal.operations.lifecycle import offered_actions, recommended_action
from portal.storage import read_blob
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords, login  # noqa: F401
from tests.integration.signing_helpers import at_leader_step
from tests.integration.test_concurrency import committed_office  # noqa: F401
from tests.integration.test_signing_unavailable import tsa_down  # noqa: F401
from workflow.states import Action

PENDING_TEXT = "Kết quả đang được ký số…"


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


@pytest.fixture
def deferred(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESULT_SIGNING", "deferred")


def fresh(dossier_id: int) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)


def jobs(dossier_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.dossier_id == dossier_id, OutboxMessage.channel == "signing").order_by(OutboxMessage.id)))


def results(dossier_id: int) -> list[DossierFile]:
    return list(db.session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result", DossierFile.superseded_at.is_(None))))


def decide(dossier: Dossier, action: str, user, **values) -> Dossier:
    done = commands.run(dossier.id, action, user, {"version": fresh(dossier.id).version, **values})
    db.session.commit()
    return done


def signed_entries(dossier_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "signing.result_signed", AuditEntry.object_id == str(dossier_id))))


def drain_all() -> outbox.BatchResult:
    result = result_signing.drain()
    db.session.commit()
    return result


def test_approval_commits_the_decision_and_a_job_and_the_job_signs_as_inline_signing_does(app, office, deferred):
    dossier = at_leader_step(office)
    before = fresh(dossier.id).version
    decide(dossier, "approve", office.agency_leader)

    dossier = fresh(dossier.id)
    assert not dossier.result_signed and results(dossier.id) == []  # nothing signed inside the approval
    assert dossier.holder_role == "clerk"  # the decision moved the dossier on, as before
    approve = db.session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id,
                                                           DossierEvent.action == "approve"))
    assert approve.payload.get("result_signing") == "deferred" and "result_sha256" not in approve.payload
    (job,) = jobs(dossier.id)
    assert job.payload["action"] == "approve" and job.payload["leader_id"] == office.agency_leader.id
    assert job.seq == approve.seq and job.sent_at is None
    assert result_signing.status(dossier).state is result_signing.SigningState.PENDING

    # the clerk may not issue it yet: refused on the use case every door calls, and not offered
    with pytest.raises(NotAllowed) as refused:
        commands.run(dossier.id, "issue_result", office.clerk, {"version": dossier.version})
    db.session.rollback()
    assert refused.value.code == "result_signing_pending" and refused.value.status == 409
    offered = offered_actions(fresh(dossier.id), office.clerk)
    assert Action.ISSUE_RESULT not in offered and recommended_action(fresh(dossier.id), offered) != Action.ISSUE_RESULT

    result = drain_all()
    assert (result.claimed, result.delivered) == (1, 1)
    dossier = fresh(dossier.id)
    assert dossier.result_signed and dossier.version == before + 3  # approve, forward, then signed
    (row,) = results(dossier.id)
    report = certificates.verify_document(read_blob(row.blob_sha256))
    assert report.verdict == "valid", report.message_en
    assert [s.signer for s in report.signatures] == [office.agency_leader.full_name, dossier.agency.name_vi]
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA"]
    (entry,) = signed_entries(dossier.id)  # the signed result's hash, in the audit chain
    assert entry.details["sha256"] == row.blob_sha256 and entry.details["event_seq"] == approve.seq
    assert entry.user_id == office.agency_leader.id
    assert jobs(dossier.id)[0].sent_at is not None and result_signing.status(dossier).state is None

    assert Action.ISSUE_RESULT in offered_actions(dossier, office.clerk)
    decide(dossier, "issue_result", office.clerk)
    assert fresh(dossier.id).status == "processed"
    assert drain_all().claimed == 0  # run once, never again


def test_a_refusal_is_signed_by_its_job_and_cannot_be_returned_before(app, office, deferred):
    dossier = at_leader_step(office)
    decide(dossier, "refuse", office.agency_leader, reason="Không đủ điều kiện theo quy định")
    dossier = fresh(dossier.id)
    assert dossier.status == "processed" and dossier.result_kind == "refused" and not dossier.result_signed
    assert results(dossier.id) == [] and jobs(dossier.id)[0].payload["reasons"] == "Không đủ điều kiện theo quy định"

    with pytest.raises(NotAllowed) as refused:
        commands.run(dossier.id, "return_result", office.officer, {"version": dossier.version, "delivery": "desk"})
    db.session.rollback()
    assert refused.value.code == "result_signing_pending"
    assert Action.RETURN_RESULT not in offered_actions(fresh(dossier.id), office.officer)

    assert drain_all().delivered == 1
    (row,) = results(fresh(dossier.id).id)
    assert fresh(dossier.id).result_signed and signed_entries(dossier.id)[0].details["sha256"] == row.blob_sha256
    decide(dossier, "return_result", office.officer, delivery="desk")
    assert fresh(dossier.id).status == "returned"


def test_inline_mode_signs_inside_the_approval_as_before(app, office):
    assert app.config["RESULT_SIGNING"] == "inline"  # the testing profile's default
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    assert fresh(dossier.id).result_signed and len(results(dossier.id)) == 1 and jobs(dossier.id) == []


def test_a_signing_service_outage_keeps_the_job_with_a_next_attempt_and_a_later_run_signs(
        app, office, deferred, tsa_down):  # noqa: F811
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    files_before = db.session.scalar(select(func.count()).where(DossierFile.dossier_id == dossier.id))

    started = utcnow()
    result = drain_all()
    assert (result.claimed, result.failed, result.parked) == (1, 1, 0)
    (job,) = jobs(dossier.id)
    assert job.attempts == 1 and job.parked_at is None and job.sent_at is None
    assert job.last_error.startswith("signing_unavailable") and job.next_attempt_at > started
    assert not fresh(dossier.id).result_signed
    assert db.session.scalar(select(func.count()).where(DossierFile.dossier_id == dossier.id)) == files_before
    assert signed_entries(dossier.id) == []

    tsa_down.up()
    assert drain_all().claimed == 0  # its next attempt is not due yet
    result = result_signing.drain(now=job.next_attempt_at + timedelta(seconds=1))
    db.session.commit()
    assert result.delivered == 1 and fresh(dossier.id).result_signed and len(results(dossier.id)) == 1
    assert jobs(dossier.id)[0].attempts == 2


def test_a_permanent_failure_parks_the_job_and_the_leader_retries_from_the_page(
        app, client, pages, office, deferred, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_AUTO_ISSUE", False)  # the leader has no certificate
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    result = drain_all()
    assert result.parked == 1
    (job,) = jobs(dossier.id)
    assert job.parked_at is not None and job.last_error.startswith("no_certificate")
    assert result_signing.status(fresh(dossier.id)).state is result_signing.SigningState.FAILED
    with pytest.raises(NotAllowed):  # still not issued
        commands.run(dossier.id, "issue_result", office.clerk, {"version": fresh(dossier.id).version})
    db.session.rollback()

    login(pages, office.agency_leader)
    page = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Chưa ký số được kết quả" in page and "Chưa có chứng thư số còn hiệu lực" in page
    assert "Thử ký lại" in page and "js/signing.js" not in page

    monkeypatch.setitem(app.config, "SIGNING_AUTO_ISSUE", True)  # the cause fixed
    retried = client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so/thu-lai", data={"csrf_token": csrf_token_from(page)},
                          follow_redirects=True)
    assert retried.status_code == 200 and "Kết quả đã được ký số." in retried.get_data(as_text=True)
    assert fresh(dossier.id).result_signed and len(results(dossier.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "outbox.retry")) == 1


def test_the_page_follows_the_signing_and_signs_now(app, client, pages, office, deferred):
    dossier = at_leader_step(office)
    db.session.commit()
    login(pages, office.agency_leader)
    page = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    approved = client.post(f"/mot-cua/ho-so/{dossier.id}/thao-tac/approve",
                           data={"csrf_token": csrf_token_from(page), "version": fresh(dossier.id).version})
    # the officer lands on the dossier's page (not the queue), which follows the signatures
    assert approved.status_code == 302 and approved.headers["Location"].endswith(f"/mot-cua/ho-so/{dossier.id}#signing")
    html = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert PENDING_TEXT in html and 'id="signing-status" role="status" aria-live="polite"' in html
    assert "Ký số ngay" in html and "js/signing.js" in html
    status = client.get(f"/mot-cua/ho-so/{dossier.id}/ky-so")
    assert status.get_json() == {"result_signed": False, "result_signing": "pending", "attempts": 0,
                                 "next_attempt_at": None, "error": None}
    assert status.headers["Cache-Control"] == "private, no-store"

    signed = client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so", data={"csrf_token": csrf_token_from(html)},
                         headers={"Accept": "application/json"})
    body = signed.get_json()
    assert signed.status_code == 200 and body["outcome"] == "signed" and body["result_signed"]
    assert body["result_signing"] is None and fresh(dossier.id).result_signed and len(results(dossier.id)) == 1
    html = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert PENDING_TEXT not in html and "js/signing.js" not in html

    again = client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so", data={"csrf_token": csrf_token_from(html)},
                        follow_redirects=True)  # without a script: the button, then the page with a message
    assert again.status_code == 200 and "Không có kết quả nào đang chờ ký số." in again.get_data(as_text=True)
    assert len(results(dossier.id)) == 1


def test_sign_now_with_the_service_down_says_it_will_retry_and_keeps_the_job(
        app, client, pages, office, deferred, tsa_down):  # noqa: F811
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    login(pages, office.agency_leader)
    html = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    answer = client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so", data={"csrf_token": csrf_token_from(html)},
                         headers={"Accept": "application/json"})
    body = answer.get_json()
    assert answer.status_code == 200 and body["outcome"] == "retry" and body["result_signing"] == "pending"
    assert "hệ thống sẽ tự động ký lại" in body["message"] and "rời trang" in body["message"]
    (job,) = jobs(dossier.id)
    assert job.attempts == 1 and job.next_attempt_at is not None and not fresh(dossier.id).result_signed
    html = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert PENDING_TEXT in html and "tự động thử lại" in html

    tsa_down.up()  # "sign now" does not wait for the back-off
    answer = client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so", data={"csrf_token": csrf_token_from(html)},
                         headers={"Accept": "application/json"})
    assert answer.get_json()["outcome"] == "signed" and fresh(dossier.id).result_signed


def test_others_cannot_see_nor_sign_someone_elses_dossier(app, client, pages, office, deferred, make_user):
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    other_agency = "so-tu-phap" if office.procedure.agency.code != "so-tu-phap" else "so-y-te"
    login(pages, make_user(role="agency_leader", agency=other_agency, username="lanhdaokhac"))
    token = csrf_token_from(client.get("/mot-cua/").get_data(as_text=True))
    assert client.get(f"/mot-cua/ho-so/{dossier.id}/ky-so").status_code == 404
    assert client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/mot-cua/ho-so/{dossier.id}/ky-so/thu-lai", data={"csrf_token": token}).status_code == 404
    assert not fresh(dossier.id).result_signed and jobs(dossier.id)[0].attempts == 0


def test_the_api_shows_the_pending_signature_then_the_signed_result(app, client, office, deferred):
    dossier = at_leader_step(office)
    db.session.commit()

    def headers(user):
        return {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
            "username": user.username, "password": PASSWORD}).get_json()["token"]}

    leader, clerk = headers(office.agency_leader), headers(office.clerk)
    approved = client.post(f"/api/v1/dossiers/{dossier.id}/actions/approve",
                           json={"version": fresh(dossier.id).version}, headers=leader)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["result_signed"] is False and approved.get_json()["result_signing"] == "pending"
    shown = client.get(f"/api/v1/dossiers/{dossier.id}", headers=clerk).get_json()
    assert shown["result_signing"] == "pending" and shown["result"] is None

    early = client.post(f"/api/v1/dossiers/{dossier.id}/actions/issue_result",
                        json={"version": shown["version"]}, headers=clerk)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "result_signing_pending"
    assert "đang được ký số" in early.get_json()["error"]["message"]

    run = client.post(f"/api/v1/dossiers/{dossier.id}/signing/run", headers=leader)
    assert run.status_code == 200 and run.get_json()["outcome"] == "signed"
    shown = client.get(f"/api/v1/dossiers/{dossier.id}", headers=clerk).get_json()
    assert shown["result_signed"] is True and shown["result_signing"] is None
    assert shown["result"]["sha256"] == signed_entries(dossier.id)[0].details["sha256"]
    issued = client.post(f"/api/v1/dossiers/{dossier.id}/actions/issue_result",
                         json={"version": shown["version"]}, headers=clerk)
    assert issued.status_code == 200, issued.get_json()


def test_the_worker_command_runs_the_jobs(app, office, deferred, runner):
    first, second = at_leader_step(office), None
    decide(first, "approve", office.agency_leader)
    second = at_leader_step(office)
    decide(second, "refuse", office.agency_leader, reason="Hồ sơ không hợp lệ")
    answer = runner.invoke(args=["outbox", "send", "--channel", "signing"])
    assert answer.exit_code == 0, answer.output
    assert "signing: đã ký 2 kết quả; 0 lỗi" in answer.output
    assert fresh(first.id).result_signed and fresh(second.id).result_signed
    assert runner.invoke(args=["outbox", "send", "--channel", "all"]).exit_code == 0  # nothing left


def test_the_cli_door_defers_too(app, office, deferred, runner):
    dossier = at_leader_step(office)
    db.session.commit()
    answer = runner.invoke(args=["dossier", "act", str(dossier.id), "approve", "--as", office.agency_leader.username])
    assert answer.exit_code == 0, answer.output
    assert not fresh(dossier.id).result_signed and len(jobs(dossier.id)) == 1
    refused = runner.invoke(args=["dossier", "act", str(dossier.id), "issue_result", "--as", office.clerk.username])
    assert refused.exit_code != 0 and "đang được ký số" in refused.output
    assert runner.invoke(args=["outbox", "send", "--channel", "all"]).exit_code == 0
    assert fresh(dossier.id).result_signed


def test_a_remotely_signed_result_is_kept_at_once_without_a_job(app, client, office, deferred):
    from tests.integration.test_signing_api import client_sign, token

    row, ck = certificates.issue_for_user(office.agency_leader)
    row.private_key_pem = None
    dossier = at_leader_step(office)
    db.session.commit()
    headers = token(client, office.agency_leader.username)
    prepared = client.post(f"/api/v1/dossiers/{dossier.id}/signing/prepare", json={"kind": "result"}, headers=headers)
    assert prepared.status_code == 201, prepared.get_json()
    body = prepared.get_json()
    done = client.post(f"/api/v1/signing/{body['session']}/complete",
                       json={"signature": client_sign(ck.private_key, body["digest"])}, headers=headers)
    assert done.status_code == 200, done.get_json()
    decide(dossier, "approve", office.agency_leader)
    assert fresh(dossier.id).result_signed and jobs(dossier.id) == []
    assert [f.id for f in results(dossier.id)] == [done.get_json()["file"]["id"]]


def test_the_worker_and_the_page_never_both_sign_a_job(_app, committed_office, monkeypatch):  # noqa: F811
    """PostgreSQL, real commits: a job the worker holds (SKIP LOCKED) is left to it by the page's
    "sign now", which signs nothing and says it is being signed; once the worker has signed and
    committed, there is nothing left to sign."""
    from portal.models import User

    office = committed_office
    monkeypatch.setitem(_app.config, "RESULT_SIGNING", "deferred")
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    leader_id = office.agency_leader.id

    (held,) = outbox.claim("signing", 1, utcnow())  # the worker's transaction holds the job
    with _app.app_context():  # the page's request, its own connection
        outcome, state = result_signing.sign_now(dossier.id, db.session.get(User, leader_id))
        assert outcome is result_signing.Outcome.BUSY and state.state is result_signing.SigningState.PENDING
        db.session.commit()
    outbox.record([held], [result_signing.run(held)], outbox.policy("signing"), utcnow())
    db.session.commit()
    with _app.app_context():
        outcome, state = result_signing.sign_now(dossier.id, db.session.get(User, leader_id))
        assert outcome is result_signing.Outcome.NOTHING and state.result_signed
        db.session.commit()
    assert len(results(dossier.id)) == 1 and len(signed_entries(dossier.id)) == 1
    assert jobs(dossier.id)[0].attempts == 1


def test_result_signing_defaults_per_environment(monkeypatch):
    from portal.config import build_config

    monkeypatch.delenv("RESULT_SIGNING", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert build_config("production")["RESULT_SIGNING"] == "deferred"
    assert build_config("development")["RESULT_SIGNING"] == "deferred"
    assert build_config("testing")["RESULT_SIGNING"] == "inline"
    monkeypatch.setenv("RESULT_SIGNING", "inline")
    assert build_config("production")["RESULT_SIGNING"] == "inline"
    monkeypatch.setenv("RESULT_SIGNING", "later")
    with pytest.raises(RuntimeError, match="RESULT_SIGNING"):
        build_config("production")


def test_a_dossier_stopped_after_the_approval_gets_no_signed_result(app, office, deferred):
    dossier = at_leader_step(office)
    decide(dossier, "approve", office.agency_leader)
    stopped = decide(dossier, "stop", office.agency_leader, reason="Cơ quan có thẩm quyền yêu cầu dừng xử lý")
    assert stopped.status == "stopped"

    result = drain_all()
    assert (result.claimed, result.delivered) == (1, 1)  # the job is done: nothing is left to retry
    dossier = fresh(dossier.id)
    assert not dossier.result_signed and results(dossier.id) == []  # no result, no register number taken
    assert signed_entries(dossier.id) == []
    cancelled = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "signing.result_cancelled", AuditEntry.object_id == str(dossier.id))).all()
    assert [entry.details["status"] for entry in cancelled] == ["stopped"]
    assert result_signing.status(dossier).state is None
