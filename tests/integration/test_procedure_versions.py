"""Administrators change procedures in the application, as versions (issue #16): the admin pages,
the dossiers filed before a change, the API, the audit log, the YAML export and template files."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import delete, func, select

from portal.admin.procedure_forms import as_lines
from portal.extensions import db
from portal.models import AuditEntry, Dossier, Procedure, ProcedureVersion
from portal.operations import dossiers
from portal.operations.catalogue import load_catalogue, write_export
from tests.conftest import PASSWORD, csrf_token_from

CODE = "1.009645"  # Cấp Giấy chứng nhận đăng ký đầu tư: level 4, free of charge, 15 days
URL = f"/quan-tri/thu-tuc/{CODE}"


def procedure() -> Procedure:
    db.session.expire_all()
    return db.session.scalar(select(Procedure).where(Procedure.code == CODE))


def edit_payload(p: Procedure, **overrides) -> dict:
    """What the edit page posts when nothing is touched, with ``overrides``."""
    data = {
        "name_vi": p.name_vi, "name_en": p.name_en, "national_code": p.national_code or "", "level": str(p.level),
        "processing_days": str(p.processing_days), "online_processing_days": str(p.online_processing_days or ""),
        "fee_amount": str(p.fee_amount), "fee_text_vi": p.fee_text_vi, "fee_text_en": p.fee_text_en,
        "fee_basis": p.fee_basis or "", "legal_basis": "\n".join(p.legal_basis), "conditions_vi": p.conditions_vi,
        "conditions_en": p.conditions_en, "applicants_vi": p.applicants_vi, "result_vi": p.result_vi,
        "result_en": p.result_en, "is_published": "y" if p.is_published else "",
        "permit": "y" if p.permit else "", "remote_processing_days": str(p.remote_processing_days or ""),
        "supplement_pauses": "" if (p.clock_rules or {}).get("supplement_pauses") is False else "y",
        "fee_pauses": "" if (p.clock_rules or {}).get("fee_pauses") is False else "y",
        "documents": as_lines([{k: v for k, v in d.items() if k != "template_file"} for d in p.documents]),
        "form_fields": as_lines(p.form_schema), "steps": as_lines(p.steps), "reason": "", "base_version": str(p.version),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "" or k in ("reason",)}


@pytest.fixture
def admin(pages, make_user):
    user = make_user(role="admin", username="quantri", full_name="Quản trị Tỉnh")
    pages.login("quantri", PASSWORD)
    return user


def save(pages, **overrides):
    return pages.submit(URL, edit_payload(procedure(), **overrides))


def counts() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(ProcedureVersion)),
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "procedure.changed")))


def test_a_fee_change_is_a_new_version_and_a_dossier_filed_before_keeps_its_terms(client, pages, admin, make_user):
    citizen = make_user()
    before = procedure()
    old = (before.version, before.documents, before.steps, before.form_schema, before.processing_days)
    draft = dossiers.create_draft(citizen, before, {})
    db.session.commit()
    assert draft.procedure_version == old[0] and draft.fee_amount == 0

    steps = [dict(s) for s in before.steps]
    steps[2]["hours"] -= 8  # one day less for the appraisal, and for the whole procedure
    documents = before.documents[:-1]  # the BCC contract is no longer asked for
    response = save(pages, fee_amount="50000", fee_text_vi="Lệ phí 50.000 đồng/hồ sơ", processing_days="14",
                    steps=as_lines(steps), documents=as_lines(documents),
                    reason="Quyết định số 123/QĐ-UBND ngày 01/12/2026")
    assert response.status_code == 302, response.get_data(as_text=True)
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Đã lưu phiên bản {old[0] + 1}" in summary and "Phí, lệ phí (amount 0 → 50000" in summary
    assert "Thời hạn giải quyết (15 → 14)" in summary and "Thành phần hồ sơ (7 → 6 mục)" in summary

    live = procedure()
    assert (live.version, live.fee_amount, live.processing_days) == (old[0] + 1, 50_000, 14)
    version = db.session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == live.id, ProcedureVersion.number == live.version))
    assert version.author_id == admin.id and version.reason.startswith("Quyết định số 123")
    assert version.snapshot["fee"]["amount"] == 50_000

    dossier = db.session.get(Dossier, draft.id)
    assert dossier.fee_amount == 0 and dossier.procedure_version == old[0]
    terms = dossier.terms
    assert (terms.documents, terms.steps, terms.processing_days) == (old[1], old[2], old[4])
    assert dossier.form_snapshot == old[3]
    assert dossiers.create_draft(citizen, live, {}).terms.fee_amount == 50_000

    api = client.get(f"/api/v1/procedures/{CODE}").get_json()
    assert api["fee"]["amount"] == 50_000 and api["version"] == live.version and api["processing_days"] == 14

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "procedure.changed"))
    assert entry.user_id == admin.id and entry.object_id == CODE
    assert entry.details["reason"] == "Quyết định số 123/QĐ-UBND ngày 01/12/2026"
    assert set(entry.details["before"]) == {"fee", "processing_days", "steps", "documents"}
    assert entry.details["before"]["fee"]["amount"] == 0 and entry.details["after"]["fee"]["amount"] == 50_000

    history = client.get(f"{URL}/lich-su").get_data(as_text=True)
    assert "Quản trị Tỉnh" in history and "Quyết định số 123/QĐ-UBND" in history and "amount: 50000" in history
    assert "Lý do: tệp danh mục" in history and "7 mục → 6 mục" in history


@pytest.mark.parametrize(("overrides", "message"), [
    ({"processing_days": "-3"}, "Thời hạn giải quyết phải là số ngày làm việc nguyên"),
    ({"steps": "- {key: a, name_vi: Bước, name_en: Step, role: specialist, hours: 60}\n"
               "- {key: b, name_vi: Bước, name_en: Step, role: janitor, hours: 60}"},
     "Dòng 2: Quy trình nội bộ: bước “b” có vai trò hoặc số giờ không hợp lệ"),
    ({"steps": "- {key: a, role: specialist, hours: 60}\n- {key: b: c}\n"}, "Dòng 2: không đọc được"),
    ({"steps": "- &a {key: a, role: specialist, hours: 60}\n- *a\n"}, "Dòng 2: không đọc được"),
    ({"fee_amount": "-1"}, "Số tiền phí, lệ phí phải là số nguyên từ 0 đến 1.000.000.000"),
    ({"fee_amount": "9999999999"}, "Số tiền phí, lệ phí phải là số nguyên từ 0 đến 1.000.000.000"),
    ({"fee_amount": "1000", "reason": ""}, "Vui lòng nêu lý do thay đổi"),
    ({}, "Không có gì thay đổi so với phiên bản hiện hành"),
    ({"fee_amount": "1000", "base_version": "0"}, "Thủ tục vừa được người khác thay đổi (nay là phiên bản 1)"),
])
def test_an_invalid_edit_is_refused_with_a_clear_message_and_changes_nothing(pages, admin, overrides, message):
    before, written = procedure().version, counts()
    response = save(pages, **{"reason": "Quyết định số 9/QĐ-UBND", **overrides})
    assert response.status_code == (409 if "base_version" in overrides else 422)
    assert message in response.get_data(as_text=True)
    assert procedure().version == before and counts() == written


def test_the_yaml_export_loads_back_without_any_change(app, pages, admin, tmp_path, runner):
    assert save(pages, fee_amount="25000", national_code="1.009645.000.00.00.H33",
                reason="Quyết định số 7/QĐ-UBND").status_code == 302
    result = runner.invoke(args=["catalogue", "export", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "data" / "procedures").glob("*.yaml"))) == 30
    written = counts()
    report = load_catalogue(tmp_path / "data")
    assert not report.changed and report.unchanged["procedures"] == 30
    assert counts() == written and procedure().fee_amount == 25_000
    assert procedure().national_code == "1.009645.000.00.00.H33"

    unchanged_files = load_catalogue()  # the shipped files have not changed since they were loaded
    assert not unchanged_files.changed and procedure().fee_amount == 25_000

    archive = zipfile.ZipFile(io.BytesIO(pages.client.get("/quan-tri/thu-tuc/xuat-danh-muc.zip").data))
    assert "data/fields.yaml" in archive.namelist() and len(archive.namelist()) == 32


def test_a_changed_catalogue_file_is_a_version_by_the_system(app, tmp_path):
    write_export(tmp_path / "data")
    target = next((tmp_path / "data" / "procedures").glob("01-*.yaml"))
    target.write_text(target.read_text(encoding="utf-8").replace("amount: 0", "amount: 30000", 1), encoding="utf-8")
    number = procedure().version
    assert load_catalogue(tmp_path / "data").updated["procedures"] == 1
    version = db.session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == procedure().id, ProcedureVersion.number == number + 1))
    assert version.author_id is None and version.reason == "catalogue file" and procedure().fee_amount == 30_000


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(pages, data: bytes, filename: str, reason: str = "Quyết định số 5/QĐ-UBND"):
    page = pages.client.get(URL).get_data(as_text=True)
    return pages.client.post(f"{URL}/mau-don", data={
        "csrf_token": csrf_token_from(page), "template-document": "van-ban-de-nghi", "template-reason": reason,
        "template-file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_a_template_uploaded_is_downloadable_from_the_public_page(client, pages, admin):
    content = docx_bytes()
    response = upload(pages, content, "Mẫu A.I.1.docx")
    assert response.status_code == 302, response.get_data(as_text=True)
    public = client.get(f"/thu-tuc/{CODE}").get_data(as_text=True)
    link = f"/thu-tuc/{CODE}/mau/van-ban-de-nghi"
    assert link in public and "Tải mẫu: Mẫu A.I.1 Thông tư 03/2021/TT-BKHĐT" in public
    download = client.get(link)
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in download.headers["Content-Disposition"] and ".docx" in download.headers["Content-Disposition"]
    assert client.get(f"/thu-tuc/{CODE}/mau/tu-cach-phap-ly").status_code == 404
    documents = {d["key"]: d for d in client.get(f"/api/v1/procedures/{CODE}").get_json()["documents"]}
    assert documents["van-ban-de-nghi"]["template_url"].endswith(link)
    assert documents["van-ban-de-nghi"]["template_file"]["name"] == "Mẫu A.I.1.docx"
    assert documents["tu-cach-phap-ly"]["template_url"] is None
    # the template stays when the documents are edited as text
    assert save(pages, fee_amount="1000", reason="Quyết định số 6/QĐ-UBND").status_code == 302
    assert client.get(link).data == content
    page = client.get(URL).get_data(as_text=True)
    removed = client.post(f"{URL}/mau-don", data={"csrf_token": csrf_token_from(page), "template-remove": "y",
                                                  "template-document": "van-ban-de-nghi",
                                                  "template-reason": "Quyết định số 10/QĐ-UBND"})
    assert removed.status_code == 302 and client.get(link).status_code == 404
    assert "Tải mẫu:" not in client.get(f"/thu-tuc/{CODE}").get_data(as_text=True)


def test_a_template_of_a_wrong_type_is_refused(pages, admin):
    written = counts()
    response = upload(pages, b"<html><script>alert(1)</script></html>", "mau.docx")
    assert response.status_code == 422
    assert "chỉ nhận tệp PDF, DOC, DOCX, XLS, XLSX hoặc ODT" in response.get_data(as_text=True)
    assert counts() == written and all("template_file" not in d for d in procedure().documents)


def test_only_administrators_reach_the_procedure_pages(client, pages, make_user):
    assert client.get("/quan-tri/thu-tuc/").status_code in (302, 401)
    make_user(role="specialist", agency="so-tai-chinh", username="chuyenvien")
    pages.login("chuyenvien", PASSWORD)
    for url in ("/quan-tri/thu-tuc/", URL, f"{URL}/lich-su", "/quan-tri/thu-tuc/xuat-danh-muc.zip"):
        assert client.get(url).status_code == 403, url
    assert client.post(URL, data={"reason": "x"}).status_code in (400, 403)
    assert procedure().version == 1


def test_the_list_searches_and_filters(client, pages, admin):
    assert pages.submit(URL, edit_payload(procedure(), is_published="", reason="Quyết định số 8/QĐ-UBND")).status_code == 302
    hidden = client.get("/quan-tri/thu-tuc/?published=no").get_data(as_text=True)
    assert CODE in hidden and hidden.count("/lich-su") == 1
    assert client.get(f"/thu-tuc/{CODE}").status_code == 404
    found = client.get("/quan-tri/thu-tuc/?q=giay+phep+xay+dung&agency=ubnd-phuong-tan-phong&level=3")
    assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in found.get_data(as_text=True)
    assert "Cấp giấy phép xây dựng" not in client.get("/quan-tri/thu-tuc/?q=giay+phep+xay+dung&level=4").get_data(as_text=True)
    assert client.get("/quan-tri/thu-tuc/khong-co").status_code == 404


def test_a_procedure_loaded_before_versions_gets_its_state_kept_at_its_first_change(pages, admin, make_user):
    db.session.execute(delete(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure().id))
    db.session.commit()
    draft = dossiers.create_draft(make_user(), procedure(), {})
    db.session.commit()
    assert save(pages, fee_amount="1000", reason="Quyết định số 11/QĐ-UBND").status_code == 302
    versions = db.session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure().id)
                                  .order_by(ProcedureVersion.number)).all()
    assert [(v.number, v.reason, v.author_id) for v in versions] == [
        (1, "catalogue file", None), (2, "Quyết định số 11/QĐ-UBND", admin.id)]
    assert db.session.get(Dossier, draft.id).terms.fee_amount == 0


def test_the_permit_flag_and_the_remote_limit_are_edited_on_the_page(pages, admin):
    assert procedure().permit and procedure().remote_processing_days is None
    response = save(pages, permit="", remote_processing_days="20", reason="Quyết định số 7/QĐ-UBND")
    assert response.status_code == 302, response.get_data(as_text=True)
    live = procedure()
    assert not live.permit and live.remote_processing_days == 20
    snapshot = db.session.scalar(select(ProcedureVersion.snapshot).where(
        ProcedureVersion.procedure_id == live.id, ProcedureVersion.number == live.version))
    assert "permit" not in snapshot and snapshot["remote_processing_days"] == 20
    response = save(pages, remote_processing_days="3", reason="Quyết định số 8/QĐ-UBND")
    assert response.status_code == 422 and "vùng sâu, vùng xa" in response.get_data(as_text=True)


def test_the_clock_rules_are_edited_on_the_page_and_a_dossier_keeps_the_rules_it_was_filed_under(
        pages, admin, make_user):
    from portal.operations.lifecycle import clock_rules

    live = procedure()
    assert live.clock_rules is None
    page = pages.client.get(URL).get_data(as_text=True)
    assert 'name="fee_pauses"' in page and "Tạm dừng tính thời hạn" in page
    citizen = make_user(role="citizen")
    filed_before = dossiers.create_draft(citizen, live, {})
    db.session.commit()

    response = save(pages, fee_pauses="", reason="Quyết định số 9/QĐ-UBND")
    assert response.status_code == 302, response.get_data(as_text=True)
    live = procedure()
    assert live.clock_rules == {"fee_pauses": False}  # the catalogue's notation: only what departs
    snapshot = db.session.scalar(select(ProcedureVersion.snapshot).where(
        ProcedureVersion.procedure_id == live.id, ProcedureVersion.number == live.version))
    assert snapshot["clock_rules"] == {"fee_pauses": False}
    assert 'name="fee_pauses"' in pages.client.get(URL).get_data(as_text=True)
    assert 'id="fee_pauses" name="fee_pauses" type="checkbox" value="y">' in pages.client.get(URL).get_data(as_text=True)

    filed_after = dossiers.create_draft(citizen, live, {})
    db.session.commit()
    assert not clock_rules(filed_after).fee_pauses and clock_rules(filed_after).supplement_pauses
    assert clock_rules(db.session.get(Dossier, filed_before.id)).fee_pauses  # filed under the earlier rules

    response = save(pages, fee_pauses="y", reason="Quyết định số 10/QĐ-UBND")  # both ticked: the default, no rules
    assert response.status_code == 302 and procedure().clock_rules is None
