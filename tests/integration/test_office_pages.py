"""Office pages: queue, dossier page with its actions, desk registration, forms, register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile
from portal.models.types import utcnow
from tests.conftest import csrf_token_from
from tests.integration.filing_helpers import PDF
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords, login, pdf_text, post_action, status_of  # noqa: F401


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def test_queue_home_lists_the_agency_dossiers_with_time_left(client, pages, office, make_user):
    now = utcnow()
    late = new_submitted(office, now - timedelta(days=40))
    act(late.id, "accept", office.officer, now - timedelta(days=40) + timedelta(minutes=5))
    fresh = new_submitted(office, now - timedelta(minutes=30))
    other = make_user(role="one_stop_officer", agency="so-tu-phap" if office.procedure.agency.code != "so-tu-phap"
                      else "so-tai-chinh", username="khac")
    login(pages, office.officer)
    html = client.get("/mot-cua/").get_data(as_text=True)
    code = status_of(late.id).code
    assert code in html and "is-overdue" in html and "quá hạn" in html
    assert "Lò Văn Pả" in html
    new_html = client.get("/mot-cua/?queue=new").get_data(as_text=True)
    assert f"/mot-cua/ho-so/{fresh.id}\"" in new_html and code not in new_html
    assert code in client.get(f"/mot-cua/?queue=all&q={code}").get_data(as_text=True)
    assert "Không tìm thấy hồ sơ nào" in client.get("/mot-cua/?queue=all&q=Không Ai Cả").get_data(as_text=True)
    overdue = client.get("/mot-cua/?queue=overdue").get_data(as_text=True)
    assert code in overdue and f"/mot-cua/ho-so/{fresh.id}\"" not in overdue
    login(pages, other)
    assert code not in client.get("/mot-cua/?queue=all").get_data(as_text=True)
    assert client.get(f"/mot-cua/ho-so/{late.id}").status_code == 404
    assert client.get(f"/mot-cua/ho-so/{late.id}/bieu-mau/receipt.pdf").status_code == 404


def test_citizens_do_not_enter_the_office(client, pages, office):
    login(pages, office.citizen)
    assert client.get("/mot-cua/").status_code == 403
    assert client.get("/mot-cua/tiep-nhan").status_code == 403


def test_the_whole_journey_through_the_pages(client, pages, office):
    d = new_submitted(office, utcnow() - timedelta(hours=3))
    required = [doc["key"] for doc in office.procedure.documents if doc.get("required")]
    login(pages, office.specialist)
    html = post_action(client, d.id, "accept", {"checked": required}).get_data(as_text=True)
    assert "Vai trò của bạn không được thực hiện thao tác này." in html and status_of(d.id).status == "submitted"

    login(pages, office.officer)
    html = post_action(client, d.id, "accept", {"checked": required[:-1]}).get_data(as_text=True)
    assert "Thành phần hồ sơ chưa đầy đủ" in html and status_of(d.id).status == "submitted"
    html = post_action(client, d.id, "accept", {"checked": required}, version=status_of(d.id).version - 1) \
        .get_data(as_text=True)
    assert "vừa được người khác cập nhật" in html and status_of(d.id).status == "submitted"
    post_action(client, d.id, "accept", {"checked": required})
    assert status_of(d.id).status == "accepted" and status_of(d.id).code
    html = client.get(f"/mot-cua/ho-so/{d.id}").get_data(as_text=True)
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html
    step = status_of(d.id).step_key  # the step by its name, never its key
    step_name = next(s["name_vi"] for s in office.procedure.steps if s["key"] == step)
    assert f"bước “{step_name}”" in html and f"bước {step}" not in html and "Phiên bản" not in html
    receipt = client.get(f"/mot-cua/ho-so/{d.id}/bieu-mau/receipt.pdf")
    assert receipt.mimetype == "application/pdf" and status_of(d.id).code in pdf_text(receipt.data)
    post_action(client, d.id, "forward")
    assert status_of(d.id).holder_role == "unit_leader"

    login(pages, office.unit_leader)
    html = client.get(f"/mot-cua/ho-so/{d.id}").get_data(as_text=True)
    assert office.specialist.full_name in html  # forward to a named person
    html = post_action(client, d.id, "send_back").get_data(as_text=True)
    assert "Cần ghi rõ lý do." in html
    post_action(client, d.id, "forward", {"assignee": str(office.specialist.id), "reason": "Đồng chí Hùng thụ lý"})
    assert status_of(d.id).holder_id == office.specialist.id

    login(pages, office.specialist)
    html = post_action(client, d.id, "propose_result").get_data(as_text=True)
    assert "Cần tải lên dự thảo kết quả" in html and not status_of(d.id).result_proposed
    html = post_action(client, d.id, "propose_result", {"draft": (BytesIO(b"MZ not a pdf"), "x.exe")}) \
        .get_data(as_text=True)
    assert "Chỉ nhận tệp PDF" in html and not status_of(d.id).result_proposed
    post_action(client, d.id, "propose_result", {"generate": "y"})
    assert status_of(d.id).result_proposed and status_of(d.id).holder_role == "unit_leader"  # on to the review
    draft = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == d.id,
                                                        DossierFile.kind == "result_draft"))
    assert draft is not None and "DỰ THẢO - chưa có giá trị pháp lý" in pdf_text(client.get(
        f"/mot-cua/ho-so/{d.id}/tep/{draft.id}").data)

    login(pages, office.unit_leader)
    post_action(client, d.id, "forward")
    login(pages, office.agency_leader)
    html = post_action(client, d.id, "approve").get_data(as_text=True)
    assert status_of(d.id).result_signed, html[html.find('class="flashes"'):][:400]
    assert status_of(d.id).holder_role == "clerk"  # signed: on to the clerk's step
    login(pages, office.clerk)
    post_action(client, d.id, "issue_result")
    assert status_of(d.id).status == "processed"

    login(pages, office.officer)
    html = post_action(client, d.id, "return_result").get_data(as_text=True)
    assert "Cần chọn hình thức trả kết quả." in html and status_of(d.id).status == "processed"
    post_action(client, d.id, "return_result", {"delivery": "post"})
    final = status_of(d.id)
    assert final.status == "returned" and final.returned_at is not None
    last = db.session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == d.id)
                             .order_by(DossierEvent.seq.desc()).limit(1))
    assert last.action == "return_result" and last.payload["delivery"] == "post"
    sheet = pdf_text(client.get(f"/mot-cua/ho-so/{d.id}/bieu-mau/control_sheet.pdf").data)
    assert office.specialist.full_name in sheet and ("Trước hạn" in sheet or "Đúng hạn" in sheet)


def test_supplement_refusal_and_apology_from_the_page(client, pages, office):
    login(pages, office.officer)
    d = new_submitted(office, utcnow() - timedelta(hours=1))
    html = post_action(client, d.id, "request_supplement", {"items": "Bản sao CCCD\nTờ khai có chữ ký"}) \
        .get_data(as_text=True)
    assert "Cần ghi rõ lý do." in html
    post_action(client, d.id, "request_supplement", {"items": "Bản sao CCCD\nTờ khai có chữ ký",
                                                     "reason": "Hồ sơ thiếu giấy tờ"})
    assert status_of(d.id).status == "supplement_requested"
    text = pdf_text(client.get(f"/mot-cua/ho-so/{d.id}/bieu-mau/supplement_request.pdf").data)
    assert "Tờ khai có chữ ký" in text and "Hồ sơ thiếu giấy tờ" in text

    refused = new_submitted(office, utcnow() - timedelta(hours=1))
    post_action(client, refused.id, "refuse_intake", {"reason": "Không thuộc thẩm quyền"})
    assert status_of(refused.id).status == "not_accepted"

    slow = new_submitted(office, utcnow() - timedelta(hours=1))
    act(slow.id, "accept", office.officer)
    login(pages, office.unit_leader)  # the apology is the agency head's: a unit leader is not offered it
    assert 'id="action-apologize"' not in client.get(f"/mot-cua/ho-so/{slow.id}").get_data(as_text=True)
    login(pages, office.agency_leader)
    due = status_of(slow.id).due_at.astimezone(vn(2026, 1, 1).tzinfo)
    new_day = (due + timedelta(days=10)).date()
    html = post_action(client, slow.id, "apologize", {"reason": "Chờ ý kiến phối hợp"}).get_data(as_text=True)
    assert "Cần chọn ngày và giờ hẹn trả mới." in html
    post_action(client, slow.id, "apologize", {"reason": "Chờ ý kiến phối hợp", "new_due_date": new_day.isoformat(),
                                               "new_due_time": "16:00"})
    after = status_of(slow.id)
    assert after.due_at.astimezone(due.tzinfo).date() == new_day and after.extended_at is not None
    html = post_action(client, slow.id, "apologize", {"reason": "Lần hai", "new_due_date":
                                                      (new_day + timedelta(days=3)).isoformat()}).get_data(as_text=True)
    assert "một lần" in html
    assert "Phiếu xin lỗi" in client.get(f"/mot-cua/ho-so/{slow.id}").get_data(as_text=True)


def test_desk_registration_page(client, pages, office):
    login(pages, office.officer)
    code = office.procedure.code
    page = client.get(f"/mot-cua/tiep-nhan?procedure={code}")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    docs = office.procedure.documents
    required = [d["key"] for d in docs if d.get("required")]
    base = {"csrf_token": token, "procedure": code, "channel": "post", "full_name": "Hoàng Thị Thu Hương",
            "id_number": "012190654321", "phone": "0987654321", "address": "Xã Tam Đường, tỉnh Lai Châu"}
    before = db.session.scalar(select(func.count(Dossier.id)))
    bad = client.post("/mot-cua/tiep-nhan", data={**base, "paper": required[1:]}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "Còn thiếu giấy tờ bắt buộc" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Dossier.id))) == before
    response = client.post("/mot-cua/tiep-nhan", data={**base, "paper": required[1:],
                                                       f"scan-{required[0]}": (BytesIO(PDF), "to-khai.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    dossier = db.session.scalar(select(Dossier).order_by(Dossier.id.desc()).limit(1))
    assert dossier.channel == "post" and dossier.status == "accepted" and dossier.applicant_id is None
    assert dossier.applicant["full_name"] == "Hoàng Thị Thu Hương"
    scans = db.session.scalars(select(DossierFile).where(DossierFile.dossier_id == dossier.id)).all()
    assert [(s.kind, s.document_key) for s in scans] == [("scan", required[0])]
    text = pdf_text(client.get(f"/mot-cua/ho-so/{dossier.id}/bieu-mau/receipt.pdf").data)
    assert "Hoàng Thị Thu Hương" in text and dossier.code in text
    login(pages, office.specialist)
    assert client.get("/mot-cua/tiep-nhan").status_code == 403


def test_register_book_pdf_and_xlsx(client, pages, office):
    d = new_submitted(office, utcnow() - timedelta(hours=2))
    act(d.id, "accept", office.officer)
    code = status_of(d.id).code
    login(pages, office.officer)
    assert client.get("/mot-cua/so-theo-doi").status_code == 200
    today = datetime.now(UTC).astimezone(vn(2026, 1, 1).tzinfo).date()
    period = f"period_from={(today - timedelta(days=3)).isoformat()}&period_to={(today + timedelta(days=1)).isoformat()}"
    pdf = client.get(f"/mot-cua/so-theo-doi?{period}&format=pdf")
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "SỔ THEO DÕI HỒ SƠ" in text and code in text
    xlsx = client.get(f"/mot-cua/so-theo-doi?{period}&format=xlsx")
    sheet = load_workbook(BytesIO(xlsx.data)).active
    assert code in [cell.value for row in sheet.iter_rows() for cell in row]
    assert client.get("/mot-cua/so-theo-doi?period_from=2026-12-01&period_to=2026-11-01").status_code == 422
