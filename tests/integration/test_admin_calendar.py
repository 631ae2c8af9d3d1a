from datetime import date

from portal.extensions import db
from portal.models import AuditEntry, CalendarOverride
from portal.operations.calendar import working_calendar
from tests.conftest import PASSWORD


def login_admin(pages, make_user):
    make_user(role="admin", username="quantri")
    pages.login("quantri", PASSWORD)


def test_calendar_page_lists_tet_and_overrides(pages, client, make_user):
    login_admin(pages, make_user)
    html = client.get("/quan-tri/lich-lam-viec?year=2027").get_data(as_text=True)
    assert "Lịch làm việc năm 2027" in html
    assert "05/02/2027" in html  # 29 Tết Đinh Mùi falls on Friday 5/2/2027 (package data)


def test_admin_adds_and_removes_an_override(pages, client, make_user):
    login_admin(pages, make_user)
    response = pages.submit("/quan-tri/lich-lam-viec", {
        "form": "override", "override-day": "2026-12-31", "override-kind": "day_off",
        "override-note": "Thông báo số 12/TB-UBND ngày 01/12/2026"})
    assert response.status_code == 302
    assert not working_calendar().is_working_day(date(2026, 12, 31))
    assert db.session.get(CalendarOverride, date(2026, 12, 31)).note.startswith("Thông báo số 12")
    assert db.session.query(AuditEntry).filter_by(action="calendar.override_set").count() == 1
    page = client.get("/quan-tri/lich-lam-viec?year=2026").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = client.post("/quan-tri/lich-lam-viec/xoa", data={"day": "2026-12-31", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert working_calendar().is_working_day(date(2026, 12, 31))


def test_override_without_a_note_is_refused(pages, make_user):
    login_admin(pages, make_user)
    response = pages.submit("/quan-tri/lich-lam-viec", {
        "form": "override", "override-day": "2026-12-31", "override-kind": "day_off", "override-note": ""})
    assert response.status_code == 422 and "Vui lòng ghi căn cứ" in response.get_data(as_text=True)
    assert db.session.get(CalendarOverride, date(2026, 12, 31)) is None


def test_working_hours_are_validated_and_saved(pages, make_user):
    login_admin(pages, make_user)
    bad = pages.submit("/quan-tri/lich-lam-viec", {"form": "hours", "hours-morning_start": "11:30",
                                                   "hours-morning_end": "07:00", "hours-afternoon_start": "13:30",
                                                   "hours-afternoon_end": "17:00"})
    assert "Giờ làm việc không hợp lệ" in bad.get_data(as_text=True)
    good = pages.submit("/quan-tri/lich-lam-viec", {"form": "hours", "hours-morning_start": "07:30",
                                                    "hours-morning_end": "11:30", "hours-afternoon_start": "13:00",
                                                    "hours-afternoon_end": "17:00"})
    assert good.status_code == 302
    assert working_calendar().working_hours.opening.strftime("%H:%M") == "07:30"


def test_only_admins_see_the_calendar_admin(pages, client, make_user):
    make_user(username="lovanpa")
    pages.login("lovanpa", PASSWORD)
    assert client.get("/quan-tri/lich-lam-viec").status_code == 403
