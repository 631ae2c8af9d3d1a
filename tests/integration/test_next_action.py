"""The dossier page recommends one next action, offers nothing that would be refused, and the
actions that naturally continue move the dossier on (the same use case on every door)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords, login, post_action, status_of  # noqa: F401
from tests.integration.test_office_api import _fresh_tokens, at_stage, token  # noqa: F401


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def _page(client, dossier_id) -> str:
    response = client.get(f"/mot-cua/ho-so/{dossier_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _primary(html: str) -> list[str]:
    return re.findall(r'<button type="submit" class="button button-primary">([^<]+)</button>', html)


def _offered(html: str) -> list[str]:
    return re.findall(r'id="action-([a-z_]+)"', html)


@pytest.mark.parametrize(("stage", "role", "recommended"), [
    ("submitted", "officer", "accept"),
    ("accepted", "officer", "forward"),
    ("phan-cong", "unit_leader", "forward"),
    ("tham-dinh", "specialist", "propose_result"),
    ("kiem-tra", "unit_leader", "forward"),
    ("phe-duyet", "agency_leader", "approve"),
    ("ban-hanh", "clerk", "issue_result"),
    ("processed", "officer", "return_result"),
])
def test_one_recommended_action_the_others_folded(client, pages, office, stage, role, recommended):
    from portal.labels import ACTION_LABELS

    dossier_id = at_stage(office, stage)
    login(pages, getattr(office, role))
    html = _page(client, dossier_id)
    assert _primary(html) == [str(ACTION_LABELS[recommended])]
    assert 'class="action-form action-recommended" id="action-' + recommended + '"' in html
    # every other action is folded away in its own <details>
    offered = _offered(html)
    folded = re.findall(r'<details class="fold action-more" id="more-([a-z_]+)"', html)
    assert len(folded) == len(offered) - 1


def test_nothing_offered_that_would_be_refused(client, pages, office):
    # the leader who signed is not offered "approve" again; the clerk is not offered "issue"
    # before the signature; the desk is not offered "confirm the fee" that nobody paid.
    dossier_id = at_stage(office, "approved")  # signed, still at the leader's step (walked by the engine)
    login(pages, office.agency_leader)
    offered = _offered(_page(client, dossier_id))
    assert "approve" not in offered and "forward" in offered
    early = at_stage(office, "phe-duyet")
    login(pages, office.clerk)
    assert "issue_result" not in _offered(_page(client, early))


def test_approving_hands_the_dossier_to_the_clerk_and_cannot_sign_twice(client, pages, office):
    dossier_id = at_stage(office, "phe-duyet")
    headers = token(client, office.agency_leader.username)
    version = db.session.get(Dossier, dossier_id).version
    url = f"/api/v1/dossiers/{dossier_id}/actions/approve"
    first = client.post(url, json={"version": version}, headers=headers)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    d = status_of(dossier_id)
    assert d.result_signed and d.holder_role == "clerk" and d.status == "in_process"
    forward = body["history"][-1]
    assert forward["action"] == "forward"
    results = db.session.scalar(select(func.count()).select_from(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result"))
    # a second approve on the current version: already done, refused on the API (409), nothing signed again
    again = client.post(url, json={"version": body["version"]}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_signed"
    assert db.session.scalar(select(func.count()).select_from(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result")) == results

    # the leader still holding the step after signing (walked by the engine): also 409 on both doors
    signed = at_stage(office, "approved")
    version = db.session.get(Dossier, signed).version
    response = client.post(f"/api/v1/dossiers/{signed}/actions/approve", json={"version": version}, headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_signed"
    login(pages, office.agency_leader)
    events_before = db.session.scalar(select(func.count()).select_from(DossierEvent)
                                      .where(DossierEvent.dossier_id == signed))
    html = post_action(client, signed, "approve").get_data(as_text=True)
    assert "không ký lại lần nữa" in html
    assert db.session.scalar(select(func.count()).select_from(DossierEvent)
                             .where(DossierEvent.dossier_id == signed)) == events_before


def test_proposing_hands_the_dossier_to_the_reviewer(client, pages, office):
    dossier_id = at_stage(office, "tham-dinh")
    login(pages, office.specialist)
    html = post_action(client, dossier_id, "propose_result",
                       {"generate": "y", "assignee": str(office.unit_leader.id)}).get_data(as_text=True)
    d = status_of(dossier_id)
    assert d.result_proposed and d.holder_role == "unit_leader" and d.holder_id == office.unit_leader.id
    assert "Hồ sơ đã chuyển đến bước" in html
    last_two = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id)
                                  .order_by(DossierEvent.seq.desc()).limit(2)).all()
    assert [e.action for e in reversed(last_two)] == ["propose_result", "forward"]
    assert last_two[0].payload["after"] == "propose_result"


def test_acceptance_ends_on_the_receipt_page(client, pages, office):
    dossier_id = at_stage(office, "submitted")
    login(pages, office.officer)
    required = [doc["key"] for doc in office.procedure.documents if doc.get("required")]
    page = client.get(f"/mot-cua/ho-so/{dossier_id}")
    from tests.conftest import csrf_token_from

    response = client.post(f"/mot-cua/ho-so/{dossier_id}/thao-tac/accept", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "checked": required,
        "version": status_of(dossier_id).version})
    assert response.status_code == 302 and response.location.endswith(f"/mot-cua/ho-so/{dossier_id}/giay-tiep-nhan")
    html = client.get(response.location).get_data(as_text=True)
    assert "/bieu-mau/receipt.pdf" in html and "In giấy tiếp nhận" in html
    from portal.labels import ACTION_LABELS

    assert f"Tiếp tục: {ACTION_LABELS['forward']}" in html


def test_a_refused_form_keeps_what_was_typed(client, pages, office):
    dossier_id = at_stage(office, "submitted")
    login(pages, office.officer)
    response = post_action(client, dossier_id, "request_supplement", {"items": "Bản sao CCCD\nTờ khai có chữ ký"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and status_of(dossier_id).status == "submitted"
    assert 'class="error-summary"' in html and 'href="#request_supplement-reason"' in html
    assert "Cần ghi rõ lý do." in html and "This field is required" not in html
    assert "Bản sao CCCD\nTờ khai có chữ ký" in html  # the items typed are kept
    assert re.search(r'<details class="fold action-more" id="more-request_supplement" open>', html)
    assert 'aria-invalid="true"' in html


def test_long_actions_say_they_run_and_the_server_does_them_once(client, pages, office):
    dossier_id = at_stage(office, "phe-duyet")
    login(pages, office.agency_leader)
    html = _page(client, dossier_id)
    form = html.split('id="action-approve"', 1)[1].split("</form>", 1)[0]
    assert 'data-busy="Đang ký số kết quả, vui lòng chờ…"' in html.split('id="action-approve"', 1)[0][-600:] + form
    assert 'class="busy-status" role="status" aria-live="polite"' in form
    assert "/bieu-mau/receipt.pdf\" data-busy=" in html  # generating a PDF says so too
    # without JavaScript a second click sends the same form: done once (idempotency key), signed once
    from tests.conftest import csrf_token_from

    key = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf_token_from(html), "version": status_of(dossier_id).version, "idempotency_key": key}
    for _ in range(2):
        assert client.post(f"/mot-cua/ho-so/{dossier_id}/thao-tac/approve", data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(DossierEvent).where(
        DossierEvent.dossier_id == dossier_id, DossierEvent.action == "approve")) == 1
    assert db.session.scalar(select(func.count()).select_from(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result")) == 1


def _good_values(action: str, dossier, office) -> dict:
    """What a careful officer types for ``action`` (so only the dossier's state can refuse it)."""
    from datetime import timedelta

    values: dict = {"version": dossier.version, "reason": "Ý kiến của cán bộ"}
    if action == "accept":
        values["checked"] = [d["key"] for d in office.procedure.documents if d.get("required")]
    if action == "request_supplement":
        values["items"] = ["Bản sao CCCD"]
    if action == "propose_result":
        values["generate"] = True
    if action == "apologize":
        values["new_due_at"] = dossier.due_at + timedelta(days=5)
    if action == "return_result":
        values["delivery"] = "desk"
    return values


@pytest.mark.parametrize("stage", ["submitted", "accepted", "phan-cong", "tham-dinh", "proposed", "kiem-tra",
                                   "phe-duyet", "approved", "ban-hanh", "processed"])
def test_every_offered_action_is_done_when_typed_well(app, office, stage):
    """Whatever the page offers a role at a stage is done when its form is filled in well: no
    offered action is refused by the role, the step, a guard on the dossier or a repeat."""
    from portal.operations import commands
    from portal.operations.dossiers import DossierError
    from portal.operations.lifecycle import offered_actions

    dossier_id = at_stage(office, stage)
    tried = 0
    for role in ("officer", "unit_leader", "specialist", "agency_leader", "clerk"):
        user = getattr(office, role)
        dossier = db.session.get(Dossier, dossier_id)
        for action in offered_actions(dossier, user):
            savepoint = db.session.begin_nested()
            try:
                commands.run(dossier_id, action, user, _good_values(action.value, dossier, office))
            except DossierError as error:
                pytest.fail(f"{action} offered to {role} at {stage} but refused: {error.code}")
            finally:
                savepoint.rollback()
                db.session.expire_all()
                dossier = db.session.get(Dossier, dossier_id)
            tried += 1
    assert tried > 0
