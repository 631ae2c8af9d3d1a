"""Every document the system issues, read back with pdftotext as a citizen or an inspector reads it.

For a commune, a department and a police procedure, one dossier each walks to its result (with a
supplement request and an apology on the way), others are stopped, withdrawn and refused at the
desk; then every form of both sets (Thông tư 01/2018/TT-VPCP and 03/2025/TT-VPCP) and the signed
result are rendered and checked: the issuing body in the header, a number after "Số:", the
applicant's address, document names and option labels (never a data key), no "DỰ THẢO" on
anything signed.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.documents import render_register
from portal.extensions import db
from portal.models import Dossier, DossierFile, Procedure
from portal.models.register import RegisteredDocument
from portal.operations import dossiers, forms
from portal.operations.drafts import add_result_draft
from portal.storage import read_blob
from tests.conftest import require_tool
from tests.integration.lifecycle_helpers import act, build_office, vn
from workflow.states import ResultKind

ADDRESS = "Bản Nà Luồng, xã Tam Đường, tỉnh Lai Châu"
PROXY = {"proxy_name": "Tòng Thị Phóng", "proxy_id_number": "012345000777", "proxy_address": "Tổ 5, phường Tân Phong",
         "proxy_phone": "0987654321", "proxy_email": "phong@example.vn", "authorisation": "Giấy ủy quyền số 15/2026"}
# A data key as printed by mistake: "dai-hoc-duoc", "van-bang" (not the dossier code, not "V/v").
KEY = re.compile(r"(?<![\w/.-])[a-z]+-[a-z-]+(?![\w])")
NUMBER = re.compile(r"Số: (\d{2,}/\S+)")

CASES = {
    # procedure: (desk header lines, letter header lines, place, result title, a label that must
    # replace a stored option key, the e-form values)
    "LC-24": (("UBND XÃ TAM ĐƯỜNG", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"), ("ỦY BAN NHÂN DÂN", "XÃ TAM ĐƯỜNG"),
              "Tam Đường", "QUYẾT ĐỊNH", None, {"residence": ADDRESS, "birth_date": "1948-03-02"}),
    "LC-21": (("UBND TỈNH LAI CHÂU", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"), ("UBND TỈNH LAI CHÂU", "SỞ Y TẾ"),
              "Lai Châu", "CHỨNG CHỈ HÀNH NGHỀ DƯỢC", "Bằng tốt nghiệp đại học ngành dược",
              {"address": ADDRESS, "degree": "dai-hoc-duoc", "practice_position": "Nhà thuốc", "practice_months": 24}),
    "LC-04": (("UBND TỈNH LAI CHÂU", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"), ("BỘ CÔNG AN", "CÔNG AN TỈNH LAI CHÂU"),
              "Lai Châu", "GIẤY PHÉP LÁI XE", None,
              {"licence_number": "120123456789", "licence_class": "B", "issuing_authority": "Sở GTVT Lai Châu",
               "delivery_address": ADDRESS}),
}


def _text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([require_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return " ".join(out.split())


def _title(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([require_tool("pdfinfo"), "-enc", "UTF-8", str(path)], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    return next((line for line in info.splitlines() if line.startswith("Title:")), "")


def _dossier(office, form_data: dict, when, **applicant) -> Dossier:
    dossier = dossiers.create_draft(office.citizen, office.procedure, dict(form_data))
    dossier.applicant = {**dossier.applicant, **applicant}
    db.session.commit()
    return act(dossier.id, "submit", office.citizen, when)


def _walk(office, dossier_id: int, t):
    """From the first internal step to the clerk's issue (status 9), the specialist generating a draft."""
    dossier = db.session.get(Dossier, dossier_id)
    while True:
        t += timedelta(hours=1)
        actor = office.by_role(dossier.holder_role)
        if dossier.holder_role == "specialist" and not dossier.result_proposed:
            add_result_draft(dossier, actor, data=None, filename="", generate=True, now=t)
            dossier = act(dossier_id, "propose_result", actor, t, reason="Đủ điều kiện theo quy định")
        if dossier.holder_role == "agency_leader" and not dossier.result_signed:
            dossier = act(dossier_id, "approve", actor, t)
        if dossier.holder_role == "clerk":
            return act(dossier_id, "issue_result", actor, t)
        dossier = act(dossier_id, "forward", actor, t)


def _to_leader(office, dossier_id: int, t):
    """From the first internal step to the agency leader's step, the specialist proposing a refusal."""
    dossier = db.session.get(Dossier, dossier_id)
    while dossier.holder_role != "agency_leader":
        t += timedelta(hours=1)
        actor = office.by_role(dossier.holder_role)
        if dossier.holder_role == "specialist" and not dossier.result_proposed:
            dossier = act(dossier_id, "propose_result", actor, t, reason="Không đủ điều kiện", result_kind=ResultKind.REFUSED)
        dossier = act(dossier_id, "forward", actor, t)
    return t


@pytest.fixture
def agencies_with_phones(app):
    """The one-stop units state their phone (printed on the supplement request)."""
    from portal.models import Agency

    for agency in db.session.scalars(select(Agency).where(Agency.level == "centre")):
        agency.phone = "0213 3876 543"
    db.session.commit()


@pytest.mark.parametrize("code", sorted(CASES))
def test_every_form_of_both_sets_and_the_result(app, make_user, tmp_path, monkeypatch, code, agencies_with_phones):
    desk_lines, letter_lines, place, result_title, label, form_data = CASES[code]
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
    office = build_office(make_user, procedure, prefix=f"{code.lower().replace('-', '')}_")
    monkeypatch.setitem(app.config, "FORM_SET", "2025")  # the stop notice exists in this set only
    start = vn(2026, 11, 23, 8, 0)

    # Where the e-form asks for the address, the applicant typed it there only (not in the profile).
    typed = any(f.get("prefill") == "address" for f in procedure.form_schema)
    main = _dossier(office, form_data, start, address="" if typed else ADDRESS, **PROXY)
    item = procedure.documents[0]
    act(main.id, "accept", office.officer, start + timedelta(minutes=5))
    act(main.id, "request_supplement", office.officer, start + timedelta(minutes=30), reason="Ảnh chụp mờ",
        items=[item["key"]])
    act(main.id, "supplement", office.citizen, start + timedelta(hours=2))
    act(main.id, "forward", office.officer, start + timedelta(hours=3))
    due = db.session.get(Dossier, main.id).due_at
    act(main.id, "apologize", office.agency_leader, start + timedelta(hours=4), reason="Cần xác minh thêm",
        new_due_at=due + timedelta(days=5))
    main = _walk(office, main.id, start + timedelta(hours=5))
    assert main.status == "processed"

    stopped = _dossier(office, form_data, start, address=ADDRESS)
    act(stopped.id, "accept", office.officer, start + timedelta(minutes=10))
    act(stopped.id, "stop", office.agency_leader, start + timedelta(hours=1), reason="Hồ sơ giả mạo giấy tờ")
    withdrawn = _dossier(office, form_data, start, address=ADDRESS)
    act(withdrawn.id, "accept", office.officer, start + timedelta(minutes=15))
    act(withdrawn.id, "withdraw", office.citizen, start + timedelta(hours=1), reason="Không còn nhu cầu")
    refused = _dossier(office, form_data, start, address=ADDRESS)
    act(refused.id, "refuse_intake", office.officer, start + timedelta(minutes=20), reason="Không thuộc thẩm quyền")
    declined = _dossier(office, form_data, start, address=ADDRESS)
    act(declined.id, "accept", office.officer, start + timedelta(minutes=25))
    act(declined.id, "forward", office.officer, start + timedelta(minutes=26))
    t = _to_leader(office, declined.id, start + timedelta(minutes=30))
    declined = act(declined.id, "refuse", office.agency_leader, t + timedelta(hours=1),
                   reason="Chưa đủ thời gian thực hành chuyên môn theo quy định")
    assert declined.status == "processed" and declined.result_signed

    # The numbers were taken when the acts were done, one per issued document, never twice.
    entries = list(db.session.scalars(select(RegisteredDocument).where(
        RegisteredDocument.dossier_id.in_([main.id, stopped.id, withdrawn.id, refused.id]))))
    assert {e.document for e in entries} >= {"receipt", "supplement_request", "apology", "stop_notice", "refusal",
                                            "result"}
    assert len({(e.agency_id, e.year, e.book, e.number) for e in entries}) == len(entries)

    numbers: dict[str, str] = {}
    for form_set in ("2018", "2025"):
        monkeypatch.setitem(app.config, "FORM_SET", form_set)
        cases = [(main, "receipt"), (main, "supplement_request"), (main, "apology"), (main, "control_sheet"),
                 (refused, "refusal")]
        if form_set == "2025":
            cases += [(stopped, "stop_notice"), (withdrawn, "stop_notice")]
        for dossier, form in cases:
            events = forms._events(dossier)
            assert form in forms.available_forms(dossier, events), (form_set, form)
            rendered = forms.render_form(dossier, form)
            db.session.commit()
            text = _text(rendered.pdf, tmp_path, f"{form_set}-{form}")
            where = f"{code} {form_set} {form}: {text[:300]}"
            letter = form in ("apology", "stop_notice")
            for line in letter_lines if letter else desk_lines:
                assert line in text, where
            assert f"{place}, ngày" in text, where
            number = NUMBER.search(text)
            assert number, where
            numbers.setdefault(f"{dossier.id}-{form}", number[1])
            assert numbers[f"{dossier.id}-{form}"] == number[1], where  # the same document, the same number
            if form not in ("control_sheet", "apology"):
                assert ADDRESS in text, where
            assert not KEY.search(text), f"{KEY.search(text)[0]!r} in {where}"
            if rendered.signed:
                assert "DỰ THẢO" not in text and "DỰ THẢO" not in _title(rendered.pdf, tmp_path), where
            else:
                assert form == "control_sheet", f"{where} is not signed"
            if form == "supplement_request":
                assert item["name_vi"].split(",")[0][:40] in text and "0213 3876 543" in text, where
            if form == "receipt" and form_set == "2025":
                for value in ("012345000777", "Tổ 5, phường Tân Phong", "0987654321", "phong@example.vn",
                              "Giấy ủy quyền số 15/2026", "Quyển số (nếu có)", "Chữ ký số của người tiếp nhận"):
                    assert value in text, (value, where)
            if form == "apology":
                title = ("VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" if form_set == "2025"
                         else "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
                assert title in text and "Nơi nhận" in text, where
            if form == "stop_notice":
                assert "Nơi nhận" in text, where
                if dossier.id == withdrawn.id:
                    assert "rút hồ sơ" in text and office.agency_leader.full_name in text, where

    # The register (sổ theo dõi) of the one-stop unit: its header and its book number.
    day = start.date()
    register = render_register(forms.register_data(main.agency_id, None, day, day + timedelta(days=1)), "2025")
    text = _text(register.pdf, tmp_path, "register")
    assert all(line in text for line in desk_lines) and re.search(r"Quyển số: 2026", text)
    assert ADDRESS in text and not KEY.search(text)

    # The signed result: the document the catalogue names, under the deciding agency's header.
    result = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == main.id,
                                                         DossierFile.kind == "result"))
    pdf = read_blob(result.blob_sha256)
    text = _text(pdf, tmp_path, "result")
    where = f"{code} result: {text[:400]}"
    assert all(line in text for line in letter_lines) and f"{place}, ngày" in text, where
    assert NUMBER.search(text) and result_title in text and "Nơi nhận" in text, where
    assert ADDRESS in text and office.agency_leader.full_name in text, where
    assert "DỰ THẢO" not in text and "DỰ THẢO" not in _title(pdf, tmp_path), where
    assert "hoặc văn bản" not in text and not KEY.search(text), where
    if label:
        assert label in text, where
    # The refused request: the agency's written reply with its reasons, numbered, signed.
    reply = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == declined.id,
                                                        DossierFile.kind == "result"))
    text = _text(read_blob(reply.blob_sha256), tmp_path, "reply")
    where = f"{code} reply: {text[:400]}"
    assert all(line in text for line in letter_lines) and NUMBER.search(text) and "V/v trả lời hồ sơ" in text, where
    assert "Chưa đủ thời gian thực hành chuyên môn" in text and ADDRESS in text and "DỰ THẢO" not in text, where
    assert NUMBER.search(text)[1] != NUMBER.search(_text(pdf, tmp_path, "result"))[1]
    # The draft the specialist generated stays a draft, without a number.
    draft = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == main.id,
                                                        DossierFile.kind == "result_draft"))
    draft_text = _text(read_blob(draft.blob_sha256), tmp_path, "draft")
    assert "DỰ THẢO" in draft_text and not NUMBER.search(draft_text)


def test_the_desk_records_the_proxy_for_the_2025_receipt(app, make_user, tmp_path, monkeypatch):
    from portal.operations import desk

    procedure = db.session.scalar(select(Procedure).where(Procedure.code == "LC-21"))
    office = build_office(make_user, procedure, prefix="proxy_")
    monkeypatch.setitem(app.config, "FORM_SET", "2025")
    paper = [d["key"] for d in procedure.documents if d.get("required")]
    dossier = desk.register_at_desk(office.officer, desk.DeskRegistration(
        procedure_code="LC-21", channel="in_person", paper_documents=paper,
        applicant={"full_name": "Lò Thị Hoa", "id_number": "012345678901", "address": ADDRESS, **PROXY}),
        now=vn(2026, 11, 23, 9, 0))
    db.session.commit()
    text = _text(forms.render_form(dossier, "receipt").pdf, tmp_path, "desk-receipt")
    for value in (*PROXY.values(), ADDRESS, "Quyển số (nếu có)", "Chữ ký số của người tiếp nhận"):
        assert value in text, (value, text)
    assert NUMBER.search(text)
    with pytest.raises(dossiers.DossierError):
        desk.register_at_desk(office.officer, desk.DeskRegistration(
            procedure_code="LC-21", channel="in_person", paper_documents=paper,
            applicant={"full_name": "Lò Thị Hoa", **PROXY, "proxy_id_number": "12-34"}))
