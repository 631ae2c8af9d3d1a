"""Office API: the queue, every office action by every staff role, desk registration, forms."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierFile
from portal.models.types import utcnow
from tests.conftest import PASSWORD
from tests.integration.filing_helpers import PDF
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords, pdf_text  # noqa: F401

STAFF = ("one_stop_officer", "unit_leader", "specialist", "agency_leader", "clerk")
T0 = vn(2026, 11, 23, 8, 0)


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


_TOKENS: dict = {}


def token(client, username):
    """A bearer header (one sign-in per user and test: password hashing is slow on purpose)."""
    key = (id(client.application), db.session.get_bind().engine.url, username, _TEST_ID["n"])
    if key not in _TOKENS:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        _TOKENS[key] = {"Authorization": f"Bearer {response.get_json()['token']}"}
    return _TOKENS[key]


_TEST_ID = {"n": 0}


@pytest.fixture(autouse=True)
def _fresh_tokens():
    _TEST_ID["n"] += 1
    _TOKENS.clear()


# ---------------------------------------------------------------------------------------------
# Dossiers at each stage of the standard process
# (tiep-nhan desk -> phan-cong unit leader -> tham-dinh specialist -> kiem-tra unit leader
#  -> phe-duyet agency leader -> ban-hanh clerk -> tra-ket-qua desk)


def at_stage(office, stage: str, start=T0) -> int:
    d = new_submitted(office, start)
    if stage == "submitted":
        return d.id
    t = start + timedelta(minutes=30)
    act(d.id, "accept", office.officer, t)
    if stage == "accepted":
        return d.id
    script = [("forward", office.officer, "phan-cong"), ("forward", office.unit_leader, "tham-dinh"),
              ("propose_result", office.specialist, "proposed"), ("forward", office.specialist, "kiem-tra"),
              ("forward", office.unit_leader, "phe-duyet"), ("approve", office.agency_leader, "approved"),
              ("forward", office.agency_leader, "ban-hanh"), ("issue_result", office.clerk, "processed")]
    for action, user, reached in script:
        t += timedelta(minutes=30)
        act(d.id, action, user, t)
        if reached == stage:
            return d.id
    raise AssertionError(stage)


# action, stage, body, allowed role
MATRIX = [
    ("accept", "submitted", {"checked": "every required document"}, "one_stop_officer"),
    ("refuse_intake", "submitted", {"reason": "Hồ sơ không thuộc thẩm quyền"}, "one_stop_officer"),
    ("request_supplement", "submitted", {"reason": "Thiếu giấy tờ", "items": ["Bản sao CCCD"]}, "one_stop_officer"),
    ("forward", "accepted", {}, "one_stop_officer"),
    ("forward", "phan-cong", {}, "unit_leader"),
    ("send_back", "tham-dinh", {"reason": "Cần phân công lại"}, "specialist"),
    ("propose_result", "tham-dinh", {"generate": True}, "specialist"),
    ("approve", "phe-duyet", {}, "agency_leader"),
    ("refuse", "phe-duyet", {"reason": "Không đủ điều kiện"}, "agency_leader"),
    ("stop", "tham-dinh", {"reason": "Người nộp đề nghị dừng"}, ("unit_leader", "agency_leader")),
    ("apologize", "tham-dinh", {"reason": "Cần xác minh thêm", "new_due_at": "2027-01-20T16:00:00+07:00"},
     ("agency_leader", "unit_leader")),
    ("issue_result", "ban-hanh", {}, "clerk"),
    ("return_result", "processed", {"delivery": "desk"}, "one_stop_officer"),
]


@pytest.mark.parametrize(("action", "stage", "body", "allowed"), MATRIX, ids=[f"{m[0]}@{m[1]}" for m in MATRIX])
def test_every_action_by_every_role(client, office, action, stage, body, allowed):
    dossier_id = at_stage(office, stage)
    if body.get("checked"):
        body = {"checked": [d["key"] for d in office.procedure.documents if d.get("required")]}
    url = f"/api/v1/dossiers/{dossier_id}/actions/{action}"
    version = db.session.get(Dossier, dossier_id).version
    allowed = (allowed,) if isinstance(allowed, str) else allowed
    for role in STAFF:
        if role in allowed:
            continue
        response = client.post(url, json={"version": version, **body}, headers=token(client, office.by_role(role).username))
        assert response.status_code == 403, (role, response.get_json())
    headers = token(client, office.by_role(allowed[0]).username)
    assert client.post(url, json={"version": version - 1, **body}, headers=headers).status_code == 409
    response = client.post(url, json={"version": version, **body}, headers=headers)
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    if action in ("propose_result", "approve"):  # these continue: the dossier goes on to the next step
        assert after["version"] == version + 2 and [e["action"] for e in after["history"][-2:]] == [action, "forward"]
    else:
        assert after["version"] == version + 1 and after["history"][-1]["action"] == action
    # Replaying the same request on the old version is a conflict, never a second change.
    assert client.post(url, json={"version": version, **body}, headers=headers).status_code == 409


@pytest.mark.parametrize(("action", "stage", "role", "body"), [
    ("refuse_intake", "submitted", "one_stop_officer", {}),
    ("request_supplement", "submitted", "one_stop_officer", {"items": ["x"]}),
    ("send_back", "tham-dinh", "specialist", {}),
    ("refuse", "phe-duyet", "agency_leader", {"reason": "   "}),
    ("stop", "tham-dinh", "unit_leader", {}),
    ("apologize", "tham-dinh", "agency_leader", {"new_due_at": "2027-01-20T16:00:00+07:00"}),
])
def test_missing_reason_is_422_and_changes_nothing(client, office, action, stage, role, body):
    dossier_id = at_stage(office, stage)
    version = db.session.get(Dossier, dossier_id).version
    response = client.post(f"/api/v1/dossiers/{dossier_id}/actions/{action}", json={"version": version, **body},
                           headers=token(client, office.by_role(role).username))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "guard_reason_given"
    db.session.expire_all()
    assert db.session.get(Dossier, dossier_id).version == version


@pytest.mark.parametrize(("action", "stage", "role"), [
    ("accept", "accepted", "one_stop_officer"), ("return_result", "tham-dinh", "one_stop_officer"),
    ("issue_result", "processed", "clerk"), ("refuse_intake", "accepted", "one_stop_officer"),
])
def test_wrong_status_is_409(client, office, action, stage, role):
    dossier_id = at_stage(office, stage)
    version = db.session.get(Dossier, dossier_id).version
    response = client.post(f"/api/v1/dossiers/{dossier_id}/actions/{action}",
                           json={"version": version, "reason": "x"}, headers=token(client, office.by_role(role).username))
    assert response.status_code == 409


# ---------------------------------------------------------------------------------------------
# The queue


def test_queue_is_scoped_filtered_and_paginated(client, office, make_user):
    ids = [new_submitted(office, T0 + timedelta(minutes=i)).id for i in range(5)]
    other = build_office(make_user, procedure=_procedure_of_other_agency(office), prefix="x")
    foreign = new_submitted(other, T0).id
    headers = token(client, office.officer.username)
    body = client.get("/api/v1/office/dossiers?queue=new&per_page=2", headers=headers).get_json()
    assert [i["id"] for i in body["items"]] == sorted(ids, reverse=True)[:2] and body["has_next"]
    seen = [i["id"] for i in body["items"]]
    cursor = body["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/office/dossiers?queue=new&per_page=2&cursor={cursor}", headers=headers).get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == sorted(ids, reverse=True) and foreign not in seen
    page3 = client.get("/api/v1/office/dossiers?queue=new&per_page=2&page=3", headers=headers).get_json()
    assert [i["id"] for i in page3["items"]] == [min(ids)] and not page3["has_next"]
    # status and procedure filters, search by applicant name and by code
    act(ids[0], "accept", office.officer, T0 + timedelta(hours=1))
    accepted = client.get("/api/v1/office/dossiers?status=accepted", headers=headers).get_json()["items"]
    assert [i["id"] for i in accepted] == [ids[0]] and accepted[0]["code"]
    code = accepted[0]["code"]
    assert [i["id"] for i in client.get(f"/api/v1/office/dossiers?queue=all&q={code}", headers=headers)
            .get_json()["items"]] == [ids[0]]
    by_name = client.get("/api/v1/office/dossiers?queue=all&q=Văn Pả", headers=headers).get_json()["items"]
    assert {i["id"] for i in by_name} == set(ids)
    for typed in ("van pa", "LÒ VĂN", "lo van pa"):  # without diacritics, any case
        found = client.get(f"/api/v1/office/dossiers?queue=all&q={typed}", headers=headers).get_json()["items"]
        assert {i["id"] for i in found} == set(ids), typed
    assert client.get("/api/v1/office/dossiers?queue=all&q=Không Có Ai", headers=headers).get_json()["items"] == []
    proc = office.procedure.code
    assert len(client.get(f"/api/v1/office/dossiers?queue=all&procedure={proc}", headers=headers)
               .get_json()["items"]) == 5
    assert client.get("/api/v1/office/dossiers?queue=all&procedure=NOPE", headers=headers).get_json()["items"] == []


def _procedure_of_other_agency(office):
    from portal.models import Procedure
    from tests.integration.lifecycle_helpers import standard_procedure  # noqa: F401

    for p in db.session.scalars(select(Procedure).where(Procedure.agency_id != office.procedure.agency_id)):
        roles = [s["role"] for s in p.steps]
        if roles[0] == "one_stop_officer" and p.level >= 3:
            return p
    raise AssertionError("no procedure of another agency")


def test_overdue_queue_shows_working_time_overdue(client, office):
    now = utcnow()
    late = at_stage(office, "tham-dinh", start=now - timedelta(days=60))
    fresh = at_stage(office, "tham-dinh", start=now - timedelta(hours=2))
    headers = token(client, office.specialist.username)
    body = client.get("/api/v1/office/dossiers?overdue=true", headers=headers).get_json()
    assert [i["id"] for i in body["items"]] == [late] and fresh not in [i["id"] for i in body["items"]]
    item = body["items"][0]
    assert item["overdue"] is True and item["time_left"].startswith("quá hạn") and "ngày" in item["time_left"]
    mine = client.get("/api/v1/office/dossiers?queue=mine", headers=headers).get_json()["items"]
    assert [i["id"] for i in mine] == [late, fresh]  # both at the specialist's step, most urgent first


def test_queue_errors(client, office):
    officer = token(client, office.officer.username)
    for query in ("queue=nope", "status=flying", "per_page=0", "per_page=1000", "page=-1", "page=x",
                  "cursor=@@@", "channel=fax", "from=2026-12-01&to=2026-11-01"):
        response = client.get(f"/api/v1/office/dossiers?{query}", headers=officer)
        assert response.status_code == 422, query
    assert client.get("/api/v1/office/dossiers").status_code == 401
    assert client.get("/api/v1/office/dossiers", headers=token(client, office.citizen.username)).status_code == 403


# ---------------------------------------------------------------------------------------------
# Desk registration


def _registration(office, **overrides):
    docs = office.procedure.documents
    required = [d["key"] for d in docs if d.get("required")]
    body = {
        "procedure": office.procedure.code, "channel": "in_person",
        "applicant": {"full_name": "Nguyễn Thị Hồng Nhung", "id_number": "012190123456", "phone": "0912345678",
                      "address": "Phường Tân Phong, tỉnh Lai Châu"},
        "data": {"ghi_chu": "nộp tại quầy"},
        "scans": [{"document": required[0], "filename": "scan.pdf",
                   "content_base64": base64.b64encode(PDF).decode()}],
        "paper_documents": required[1:],
    }
    body.update(overrides)
    return body


def test_desk_registers_an_in_person_dossier_with_scans(client, office):
    headers = token(client, office.officer.username)
    response = client.post("/api/v1/office/dossiers", json=_registration(office), headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "accepted" and body["channel"] == "in_person" and body["code"]
    assert body["applicant"]["full_name"] == "Nguyễn Thị Hồng Nhung"
    assert [h["action"] for h in body["history"]] == ["create", "submit", "accept"]
    scans = db.session.scalars(select(DossierFile).where(DossierFile.dossier_id == body["id"])).all()
    assert [(s.kind, s.blob.content_type) for s in scans] == [("scan", "application/pdf")]
    post = client.post("/api/v1/office/dossiers", json=_registration(office, channel="post"), headers=headers)
    assert post.status_code == 201 and post.get_json()["channel"] == "post"


@pytest.mark.parametrize(("change", "status"), [
    ({"paper_documents": []}, 422),
    ({"channel": "online"}, 422),
    ({"procedure": "NOPE"}, 404),
    ({"applicant": {"full_name": ""}}, 422),
    ({"scans": [{"document": "x", "content_base64": "!!!"}]}, 422),
    ({"scans": [{"document": "to-khai", "filename": "a.exe", "content_base64": base64.b64encode(b"MZ...").decode()}]}, 422),
])
def test_bad_desk_registration_changes_nothing(client, office, change, status, app):
    before = db.session.scalar(select(func.count(Dossier.id)))
    files_before = db.session.scalar(select(func.count(DossierFile.id)))
    response = client.post("/api/v1/office/dossiers", json=_registration(office, **change),
                           headers=token(client, office.officer.username))
    assert response.status_code == status, response.get_json()
    assert db.session.scalar(select(func.count(Dossier.id))) == before
    assert db.session.scalar(select(func.count(DossierFile.id))) == files_before


def test_only_the_desk_registers(client, office):
    response = client.post("/api/v1/office/dossiers", json=_registration(office),
                           headers=token(client, office.specialist.username))
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Standard forms as PDF, built from a real dossier


def _form(client, dossier_id, form, headers):
    response = client.get(f"/api/v1/dossiers/{dossier_id}/forms/{form}", headers=headers)
    assert response.status_code == 200, (form, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/pdf"
    return pdf_text(response.data)


def test_receipt_and_control_sheet_carry_the_dossier(client, office):
    headers = token(client, office.officer.username)
    response = client.post("/api/v1/office/dossiers", json=_registration(office), headers=headers)
    dossier = db.session.get(Dossier, response.get_json()["id"])
    text = _form(client, dossier.id, "receipt", headers)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "Mẫu số 01" in text
    assert dossier.code in text and "Nguyễn Thị Hồng Nhung" in text and office.procedure.name_vi[:40] in text
    due = dossier.due_at.astimezone(vn(2026, 1, 1).tzinfo)
    assert f"ngày {due:%d} tháng {due:%m} năm {due:%Y}" in text or f"{due:%d/%m/%Y}" in text
    assert office.officer.full_name in text
    act(dossier.id, "forward", office.officer, dossier.received_at + timedelta(minutes=10))
    sheet = _form(client, dossier.id, "control_sheet", headers)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet and dossier.code in sheet
    assert "Trước hạn" in sheet and "Nguyễn Thị Hồng Nhung" in sheet


def test_supplement_refusal_apology_forms(client, office, app):
    headers = token(client, office.officer.username)
    supplement = new_submitted(office, T0)
    act(supplement.id, "request_supplement", office.officer, T0 + timedelta(hours=1), reason="Tờ khai thiếu chữ ký",
        items=["Tờ khai có chữ ký của người nộp", "Bản sao giấy tờ tùy thân"])
    text = _form(client, supplement.id, "supplement_request", headers)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and "Tờ khai có chữ ký của người nộp" in text
    assert "Tờ khai thiếu chữ ký" in text and "Lò Văn Pả" in text

    refused = new_submitted(office, T0)
    act(refused.id, "refuse_intake", office.officer, T0 + timedelta(hours=1), reason="Không thuộc thẩm quyền giải quyết")
    text = _form(client, refused.id, "refusal", headers)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Không thuộc thẩm quyền giải quyết" in text
    assert office.procedure.name_vi[:40] in text

    late_id = at_stage(office, "tham-dinh")
    late = db.session.get(Dossier, late_id)
    new_due = late.due_at + timedelta(days=5)
    act(late_id, "apologize", office.agency_leader, late.received_at + timedelta(hours=3),
        reason="Cần lấy ý kiến cơ quan phối hợp", new_due_at=new_due)
    text = _form(client, late_id, "apology", headers)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text and "Cần lấy ý kiến cơ quan phối hợp" in text
    local = new_due.astimezone(vn(2026, 1, 1).tzinfo)
    assert f"{local:%d/%m/%Y}" in text or f"ngày {local:%d} tháng {local:%m} năm {local:%Y}" in text
    assert late.code in text


def test_forms_not_reached_unknown_or_foreign(client, office, make_user, app):
    headers = token(client, office.officer.username)
    submitted = new_submitted(office, T0)
    assert client.get(f"/api/v1/dossiers/{submitted.id}/forms/receipt", headers=headers).status_code == 409
    assert client.get(f"/api/v1/dossiers/{submitted.id}/forms/apology", headers=headers).status_code == 409
    assert client.get(f"/api/v1/dossiers/{submitted.id}/forms/nope", headers=headers).status_code == 404
    assert client.get(f"/api/v1/dossiers/{submitted.id}/forms/stop_notice", headers=headers).status_code == 404
    make_user(role="one_stop_officer", agency=_procedure_of_other_agency(office).agency.code, username="khac")
    assert client.get(f"/api/v1/dossiers/{submitted.id}/forms/receipt",
                      headers=token(client, "khac")).status_code == 404


def test_2025_form_set_has_the_stop_notice(client, office, app):
    app.config["FORM_SET"] = "2025"
    try:
        stopped = at_stage(office, "tham-dinh")
        act(stopped, "stop", office.unit_leader, T0 + timedelta(hours=5), reason="Người nộp đề nghị dừng giải quyết")
        headers = token(client, office.officer.username)
        text = _form(client, stopped, "stop_notice", headers)
        assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text and "Mẫu số 05" in text
        assert "Người nộp đề nghị dừng giải quyết" in text
        assert "Mẫu số 06" in _form(client, stopped, "control_sheet", headers)
    finally:
        app.config["FORM_SET"] = "2018"


def test_forms_are_signed_by_the_issuing_officer_or_served_unsigned(client, office, app, monkeypatch, make_user):
    from io import BytesIO

    from pypdf import PdfReader

    from portal.models import User

    headers = token(client, office.officer.username)
    dossier = at_stage(office, "accepted")
    response = client.get(f"/api/v1/dossiers/{dossier}/forms/receipt", headers=headers)
    assert response.headers["X-Form-Signed"] == "true"
    fields = PdfReader(BytesIO(response.data)).get_fields() or {}
    assert any(f.get("/FT") == "/Sig" for f in fields.values())
    # Without a certificate and without automatic issuing, the form is still served, unsigned.
    other = at_stage(build_office(make_user, prefix="y"), "accepted")
    monkeypatch.setitem(app.config, "SIGNING_AUTO_ISSUE", False)
    other_officer = db.session.scalar(select(User).where(User.username == "ymotcua"))
    response = client.get(f"/api/v1/dossiers/{other}/forms/receipt", headers=token(client, other_officer.username))
    assert response.status_code == 200 and response.headers["X-Form-Signed"] == "false"
    assert response.data.startswith(b"%PDF")
