"""Online filing through the citizen's pages: e-form, attachments, submission, supplement,
withdrawal, rating, feedback, notifications, lookup, downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierEvent, DossierFile
from portal.models.filing import Feedback, Notification, OutboxMessage, Rating
from portal.operations import applicant, filing
from portal.operations.filing import FilingError
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import (
    EXE,
    JPEG,
    PDF,
    attach_required,
    limits,
    pdf,
    png,
    procedure,
    submitted_dossier,
    upload,
    valid_data,
)
from tests.integration.lifecycle_helpers import act, build_office, vn


@pytest.fixture
def office(make_user):
    return build_office(make_user, procedure("LC-05"))


def login(pages, user):
    response = pages.login(user.username, PASSWORD)
    assert response.status_code == 302


def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


def form_fields(proc, data):
    return {k: str(v) for k, v in data.items()}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_e_form_is_prefilled_from_the_profile(client, pages, office):
    login(pages, office.citizen)
    html = client.get("/ho-so/nop/LC-05").get_data(as_text=True)
    assert 'value="Lò Văn Pả"' in html and f'value="{office.citizen.id_number}"' in html and 'value="0912345678"' in html
    assert 'autocomplete="tel"' in html and 'inputmode="tel"' in html
    assert 'name="idempotency_key"' in html


def test_the_catalogue_links_to_online_filing(client):
    html = client.get("/thu-tuc/LC-05").get_data(as_text=True)
    assert "/ho-so/nop/LC-05" in html


def test_file_a_dossier_through_the_pages(client, pages, office, app):
    login(pages, office.citizen)
    proc = procedure("LC-05")
    data = valid_data(proc)
    response = pages.submit("/ho-so/nop/LC-05", {**form_fields(proc, data), "step": "next"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    dossier = db.session.scalar(select(Dossier).where(Dossier.applicant_id == office.citizen.id))
    assert dossier.status == "draft" and dossier.form_data["temp_address"] == data["temp_address"]
    assert dossier.form_snapshot == proc.form_schema and dossier.form_version == proc.form_version
    assert response.headers["Location"].endswith(f"/ho-so/{dossier.id}/giay-to")

    page = client.get(f"/ho-so/{dossier.id}/giay-to").get_data(as_text=True)
    token = csrf_token_from(page)
    for doc in proc.documents:
        if doc["required"]:
            r = client.post(f"/ho-so/{dossier.id}/giay-to/{doc['key']}", content_type="multipart/form-data",
                            data={"csrf_token": token, "file": upload(f"{doc['key']}.pdf", pdf(doc["key"]))})
            assert r.status_code == 302
    review = client.get(f"/ho-so/{dossier.id}/kiem-tra").get_data(as_text=True)
    assert data["temp_address"] in review and "Nộp hồ sơ" in review
    token = csrf_token_from(review)
    first = client.post(f"/ho-so/{dossier.id}/kiem-tra", data={"csrf_token": token, "delivery": "online"})
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/ho-so/{dossier.id}/da-nop")
    # A double click (the same form posted again) gives the same dossier and one submit event.
    second = client.post(f"/ho-so/{dossier.id}/kiem-tra", data={"csrf_token": token, "delivery": "online"})
    assert second.status_code == 302
    assert count(Dossier, Dossier.applicant_id == office.citizen.id) == 1
    assert count(DossierEvent, DossierEvent.dossier_id == dossier.id, DossierEvent.action == "submit") == 1
    ack = client.get(f"/ho-so/{dossier.id}/da-nop").get_data(as_text=True)
    assert "Hồ sơ của bạn đã được gửi" in ack
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).applicant["delivery"] == {"method": "online", "address": ""}
    assert count(Notification, Notification.user_id == office.citizen.id, Notification.kind == "submit") == 1
    mine = client.get("/ho-so/").get_data(as_text=True)
    assert "Mới đăng ký" in mine


def test_double_posting_the_first_form_creates_one_draft(client, pages, office):
    login(pages, office.citizen)
    proc = procedure("LC-05")
    page = client.get("/ho-so/nop/LC-05").get_data(as_text=True)
    token = csrf_token_from(page)
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    body = {**form_fields(proc, valid_data(proc)), "csrf_token": token, "idempotency_key": key, "step": "next"}
    assert client.post("/ho-so/nop/LC-05", data=body).status_code == 302
    assert client.post("/ho-so/nop/LC-05", data=body).status_code == 302
    assert count(Dossier, Dossier.applicant_id == office.citizen.id) == 1


def test_save_a_draft_and_resume_it(client, pages, office):
    login(pages, office.citizen)
    response = pages.submit("/ho-so/nop/LC-05", {"temp_address": "Tổ 5, phường Tân Phong", "phone": "", "step": "draft"})
    assert response.status_code == 302
    dossier = db.session.scalar(select(Dossier).where(Dossier.applicant_id == office.citizen.id))
    assert dossier.form_data == {"temp_address": "Tổ 5, phường Tân Phong"}
    resumed = client.get(f"/ho-so/{dossier.id}/thong-tin").get_data(as_text=True)
    assert 'value="Tổ 5, phường Tân Phong"' in resumed
    # A draft with a badly formatted value is not saved.
    bad = pages.submit(f"/ho-so/{dossier.id}/thong-tin", {"phone": "12ab", "step": "draft"})
    assert bad.status_code == 422 and "Số điện thoại gồm 10-11 chữ số" in bad.get_data(as_text=True)
    # Submitting an incomplete draft says what is missing and changes nothing.
    review = pages.submit(f"/ho-so/{dossier.id}/kiem-tra", {"delivery": "online"})
    assert review.status_code == 422 and "Còn thiếu thông tin bắt buộc" in review.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == "draft"


@pytest.mark.parametrize(("name", "content", "status", "message"), [
    ("to-khai.pdf", b"just some text, not a pdf", 415, "Tệp “to-khai.pdf” (Giấy tờ: Tờ khai"),
    ("hop-dong.pdf", EXE, 415, "không phải PDF hoặc ảnh JPEG/PNG."),
    ("rong.pdf", b"", 422, "Tệp “rong.pdf” (Giấy tờ: Tờ khai"),
])
def test_bad_uploads_are_refused_with_a_clear_message(client, pages, office, app, name, content, status, message):
    login(pages, office.citizen)
    proc = procedure("LC-05")
    dossier, _ = filing.start_draft(office.citizen, proc, {})
    db.session.commit()
    before = stored_files(app)
    token = csrf_token_from(client.get(f"/ho-so/{dossier.id}/giay-to").get_data(as_text=True))
    key = proc.documents[0]["key"]
    response = client.post(f"/ho-so/{dossier.id}/giay-to/{key}", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": upload(name, content)})
    if status == 422:
        assert response.status_code == 302
        response = client.get(response.headers["Location"])
    else:
        assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count(DossierFile, DossierFile.dossier_id == dossier.id) == 0
    assert stored_files(app) == before


def test_size_limits_per_file_and_per_dossier(client, pages, office, app, monkeypatch):
    login(pages, office.citizen)
    proc = procedure("LC-05")
    dossier, _ = filing.start_draft(office.citizen, proc, {})
    db.session.commit()
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
    monkeypatch.setitem(app.config, "MAX_DOSSIER_BYTES", 3 * 1024 * 1024)
    token = csrf_token_from(client.get(f"/ho-so/{dossier.id}/giay-to").get_data(as_text=True))
    first, second = proc.documents[0]["key"], proc.documents[1]["key"]
    big = pdf(padding=2 * 1024 * 1024)
    before = stored_files(app)
    response = client.post(f"/ho-so/{dossier.id}/giay-to/{first}", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": upload("lon.pdf", big)})
    assert response.status_code == 413 and "mỗi tệp tối đa 2 MB" in response.get_data(as_text=True)
    assert stored_files(app) == before
    ok = pdf("1", padding=1536 * 1024)
    assert client.post(f"/ho-so/{dossier.id}/giay-to/{first}", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": upload("a.pdf", ok)}).status_code == 302
    response = client.post(f"/ho-so/{dossier.id}/giay-to/{second}", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": upload("b.pdf", pdf("2", padding=1536 * 1024 + 10))})
    assert response.status_code == 413 and "Tổng dung lượng" in response.get_data(as_text=True)
    # Replacing the single file of a document frees its room.
    assert client.post(f"/ho-so/{dossier.id}/giay-to/{first}", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": upload("c.pdf", pdf("3", padding=1024))}).status_code == 302
    assert [f.original_name for f in filing.active_files(dossier)] == ["c.pdf"]


def test_unknown_document_key_and_several_files_where_allowed(office):
    proc = procedure("LC-02")
    dossier, _ = filing.start_draft(office.citizen, proc, {})
    with pytest.raises(FilingError) as error:
        filing.add_attachment(dossier, office.citizen, "khong-co", "x.pdf", PDF, limits())
    assert error.value.status == 422 and error.value.code == "unknown_document"
    multiple = next(d for d in proc.documents if d.get("multiple"))
    filing.add_attachment(dossier, office.citizen, multiple["key"], "1.jpg", JPEG, limits())
    filing.add_attachment(dossier, office.citizen, multiple["key"], "2.png", png(), limits())
    assert len(filing.files_by_document(dossier)[multiple["key"]]) == 2


def test_another_citizens_dossier_is_a_404(client, pages, office, make_user):
    dossier = submitted_dossier(office.citizen)
    file_id = filing.active_files(dossier)[0].id
    stranger = make_user(username="nguoikhac")
    login(pages, stranger)
    for url in (f"/ho-so/{dossier.id}", f"/ho-so/{dossier.id}/giay-to", f"/ho-so/{dossier.id}/kiem-tra",
                f"/ho-so/{dossier.id}/bo-sung", f"/ho-so/{dossier.id}/rut", f"/ho-so/tep/{file_id}",
                f"/ho-so/{dossier.id}/ket-qua"):
        assert client.get(url).status_code == 404, url
    with pytest.raises(FilingError) as error:
        applicant.answer_supplement(dossier.id, stranger, {})
    assert error.value.status == 404


def test_attachments_stream_to_the_owner_and_the_agency_only(client, pages, office, make_user):
    dossier = submitted_dossier(office.citizen)
    row = filing.active_files(dossier)[0]
    login(pages, office.citizen)
    response = client.get(f"/ho-so/tep/{row.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    pages.logout()
    login(pages, office.officer)
    assert client.get(f"/ho-so/tep/{row.id}").status_code == 200
    pages.logout()
    other = make_user(role="one_stop_officer", agency="so-tu-phap", username="motcuakhac")
    login(pages, other)
    assert client.get(f"/ho-so/tep/{row.id}").status_code == 404


def test_documents_given_before_are_reused(office):
    first = submitted_dossier(office.citizen)
    proc = procedure("LC-05")
    second, _ = filing.start_draft(office.citizen, proc, valid_data(proc))
    offers = filing.reusable_documents(second, office.citizen)
    key = proc.documents[0]["key"]
    assert [f.dossier_id for f in offers[key]] == [first.id]
    reused = filing.reuse_document(second, office.citizen, offers[key][0].id, limits())
    assert reused.blob_sha256 == offers[key][0].blob_sha256 and reused.dossier_id == second.id
    assert key not in filing.reusable_documents(second, office.citizen)


def test_supplement_request_changes_only_the_named_items_and_resumes_the_clock(client, pages, office):
    dossier = submitted_dossier(office.citizen)
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    doc_key = procedure("LC-05").documents[0]["key"]
    act(dossier.id, "request_supplement", office.officer, vn(2026, 11, 23, 9, 0),
        reason="Ảnh tờ khai bị mờ; sai địa chỉ", items=["temp_address", doc_key])
    db.session.expire_all()
    paused = db.session.get(Dossier, dossier.id)
    assert paused.paused_since is not None
    login(pages, office.citizen)
    page = client.get(f"/ho-so/{dossier.id}/bo-sung").get_data(as_text=True)
    assert "Ảnh tờ khai bị mờ" in page and 'name="temp_address"' in page and 'name="household_head"' not in page
    # Items that are keys are shown by their names, everywhere the applicant reads them.
    doc_name = procedure("LC-05").documents[0]["name_vi"]
    field_label = next(f["label_vi"] for f in procedure("LC-05").form_schema if f["name"] == "temp_address")
    detail = client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert doc_name in page and doc_name in detail and f"<li>{doc_key}</li>" not in detail
    notice = db.session.scalar(select(Notification).where(Notification.dossier_id == dossier.id,
                                                          Notification.kind == "request_supplement"))
    assert doc_name in notice.params["items"] and field_label in notice.params["items"]
    from tests.integration.office_helpers import pdf_text
    letter = pdf_text(client.get(f"/ho-so/{dossier.id}/bieu-mau/supplement_request.pdf").data)
    assert field_label in letter and doc_key not in letter
    with pytest.raises(FilingError) as error:
        applicant.answer_supplement(dossier.id, office.citizen, {"household_head": "Người khác"})
    assert error.value.code == "not_requested"
    db.session.rollback()
    token = csrf_token_from(page)
    assert client.post(f"/ho-so/{dossier.id}/giay-to/{doc_key}", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": upload("ro-net.png", png(2, 2))}).status_code == 302
    response = pages.submit(f"/ho-so/{dossier.id}/bo-sung", {"temp_address": "Số 12, tổ 3, phường Tân Phong",
                                                            "s-note": "Đã chụp lại tờ khai"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    after = db.session.get(Dossier, dossier.id)
    assert after.status == "accepted" and after.paused_since is None
    assert after.form_data["temp_address"] == "Số 12, tổ 3, phường Tân Phong"
    event = db.session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                              .order_by(DossierEvent.seq.desc()).limit(1))
    assert event.action == "supplement" and event.payload["changed_fields"] == ["temp_address"]
    assert len(event.payload["new_files"]) == 1 and event.comment == "Đã chụp lại tờ khai"


def test_withdraw_needs_a_reason(client, pages, office):
    dossier = submitted_dossier(office.citizen)
    login(pages, office.citizen)
    assert pages.submit(f"/ho-so/{dossier.id}/rut", {"reason": ""}).status_code == 422
    assert pages.submit(f"/ho-so/{dossier.id}/rut", {"reason": "Nộp nhầm thủ tục"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == "withdrawn"


def returned_dossier(office):
    from tests.integration.lifecycle_helpers import walk_to_result

    dossier = submitted_dossier(office.citizen)
    db.session.get(Dossier, dossier.id).fee_paid_at = vn(2026, 11, 23, 7, 0)
    db.session.commit()
    walk_to_result(office, dossier.id, vn(2026, 11, 23, 8, 0))
    return act(dossier.id, "return_result", office.officer, vn(2026, 11, 25, 8, 0))


def test_rating_after_the_result_once(client, pages, office):
    dossier = returned_dossier(office)
    login(pages, office.citizen)
    assert pages.submit(f"/ho-so/{dossier.id}/danh-gia", {"level": "bogus"}).status_code == 422
    assert pages.submit(f"/ho-so/{dossier.id}/danh-gia", {"level": "very_satisfied", "comment": "Nhanh"}).status_code == 302
    rating = db.session.scalar(select(Rating).where(Rating.dossier_id == dossier.id))
    assert rating.level == "very_satisfied" and rating.comment == "Nhanh" and rating.user_id == office.citizen.id
    db.session.expire_all()
    with pytest.raises(FilingError) as second:
        applicant.rate(dossier.id, office.citizen, "satisfied")
    assert (second.value.code, second.value.status) == ("guard_not_yet_rated", 409)  # done already: a conflict
    again = pages.submit(f"/ho-so/{dossier.id}/danh-gia", {"level": "satisfied"})
    assert again.status_code == 409 and "Bạn đã đánh giá hồ sơ này." in again.get_data(as_text=True)
    assert count(Rating, Rating.dossier_id == dossier.id) == 1


def test_rating_before_the_result_is_refused(office):
    dossier = submitted_dossier(office.citizen)
    with pytest.raises(FilingError) as error:
        applicant.rate(dossier.id, office.citizen, "satisfied")
    assert error.value.status == 409


def test_feedback_form(client, pages, office):
    dossier = returned_dossier(office)
    login(pages, office.citizen)
    assert pages.submit("/ho-so/gop-y", {"kind": "complaint", "subject": "", "body": "x"}).status_code == 422
    assert pages.submit("/ho-so/gop-y", {"kind": "complaint", "dossier_code": "KHONG-CO", "subject": "Chậm",
                                         "body": "Trả chậm"}).status_code == 422
    assert pages.submit("/ho-so/gop-y", {"kind": "complaint", "dossier_code": dossier.code, "subject": "Chậm",
                                         "body": "Trả chậm"}).status_code == 302
    row = db.session.scalar(select(Feedback).where(Feedback.user_id == office.citizen.id))
    assert row.dossier_id == dossier.id and row.kind == "complaint"


def test_public_lookup_shows_status_without_personal_data(client, office):
    dossier = submitted_dossier(office.citizen)
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    code = db.session.get(Dossier, dossier.id).code
    page = client.get("/ho-so/tra-cuu", query_string={"code": code})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đã tiếp nhận" in html and code in html
    assert "Lò Văn Pả" not in html and office.citizen.id_number not in html and "0912345678" not in html
    assert client.get("/ho-so/tra-cuu", query_string={"code": "000-000000-0000"}).status_code == 404
    assert client.get("/ho-so/tra-cuu").status_code == 200


def test_lookup_by_the_last_digits_needs_the_phone_and_is_limited(client, app, office, monkeypatch):
    dossier = submitted_dossier(office.citizen)
    code = db.session.get(Dossier, dossier.id).code  # given at submission
    tail = code.split("-", 1)[1]  # "261123-0001"
    phone = office.citizen.phone or "0912345678"
    office.citizen.phone = phone
    db.session.commit()
    spaced = f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    page = client.get("/ho-so/tra-cuu", query_string={"code": tail, "phone": spaced})
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    assert client.get(f"/api/v1/lookup/{tail}", query_string={"phone": phone}).get_json()["code"] == code
    no_phone = client.get("/ho-so/tra-cuu", query_string={"code": tail})
    assert no_phone.status_code == 422 and "số điện thoại đã khai" in no_phone.get_data(as_text=True)
    assert client.get(f"/api/v1/lookup/{tail}").status_code == 422
    monkeypatch.setitem(app.config, "LOOKUP_MAX_PER_WINDOW", 5)
    answers = [client.get("/ho-so/tra-cuu", query_string={"code": tail, "phone": "0987000111"}).status_code
               for _ in range(5)]
    assert answers[:2] == [404, 404]  # a wrong phone finds nothing (and says nothing about the code)
    assert 429 in answers  # the misses were counted although each answer was an error
    blocked = client.get(f"/api/v1/lookup/{tail}", query_string={"phone": phone})
    assert blocked.status_code == 429
    assert client.get("/ho-so/tra-cuu", query_string={"code": code}).status_code == 200  # the full code still works


def test_notifications_and_outbox(client, pages, office, make_user):
    citizen = make_user(username="cothu")
    citizen.email = "cothu@example.vn"
    db.session.commit()
    dossier = submitted_dossier(citizen)
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == citizen.id)
                               .order_by(Notification.id)).all()
    assert kinds == ["submit", "accept"]
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "cothu@example.vn")).all()
    code = db.session.get(Dossier, dossier.id).code
    assert len(mails) == 2 and code in mails[1].body
    login(pages, citizen)
    page = client.get("/ho-so/thong-bao").get_data(as_text=True)
    assert "Hồ sơ đã được tiếp nhận" in page and code in page
    assert pages.submit("/ho-so/thong-bao", {}).status_code == 405
    token = csrf_token_from(page)
    assert client.post("/ho-so/thong-bao/da-doc", data={"csrf_token": token}).status_code == 302
    assert count(Notification, Notification.user_id == citizen.id, Notification.read_at.is_(None)) == 0
    assert client.get("/ho-so/hop-thu-di").status_code == 404  # not in development, not an admin


class FakeSMTP:
    """Records what an SMTP server would receive; ``down`` makes it refuse connections."""

    sent: list = []
    down = False

    def __init__(self, host, port, timeout):
        if FakeSMTP.down:
            raise ConnectionRefusedError("mail server down")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        FakeSMTP.sent.append((message["To"], message["Subject"]))


def test_mail_waits_in_the_outbox_until_the_worker_delivers_it(app, monkeypatch, runner):
    from portal.models.filing import OutboxMessage
    from portal.operations import notifications

    monkeypatch.setattr(notifications.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.vn")
    db.session.add(OutboxMessage(to_address="a@example.vn", subject="Tiêu đề", body="Nội dung"))
    db.session.commit()
    # The server is down: nothing is lost, the failure is recorded for a retry.
    monkeypatch.setattr(FakeSMTP, "down", True)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "1 thư lỗi" in result.output
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.sent_at is None and row.attempts == 1 and "down" in row.last_error
    # Retried after the back-off delay, not before (the shared outbox's retry policy).
    assert row.next_attempt_at > row.created_at and row.channel == "email"
    monkeypatch.setattr(FakeSMTP, "down", False)
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0 and FakeSMTP.sent == []
    row.next_attempt_at = row.created_at  # the delay has passed
    db.session.commit()
    # Back up: delivered once, and not again.
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    db.session.refresh(row)
    assert row.sent_at is not None and FakeSMTP.sent == [("a@example.vn", "Tiêu đề")]


def test_result_download(client, pages, office, make_user):
    from portal.storage import put_blob

    pending = submitted_dossier(office.citizen)
    dossier = returned_dossier(office)
    login(pages, office.citizen)
    assert client.get(f"/ho-so/{pending.id}/ket-qua").status_code == 404
    blob = put_blob(PDF + b"result", "application/pdf")
    db.session.add(DossierFile(dossier_id=dossier.id, kind="result", blob=blob, original_name="ket-qua.pdf"))
    db.session.commit()
    response = client.get(f"/ho-so/{dossier.id}/ket-qua")
    assert response.status_code == 200 and response.data == PDF + b"result"
    assert "Tải kết quả" in client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)


def test_the_applicant_gets_the_result_only_once_it_is_issued(client, pages, office):
    """Signed by the leader but not yet issued by the clerk (status 4): the result stays inside,
    through the page and the API; issued (9) or returned (10): it is the applicant's."""
    from portal.storage import put_blob

    dossier = submitted_dossier(office.citizen)
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    blob = put_blob(PDF + b"signed", "application/pdf")
    row = DossierFile(dossier_id=dossier.id, kind="result", blob=blob, original_name="ket-qua.pdf")
    db.session.add(row)
    db.session.commit()
    login(pages, office.citizen)
    assert client.get(f"/ho-so/{dossier.id}/ket-qua").status_code == 404
    assert client.get(f"/ho-so/tep/{row.id}").status_code == 404
    assert "Tải kết quả" not in client.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    token = client.post("/api/v1/auth/token", json={"username": office.citizen.username, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers).get_json()["result"] is None
    assert client.get(f"/api/v1/dossiers/{dossier.id}/files/{row.id}", headers=headers).status_code == 404
    db.session.get(Dossier, dossier.id).status = "processed"
    db.session.commit()
    assert client.get(f"/ho-so/{dossier.id}/ket-qua").data == PDF + b"signed"
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers).get_json()["result"]["id"] == row.id


def test_staff_cannot_use_citizen_pages(client, pages, office):
    login(pages, office.officer)
    assert client.get("/ho-so/").status_code == 403
    assert client.get("/ho-so/nop/LC-05").status_code == 403


def test_level_2_or_unknown_procedures_cannot_be_filed(client, pages, office):
    login(pages, office.citizen)
    assert client.get("/ho-so/nop/KHONG-CO").status_code == 404


def test_submission_without_documents_is_refused(office):
    proc = procedure("LC-05")
    dossier, _ = filing.start_draft(office.citizen, proc, valid_data(proc))
    with pytest.raises(FilingError) as error:
        filing.submit(dossier.id, office.citizen)
    assert error.value.code == "documents_missing"
    db.session.rollback()
    dossier, _ = filing.start_draft(office.citizen, proc, valid_data(proc))
    attach_required(dossier, office.citizen)
    version = dossier.version
    submitted, now = filing.submit(dossier.id, office.citizen)
    assert now and submitted.status == "submitted" and submitted.version == version + 1


def test_the_review_page_reads_as_people_read_and_names_the_fee(client, pages, office):
    proc = procedure("LC-21")
    data = {**valid_data(proc), "birth_date": "1990-05-12", "degree": "dai-hoc-duoc"}
    dossier, _ = filing.start_draft(office.citizen, proc, data)
    db.session.commit()
    login(pages, office.citizen)
    html = client.get(f"/ho-so/{dossier.id}/kiem-tra").get_data(as_text=True)
    assert "12/05/1990" in html and "1990-05-12" not in html
    assert "Bằng tốt nghiệp đại học ngành dược" in html and "dai-hoc-duoc" not in html
    assert "Phí, lệ phí" in html and "500.000 đ" in html
    client.get("/ngon-ngu/en")
    english = client.get(f"/ho-so/{dossier.id}/kiem-tra").get_data(as_text=True)
    assert "University degree in pharmacy" in english and "Bằng tốt nghiệp đại học ngành dược" not in english
