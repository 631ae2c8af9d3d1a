"""Administrators keep the agencies (/quan-tri/co-quan), and the forms print the header of the
body that acts: the one-stop unit on desk forms, the deciding agency on its letters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, AuditEntry, Dossier, Procedure
from portal.operations.calendar import working_calendar
from portal.operations.signing import render_default_result
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords, pdf_text  # noqa: F401


def agency(code: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == code))


def as_admin(pages, make_user):
    make_user(role="admin", username="quantri")
    assert pages.login("quantri", PASSWORD).status_code == 302


def fields_of(a: Agency, **changes) -> dict:
    """The edit form's fields as the page shows them for ``a``, with ``changes``."""
    values = {"code": a.code, "identifier": a.identifier, "name_vi": a.name_vi, "name_en": a.name_en,
              "level": a.level, "parent_id": a.parent_id or 0, "governing_body": a.governing_body or "",
              "printed_name": a.printed_name or "", "place_name": a.place_name or "",
              "document_symbol": a.document_symbol or "", "one_stop_unit_id": a.one_stop_unit_id or 0, "phone": "",
              "email": "", "address": "", "morning_start": "", "morning_end": "", "afternoon_start": "",
              "afternoon_end": ""}
    return {**values, **changes}


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_the_tree_lists_every_agency_under_its_parent(client, pages, make_user):
    as_admin(pages, make_user)
    html = client.get("/quan-tri/co-quan").get_data(as_text=True)
    for name in ("Ủy ban nhân dân tỉnh Lai Châu", "Trung tâm Phục vụ hành chính công tỉnh Lai Châu",
                 "Sở Y tế tỉnh Lai Châu", "Công an tỉnh Lai Châu", "Trung tâm Phục vụ hành chính công xã Tam Đường"):
        assert name in html
    # the commune's centre is nested under the commune, which is nested under the province
    assert html.index("Ủy ban nhân dân tỉnh Lai Châu") < html.index("Ủy ban nhân dân xã Tam Đường") \
        < html.index("Trung tâm Phục vụ hành chính công xã Tam Đường")


def test_create_then_edit_an_agency_audited_before_and_after(client, pages, make_user):
    as_admin(pages, make_user)
    centre = agency("trung-tam-phvhcc")
    province = agency("ubnd-tinh")
    response = pages.submit("/quan-tri/co-quan/moi", {
        "code": "thue-tinh", "identifier": "000.00.14.h33", "name_vi": "Thuế tỉnh Lai Châu",
        "name_en": "Lai Chau Tax", "level": "vertical", "parent_id": 0,
        "governing_body": "Cục Thuế", "printed_name": "Thuế tỉnh Lai Châu",
        "one_stop_unit_id": centre.id, "phone": "0213 3876 543", "email": "thue@laichau.gov.vn",
        "address": "Phường Tân Phong, tỉnh Lai Châu", "morning_start": "07:30", "morning_end": "11:30",
        "afternoon_start": "13:30", "afternoon_end": "17:30"})
    assert response.status_code == 302
    created = agency("thue-tinh")
    assert created.identifier == "000.00.14.H33" and created.printed_name == "THUẾ TỈNH LAI CHÂU"
    assert created.one_stop_unit_id == centre.id and created.level == "vertical"
    # its own hours count for its deadlines
    assert working_calendar(created.id).working_hours.opening.strftime("%H:%M") == "07:30"
    (entry,) = audits("agency.created")
    assert entry.details["before"] is None and entry.details["after"]["one_stop_unit"] == "trung-tam-phvhcc"
    assert entry.details["after"]["working_hours"] == [["07:30", "11:30"], ["13:30", "17:30"]]

    page = client.get(f"/quan-tri/co-quan/{created.id}").get_data(as_text=True)
    assert "0213 3876 543" in page and 'value="07:30"' in page
    response = pages.submit(f"/quan-tri/co-quan/{created.id}", fields_of(
        created, name_vi="Thuế khu vực Lai Châu", level="department", parent_id=province.id,
        phone="0213 3876 543"))
    assert response.status_code == 302
    db.session.expire_all()
    edited = agency("thue-tinh")
    assert edited.name_vi == "Thuế khu vực Lai Châu" and edited.parent_id == province.id
    assert working_calendar(edited.id).working_hours.opening.strftime("%H:%M") == "07:00"  # back to the default
    (entry,) = audits("agency.updated")
    assert entry.object_id == str(edited.id) and entry.user_id is not None
    assert entry.details["before"]["name_vi"] == "Thuế tỉnh Lai Châu"
    assert entry.details["after"]["name_vi"] == "Thuế khu vực Lai Châu"
    assert entry.details["before"]["level"] == "vertical" and entry.details["after"]["parent"] == "ubnd-tinh"


def test_a_cycle_is_refused(client, pages, make_user):
    as_admin(pages, make_user)
    health = agency("so-noi-vu")
    child = agency("trung-tam-dich-vu-viec-lam")  # under Sở Nội vụ
    response = pages.submit(f"/quan-tri/co-quan/{health.id}", fields_of(health, parent_id=child.id))
    assert response.status_code == 422
    assert "chính cơ quan này hoặc một đơn vị trực thuộc nó" in response.get_data(as_text=True)
    db.session.expire_all()
    assert agency("so-noi-vu").parent_id == agency("ubnd-tinh").id and audits("agency.updated") == []


def test_a_commune_under_a_department_is_refused(client, pages, make_user):
    as_admin(pages, make_user)
    commune = agency("ubnd-xa-tam-duong")
    response = pages.submit(f"/quan-tri/co-quan/{commune.id}", fields_of(commune, parent_id=agency("so-y-te").id))
    assert response.status_code == 422 and "Cơ quan cấp trên không phù hợp" in response.get_data(as_text=True)


def test_a_duplicate_identifier_is_refused_and_nothing_changes(client, pages, make_user):
    as_admin(pages, make_user)
    health = agency("so-y-te")
    taken = agency("so-tu-phap").identifier
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = pages.submit(f"/quan-tri/co-quan/{health.id}", fields_of(
        health, identifier=taken, name_vi="Sở Y tế (đổi tên)"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Mã định danh {taken} đã được dùng cho một cơ quan khác" in html
    db.session.expire_all()
    health = agency("so-y-te")
    assert health.identifier == "000.00.07.H33" and health.name_vi == "Sở Y tế tỉnh Lai Châu"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    # a hyphen would break the dossier codes made from the identifier
    response = pages.submit(f"/quan-tri/co-quan/{health.id}", fields_of(health, identifier="000-07"))
    assert response.status_code == 422 and "không có dấu gạch ngang" in response.get_data(as_text=True)
    # a new agency with a taken code is refused too, and nothing is created
    count = db.session.scalar(select(func.count()).select_from(Agency))
    response = pages.submit("/quan-tri/co-quan/moi", fields_of(health, identifier="000.00.99.H33", parent_id=0))
    assert response.status_code == 422 and "Mã quản trị so-y-te đã được dùng" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Agency)) == count


def test_non_admins_are_refused(client, pages, make_user):
    make_user(role="one_stop_officer", agency="so-y-te", username="motcua")
    pages.login("motcua", PASSWORD)
    assert client.get("/quan-tri/co-quan").status_code == 403
    assert client.get(f"/quan-tri/co-quan/{agency('so-y-te').id}").status_code == 403
    assert client.get("/quan-tri/co-quan/moi").status_code == 403


def _procedure_of(agency_code: str) -> Procedure:
    return db.session.scalar(select(Procedure).join(Agency, Agency.id == Procedure.agency_id)
                             .where(Agency.code == agency_code).order_by(Procedure.seed_item).limit(1))


def test_a_commune_receipt_carries_the_commune_header(client, pages, make_user, fast_passwords):  # noqa: F811
    office = build_office(make_user, _procedure_of("ubnd-xa-tam-duong"))
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    pages.login(office.officer.username, PASSWORD)
    text = pdf_text(client.get(f"/mot-cua/ho-so/{dossier.id}/bieu-mau/receipt.pdf").data)
    assert "UBND XÃ TAM ĐƯỜNG" in text and "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in text
    assert "Trung tâm Phục vụ hành chính công xã Tam Đường tiếp nhận hồ sơ" in text
    assert "UBND TỈNH LAI CHÂU" not in text and "TỈNH LAI CHÂU" not in text.split("CỘNG HÒA")[0]


def test_a_department_prints_its_own_name_on_its_result_and_renaming_keeps_codes(
        client, pages, make_user, fast_passwords):  # noqa: F811
    office = build_office(make_user, _procedure_of("so-y-te"))
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    dossier = db.session.get(Dossier, dossier.id)
    code = dossier.code
    result = pdf_text(render_default_result(dossier, office.agency_leader, vn(2026, 11, 24, 9, 0)).pdf)
    assert "UBND TỈNH LAI CHÂU SỞ Y TẾ" in result
    pages.login(office.officer.username, PASSWORD)
    receipt = pdf_text(client.get(f"/mot-cua/ho-so/{dossier.id}/bieu-mau/receipt.pdf").data)
    assert "UBND TỈNH LAI CHÂU TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in receipt and "SỞ Y TẾ" not in receipt
    pages.logout()
    as_admin(pages, make_user)
    health = agency("so-y-te")
    response = pages.submit(f"/quan-tri/co-quan/{health.id}", fields_of(
        health, name_vi="Sở Y tế và Dân số tỉnh Lai Châu", printed_name="Sở Y tế và Dân số", identifier="H34.07"))
    assert response.status_code == 302
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.code == code and code.startswith("000.00.07.H33-")
    result = pdf_text(render_default_result(dossier, office.agency_leader, vn(2026, 11, 24, 9, 0)).pdf)
    assert "SỞ Y TẾ VÀ DÂN SỐ" in result and code in result


def test_the_place_and_the_symbol_of_an_agency_come_from_its_page(client, pages, make_user, fast_passwords):  # noqa: F811
    office = build_office(make_user, _procedure_of("so-y-te"))
    as_admin(pages, make_user)
    health = agency("so-y-te")
    bad = pages.submit(f"/quan-tri/co-quan/{health.id}", fields_of(health, document_symbol="S Y/T"))
    assert bad.status_code == 422 and "chỉ gồm chữ in hoa và chữ số" in bad.get_data(as_text=True)
    response = pages.submit(f"/quan-tri/co-quan/{health.id}", fields_of(
        health, place_name="Thành phố Lai Châu", document_symbol="syt-ds".replace("-", "")))
    assert response.status_code == 302
    (entry,) = audits("agency.updated")[-1:]
    assert entry.details["after"]["place_name"] == "Thành phố Lai Châu" and entry.details["after"]["document_symbol"] == "SYTDS"
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    result = pdf_text(render_default_result(db.session.get(Dossier, dossier.id), office.agency_leader,
                                            vn(2026, 11, 24, 9, 0)).pdf)
    assert re.search(r"Thành phố Lai Châu,\s+ngày 24 tháng 11 năm 2026", result), result
    assert re.search(r"Số: 01/[A-ZĐ]+-SYTDS\b", result), result


@pytest.mark.parametrize("path", ["/quan-tri/co-quan/999999", "/quan-tri/co-quan/0"])
def test_an_unknown_agency_is_a_404(client, pages, make_user, path):
    as_admin(pages, make_user)
    assert client.get(path).status_code == 404


def test_the_api_shows_the_competent_agency_with_its_header_and_one_stop_unit(client):
    procedure = _procedure_of("ubnd-xa-tam-duong")
    body = client.get(f"/api/v1/procedures/{procedure.code}").get_json()
    assert body["agency"]["printed_name"] == "XÃ TAM ĐƯỜNG" and body["agency"]["level"] == "commune"
    assert body["agency"]["one_stop_unit"]["code"] == "trung-tam-phvhcc-xa-tam-duong"


def test_a_level_its_units_cannot_sit_under_is_refused(client, pages, make_user):
    as_admin(pages, make_user)
    home_affairs = agency("so-noi-vu")  # has the employment service centre (a department) under it
    response = pages.submit(f"/quan-tri/co-quan/{home_affairs.id}", fields_of(home_affairs, level="centre"))
    assert response.status_code == 422 and "Không đổi được cấp" in response.get_data(as_text=True)
    db.session.expire_all()
    assert agency("so-noi-vu").level == "department"


def test_the_seed_data_refuses_a_commune_under_a_department(app, tmp_path):
    import shutil

    from portal.operations.catalogue import DATA_DIR, read_catalogue, validate_catalogue

    shutil.copytree(DATA_DIR, tmp_path / "data")
    target = tmp_path / "data" / "agencies.yaml"
    text = target.read_text(encoding="utf-8")
    start = text.index("- code: ubnd-xa-tam-duong")
    target.write_text(text[:start] + text[start:].replace("parent: ubnd-tinh", "parent: so-y-te", 1), encoding="utf-8")
    problems = validate_catalogue(read_catalogue(tmp_path / "data"))
    assert problems == ["agencies.yaml: ubnd-xa-tam-duong: a commune cannot be under a department"]
