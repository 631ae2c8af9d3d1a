"""The agencies' inbox of citizens' feedback (phản ánh, kiến nghị): receipt with a code, an agency
and a due date of 10 working days; assignment and answer in the office pages; the answer on the
citizen's page and as a notification; overdue items flagged and counted on the dashboard; the
names of public holidays on the calendar page."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, AuditEntry, User
from portal.models.filing import Feedback, Notification, OutboxMessage
from portal.operations import applicant
from portal.operations import feedback as inbox
from portal.operations.filing import FilingError
from portal.statistics import periods
from portal.statistics.queries import Scope, feedback_answers
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import procedure, submitted_dossier
from tests.integration.lifecycle_helpers import act, build_office, vn
from tests.integration.office_helpers import fast_passwords  # noqa: F401
from tests.integration.test_concurrency import committed_office  # noqa: F401


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user, procedure("LC-05"))


@pytest.fixture
def citizen(make_user):
    return make_user(username="congdanpa", email="congdan.pa@example.vn")


def login(pages, user):
    assert pages.login(user.username, PASSWORD).status_code == 302


def switch(pages, user):
    pages.logout()
    login(pages, user)


def post_on_page(client, page_url: str, action_url: str, data: dict):
    """Post one of the forms of ``page_url`` (with the page's CSRF token) to ``action_url``."""
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={**data, "csrf_token": token})


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def received(citizen, when, **kwargs) -> Feedback:
    row = applicant.send_feedback(citizen, "complaint", kwargs.pop("subject", "Trả chậm"), "Nội dung", now=when,
                                  **kwargs)
    db.session.commit()
    return row


def test_feedback_about_a_dossier_is_assigned_answered_and_the_citizen_sees_the_answer(client, pages, office, citizen):
    dossier = submitted_dossier(citizen)
    act(dossier.id, "accept", office.officer)
    login(pages, citizen)
    response = pages.submit("/ho-so/gop-y", {"kind": "complaint", "dossier_code": dossier.code, "agency": "so-tai-chinh",
                                             "subject": "Trả kết quả chậm", "body": "Hẹn thứ Hai, chưa nhận được."})
    assert response.status_code == 302
    row = db.session.scalar(select(Feedback).where(Feedback.user_id == citizen.id))
    # about a dossier: the dossier's agency, whatever was chosen
    assert row.agency_id == office.procedure.agency_id and row.status == "new"
    assert re.fullmatch(r"PA-\d{4}-\d{6}", row.code) and row.due_at > row.created_at + timedelta(days=11)
    feedback_url = f"/mot-cua/phan-anh/{row.id}"

    switch(pages, office.officer)
    listing = client.get("/mot-cua/phan-anh/").get_data(as_text=True)
    assert row.code in listing and "Trả kết quả chậm" in listing
    assert post_on_page(client, feedback_url, feedback_url + "/phan-cong",
                        {"assignee": str(office.specialist.id)}).status_code == 302
    db.session.expire_all()
    assert row.status == "assigned" and row.assignee_id == office.specialist.id and audits("feedback.assign") == 1

    switch(pages, office.specialist)
    empty = post_on_page(client, feedback_url, feedback_url + "/tra-loi", {"answer": "   "})
    assert empty.status_code == 422 and "Vui lòng nhập nội dung trả lời" in empty.get_data(as_text=True)
    db.session.expire_all()
    assert row.status == "assigned" and row.answer is None and audits("feedback.answer") == 0
    answer = "Bộ phận Một cửa đã liên hệ; kết quả được trả ngày 02/12."
    assert post_on_page(client, feedback_url, feedback_url + "/tra-loi", {"answer": answer}).status_code == 302
    db.session.expire_all()
    assert row.status == "answered" and row.answer == answer and row.answered_by_id == office.specialist.id
    assert audits("feedback.answer") == 1
    again = post_on_page(client, feedback_url, feedback_url + "/tra-loi", {"answer": "Lần hai"})
    assert again.status_code == 409
    db.session.expire_all()
    assert row.answer == answer

    note = db.session.scalar(select(Notification).where(Notification.user_id == citizen.id,
                                                        Notification.kind == "feedback_answered"))
    assert note is not None and note.params["code"] == row.code
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == citizen.email,
                                                         OutboxMessage.subject.contains("đã được trả lời")))
    assert mail is not None and answer in mail.body

    switch(pages, citizen)
    mine = client.get("/ho-so/").get_data(as_text=True)
    assert "Phản ánh, kiến nghị của tôi" in mine and row.code in mine and answer in mine and "Đã trả lời" in mine
    notices = client.get("/ho-so/thong-bao").get_data(as_text=True)
    assert "Phản ánh, kiến nghị của bạn đã được trả lời" in notices and row.code in notices and "Xem trả lời" in notices


def test_receipt_agency_and_due_date_in_working_days(office, citizen):
    # Wed 22/4/2026 09:00: Mon 27/4 (Giỗ Tổ, observed), 30/4 and 1/5 are days off
    row = received(citizen, vn(2026, 4, 22, 9, 0))
    assert row.agency.code == inbox.ONE_STOP_CENTRE
    assert row.due_at == vn(2026, 5, 11, 9, 0)
    assert row.code == f"PA-2026-{row.id:06d}"
    chosen = received(citizen, vn(2026, 4, 22, 9, 0), agency_code="so-tai-chinh")
    assert chosen.agency.code == "so-tai-chinh"
    with pytest.raises(FilingError) as error:
        applicant.send_feedback(citizen, "feedback", "Góp ý", "Nội dung", agency_code="khong-co")
    assert error.value.code == "feedback_agency_unknown"


def test_another_agencys_officer_gets_404_and_assignees_are_of_the_agency(client, pages, office, citizen, make_user):
    row = received(citizen, vn(2026, 11, 23, 8, 0), agency_code=office.procedure.agency.code)
    other_agency = db.session.scalar(select(Agency).where(Agency.id != row.agency_id, Agency.code == "so-tai-chinh"))
    outsider = make_user(role="one_stop_officer", agency=other_agency.code, username="motcuakhac")
    url = f"/mot-cua/phan-anh/{row.id}"

    login(pages, outsider)
    assert client.get(url).status_code == 404
    assert row.code not in client.get("/mot-cua/phan-anh/").get_data(as_text=True)
    assert post_on_page(client, "/tai-khoan", url + "/tra-loi", {"answer": "Không phải việc của tôi"}).status_code == 404
    db.session.expire_all()
    assert row.answer is None

    switch(pages, office.agency_leader)
    refused = post_on_page(client, url, url + "/phan-cong", {"assignee": str(outsider.id)})
    assert refused.status_code == 422 and "cán bộ của cơ quan nhận phản ánh" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert row.status == "new" and row.assignee_id is None and audits("feedback.assign") == 0


def test_unanswered_feedback_past_ten_working_days_is_flagged_and_counted(client, pages, office, citizen):
    agency = office.procedure.agency.code
    overdue = received(citizen, vn(2026, 4, 22, 9, 0), agency_code=agency, subject="Chưa ai trả lời")
    on_time = received(citizen, vn(2026, 5, 4, 8, 0), agency_code=agency, subject="Trả lời đúng hạn")
    late = received(citizen, vn(2026, 4, 1, 8, 0), agency_code=agency, subject="Trả lời muộn")
    inbox.answer(on_time.id, office.officer, "Đã giải quyết.", now=vn(2026, 5, 5, 10, 0))
    inbox.answer(late.id, office.officer, "Xin lỗi vì chậm.", now=vn(2026, 5, 20, 10, 0))
    db.session.commit()
    assert inbox.is_overdue(overdue) and not inbox.is_overdue(on_time) and inbox.answered_late(late)

    period = periods.custom(date(2026, 4, 1), date(2026, 5, 31))
    counts = {"received": 3, "answered_on_time": 1, "answered_late": 1, "overdue": 1}
    assert feedback_answers(period, Scope(agency_id=office.procedure.agency_id)) == counts
    assert feedback_answers(period, Scope(agency_id=office.procedure.agency_id), now=vn(2026, 4, 10, 0, 0))["overdue"] == 0
    other = db.session.scalar(select(Agency.id).where(Agency.code == "so-tai-chinh"))
    assert feedback_answers(period, Scope(agency_id=other)) == dict.fromkeys(counts, 0)

    login(pages, office.officer)
    flagged = client.get("/mot-cua/phan-anh/?overdue=y").get_data(as_text=True)
    assert overdue.code in flagged and "Quá hạn" in flagged and on_time.code not in flagged and late.code not in flagged
    assert "Quá hạn trả lời: <strong>1</strong>" in flagged
    answered = client.get("/mot-cua/phan-anh/?status=answered").get_data(as_text=True)
    assert on_time.code in answered and late.code in answered and overdue.code not in answered

    switch(pages, office.agency_leader)
    page = client.get("/thong-ke/?kind=custom&start=2026-04-01&until=2026-05-31").get_data(as_text=True)
    assert 'id="feedback-overdue">1<' in page and 'id="feedback-on-time">1<' in page
    assert 'id="feedback-late">1<' in page and 'id="feedback-received">3<' in page


def test_holiday_names_and_override_notes_on_the_calendar_page(client, pages, make_user):
    make_user(role="admin", username="quantri")
    login_page = pages.login("quantri", PASSWORD)
    assert login_page.status_code == 302
    assert pages.submit("/quan-tri/lich-lam-viec", {
        "form": "override", "override-day": "2026-04-30", "override-kind": "working_day",
        "override-note": "Làm bù theo Thông báo 5/TB-UBND"}).status_code == 302
    html = client.get("/quan-tri/lich-lam-viec?year=2026").get_data(as_text=True)
    for name in ("Tết Dương lịch", "Tết Nguyên Đán", "Ngày Giỗ Tổ Hùng Vương", "Ngày Quốc tế Lao động", "Quốc khánh"):
        assert name in html
    assert "Làm bù theo Thông báo 5/TB-UBND" in html.split('id="overrides-title"')[0]  # named in the holiday list too
    client.get("/ngon-ngu/en")
    english = client.get("/quan-tri/lich-lam-viec?year=2026").get_data(as_text=True)
    assert "Lunar New Year" in english and "National Day" in english


def test_the_api_assigns_and_answers_with_the_same_rules(client, office, citizen, make_user):
    row = received(citizen, vn(2026, 11, 23, 8, 0), agency_code=office.procedure.agency.code)
    outsider = make_user(role="specialist", agency="so-tai-chinh", username="chuyenvienkhac")

    def token(user):
        response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    officer, other = token(office.officer), token(outsider)
    base = f"/api/v1/office/feedback/{row.id}"
    listing = client.get("/api/v1/office/feedback?status=new", headers=officer).get_json()
    assert [item["code"] for item in listing["items"]] == [row.code] and listing["counts"]["new"] == 1
    assert client.get(base, headers=other).status_code == 404
    assert client.get("/api/v1/office/feedback", headers=other).get_json()["items"] == []
    assigned = client.post(base + "/assign", json={"assignee_id": office.specialist.id}, headers=officer)
    assert assigned.status_code == 200 and assigned.get_json()["assignee"]["id"] == office.specialist.id
    empty = client.post(base + "/answer", json={"answer": "  "}, headers=officer)
    assert empty.status_code == 422 and empty.get_json()["error"]["code"] == "feedback_answer_empty"
    assert client.post(base + "/answer", json={"answer": "Của cơ quan khác"}, headers=other).status_code == 404
    answered = client.post(base + "/answer", json={"answer": "Đã xử lý."}, headers=officer).get_json()
    assert answered["status"] == "answered" and answered["answer"] == "Đã xử lý." and not answered["overdue"]
    assert client.post(base + "/answer", json={"answer": "Lần hai"}, headers=officer).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == citizen.id, Notification.kind == "feedback_answered")) == 1


def test_officers_answering_at_once_answer_once(_app, committed_office):  # noqa: F811  (PostgreSQL)
    office = committed_office
    row = applicant.send_feedback(office.citizen, "complaint", "Trả chậm", "Nội dung",
                                  agency_code=office.procedure.agency.code)
    db.session.commit()
    staff = [office.officer.id, office.unit_leader.id, office.specialist.id, office.agency_leader.id, office.clerk.id]
    barrier, outcomes = threading.Barrier(len(staff)), [None] * len(staff)

    def answer(i):
        with _app.app_context():
            barrier.wait()
            try:
                inbox.answer(row.id, db.session.get(User, staff[i]), f"Trả lời của cán bộ {i}")
                db.session.commit()
                outcomes[i] = "answered"
            except inbox.FeedbackError as error:
                db.session.rollback()
                outcomes[i] = error.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(staff))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["answered"] + ["feedback_already_answered"] * (len(staff) - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == office.citizen.id, Notification.kind == "feedback_answered")) == 1
