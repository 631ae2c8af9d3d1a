"""One rule set for every door: each office action, sent with the same inputs through the web page
and through the JSON API, is refused with the same message or done with the same outcome."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest

from portal.extensions import db
from portal.messages import message_for
from portal.models import Dossier, DossierEvent
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import build_office
from tests.integration.office_helpers import fast_passwords  # noqa: F401
from tests.integration.test_office_api import at_stage
from tests.integration.test_office_pages import login
from workflow.calendar import VN_TZ

REQUIRED = "every required document"
NEW_DUE = datetime(2027, 1, 20, 16, 0, tzinfo=VN_TZ)

# action, stage, actor, inputs, refusal code (None: the action is done)
CASES = [
    ("accept", "submitted", "officer", {}, "guard_documents_complete"),
    ("accept", "submitted", "officer", {"checked": ["khong-co"]}, "unknown_document"),
    ("accept", "submitted", "officer", {"checked": REQUIRED}, None),
    ("refuse_intake", "submitted", "officer", {"reason": "  "}, "guard_reason_given"),
    ("request_supplement", "submitted", "officer", {}, "guard_reason_given"),
    ("request_supplement", "submitted", "officer", {"reason": "Thiếu", "items": ["Bản sao CCCD", "Tờ khai"]}, None),
    ("forward", "accepted", "officer", {"assignee": "specialist"}, "bad_assignee"),
    ("forward", "accepted", "officer", {"assignee": "unit_leader"}, None),
    ("send_back", "tham-dinh", "specialist", {}, "guard_reason_given"),
    ("propose_result", "tham-dinh", "specialist", {}, "draft_required"),
    ("propose_result", "tham-dinh", "specialist", {"generate": True}, None),
    ("propose_result", "tham-dinh", "unit_leader", {"generate": True}, "role_not_allowed"),
    ("apologize", "tham-dinh", "agency_leader", {"reason": "Cần xác minh thêm"}, "bad_new_due"),
    ("apologize", "tham-dinh", "agency_leader", {"reason": "Cần xác minh thêm", "new_due_at": NEW_DUE}, None),
    ("stop", "tham-dinh", "unit_leader", {"reason": "Người nộp đề nghị dừng"}, None),
    ("approve", "proposed", "agency_leader", {}, "not_your_step"),
    ("issue_result", "ban-hanh", "clerk", {}, None),
    ("return_result", "processed", "officer", {}, "delivery_required"),
    ("return_result", "processed", "officer", {"delivery": "xe-om"}, "invalid_input"),
    ("return_result", "processed", "officer", {"delivery": "desk"}, None),
]


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def _resolve(office, inputs: dict) -> dict:
    resolved = dict(inputs)
    if resolved.get("checked") == REQUIRED:
        resolved["checked"] = [d["key"] for d in office.procedure.documents if d.get("required")]
    if "assignee" in resolved:
        resolved["assignee_id"] = getattr(office, resolved.pop("assignee")).id
    return resolved


def _as_json(inputs: dict) -> dict:
    body = dict(inputs)
    if "new_due_at" in body:
        body["new_due_at"] = body["new_due_at"].isoformat()
    return body


def _as_form(inputs: dict) -> dict:
    form = {key: value for key, value in inputs.items() if key not in ("items", "new_due_at", "assignee_id",
                                                                         "generate")}
    if "items" in inputs:
        form["items"] = "\n".join(inputs["items"])
    if "new_due_at" in inputs:
        form["new_due_date"] = inputs["new_due_at"].strftime("%Y-%m-%d")
        form["new_due_time"] = inputs["new_due_at"].strftime("%H:%M")
    if "assignee_id" in inputs:
        form["assignee"] = str(inputs["assignee_id"])
    if inputs.get("generate"):
        form["generate"] = "y"
    return form


def _state(dossier_id: int) -> tuple:
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    last = db.session.query(DossierEvent).filter_by(dossier_id=dossier_id).order_by(DossierEvent.seq.desc()).first()
    return (dossier.version, dossier.status, dossier.step_key, dossier.holder_role, dossier.holder_id,
            dossier.result_proposed, dossier.result_signed, dossier.extended_due_at is not None, last.action,
            sorted((last.payload or {}).get("items", [])), (last.payload or {}).get("delivery"))


def _through_the_api(client, office, dossier_id, action, actor, inputs) -> str | None:
    version = db.session.get(Dossier, dossier_id).version
    signed_in = client.post("/api/v1/auth/token", json={"username": actor.username, "password": PASSWORD})
    response = client.post(f"/api/v1/dossiers/{dossier_id}/actions/{action}",
                           json={"version": version, **_as_json(inputs)},
                           headers={"Authorization": f"Bearer {signed_in.get_json()['token']}"})
    if response.status_code == 200:
        return None
    error = response.get_json()["error"]
    assert response.status_code in (403, 409, 422), error
    return error["message"]


def _through_the_page(client, pages, dossier_id, action, actor, inputs) -> str | None:
    login(pages, actor)
    page = client.get(f"/mot-cua/ho-so/{dossier_id}")
    version = db.session.get(Dossier, dossier_id).version
    response = client.post(f"/mot-cua/ho-so/{dossier_id}/thao-tac/{action}",
                           data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "version": version,
                                 **_as_form(inputs)}, content_type="multipart/form-data")
    if response.status_code == 422:  # refused for what was typed: the page again, the error by its field
        html = response.get_data(as_text=True)
        assert 'class="error-summary"' in html
        found = re.search(r'<p class="field-error" id="[^"]+">([^<]*)</p>', html)
        return unescape(found.group(1)) if found else None
    assert response.status_code == 302
    with client.session_transaction() as session:
        flashes = session.get("_flashes", [])
    errors = [text for category, text in flashes if category == "error"]
    return errors[0] if errors else None


@pytest.mark.parametrize(("action", "stage", "actor", "inputs", "refusal"), CASES,
                         ids=[f"{c[0]}@{c[1]}:{c[4] or 'done'}" for c in CASES])
def test_the_web_page_and_the_api_decide_alike(client, pages, office, action, stage, actor, inputs, refusal):
    inputs = _resolve(office, inputs)
    actor = getattr(office, actor)
    by_api, by_page = at_stage(office, stage), at_stage(office, stage)
    before = _state(by_api)
    assert _state(by_page) == before
    api_message = _through_the_api(client, office, by_api, action, actor, inputs)
    page_message = _through_the_page(client, pages, by_page, action, actor, inputs)
    expected = message_for(refusal) if refusal else None
    if refusal == "invalid_input":
        expected = message_for(type("Refusal", (), {"code": refusal, "params": {"field": "delivery"}}))
    assert api_message == page_message == expected
    after_api, after_page = _state(by_api), _state(by_page)
    assert after_api == after_page
    assert (after_api == before) == (refusal is not None)


def test_the_cli_refuses_and_does_as_the_other_doors(runner, office):
    dossier_id = at_stage(office, "submitted")
    before = _state(dossier_id)
    refused = runner.invoke(args=["dossier", "act", str(dossier_id), "accept", "--as", office.officer.username])
    assert refused.exit_code == 1 and message_for("guard_documents_complete") in refused.output
    assert _state(dossier_id) == before
    required = [d["key"] for d in office.procedure.documents if d.get("required")]
    done = runner.invoke(args=["dossier", "act", str(dossier_id), "accept", "--as", office.officer.username,
                               *[arg for key in required for arg in ("--checked", key)]])
    assert done.exit_code == 0, done.output
    after = _state(dossier_id)
    assert after[1] == "accepted" and after[0] == before[0] + 1
    stale = runner.invoke(args=["dossier", "act", str(dossier_id), "forward", "--as", office.officer.username,
                                "--version", str(before[0])])
    assert stale.exit_code == 1 and message_for("stale_version") in stale.output
