"""The office queue (issue 15): search by code, internal number, folded name, ID number or phone;
tab counts from the maintained tables, exact after every change; newest online filings first in
the "new" tab; bulk forward / assign, each dossier its own action, refusals reported per dossier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Dossier, DossierEvent
from portal.models.types import utcnow
from portal.operations import office
from portal.statistics import queue_counts
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.lifecycle_helpers import act, build_office, new_submitted
from tests.integration.office_helpers import fast_passwords, login  # noqa: F401


@pytest.fixture
def office_staff(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user)


def token(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def found(client, headers, q, queue="all"):
    body = client.get("/api/v1/office/dossiers", query_string={"queue": queue, "q": q, "per_page": 100},
                      headers=headers).get_json()
    return {item["id"] for item in body["items"]}


def accepted(office_staff, start, n):
    ids = []
    for i in range(n):
        d = new_submitted(office_staff, start + timedelta(minutes=i))
        act(d.id, "accept", office_staff.officer, start + timedelta(minutes=i, seconds=30))
        ids.append(d.id)
    return ids


# ---------------------------------------------------------------------------------------------
# Search


def test_search_by_code_part_internal_number_folded_name_id_number_and_phone(client, office_staff, make_user):
    now = utcnow()
    taken = new_submitted(office_staff, now - timedelta(hours=3))
    act(taken.id, "accept", office_staff.officer, now - timedelta(hours=2))
    waiting = new_submitted(office_staff, now - timedelta(hours=1))
    other_citizen = make_user(username="congdan2", full_name="Đỗ Thị Nhung", id_number="012190000777")
    office_staff.citizen, first_citizen = other_citizen, office_staff.citizen
    other = new_submitted(office_staff, now - timedelta(minutes=30))
    office_staff.citizen = first_citizen
    other.applicant = {**other.applicant, "phone": "+84 977 123 456"}  # through the ORM: search text kept
    db.session.commit()
    headers = token(client, office_staff.officer.username)
    code = db.session.get(Dossier, taken.id).code
    assert code and found(client, headers, code) == {taken.id}
    assert found(client, headers, code.lower()) == {taken.id}
    assert taken.id in found(client, headers, code.split("-", 1)[1])  # "261122-0007"
    assert taken.id in found(client, headers, code[-4:])  # the last 4 digits
    # the number the queue shows for a dossier without a code, pasted as shown or typed
    for typed in (f"Chưa cấp mã (số {waiting.id})", f"số {waiting.id}", f"so {waiting.id}"):
        assert found(client, headers, typed) == {waiting.id}, typed
    assert waiting.id in found(client, headers, str(waiting.id))
    assert found(client, headers, f"số: {waiting.id}") == {waiting.id}
    assert found(client, headers, f"so {code}") == set()  # "số" before a code is not an internal number
    # names without diacritics, any case, words in any order
    assert found(client, headers, "do thi nhung") == {other.id}
    assert found(client, headers, "NHUNG đỗ") == {other.id}
    assert found(client, headers, "lo van pa") == {taken.id, waiting.id}
    # ID number and phone, as people type them
    assert found(client, headers, "012190000777") == {other.id}
    assert found(client, headers, "0977 123 456") == {other.id}
    assert found(client, headers, "+84977123456") == {other.id}
    assert found(client, headers, "0977.123.456") == {other.id}
    assert found(client, headers, "không ai cả") == set()
    assert found(client, headers, "%") == set() and found(client, headers, "_") == set()
    for typed in ("x' OR '1'='1", "\\", "pa\\%", "'; DROP TABLE dossiers; --"):  # the pattern is quoted
        assert found(client, headers, typed) == set(), typed
    assert found(client, headers, "lo van pa") == {taken.id, waiting.id}


def test_search_never_crosses_agencies(client, office_staff, make_user):
    from tests.integration.test_office_api import _procedure_of_other_agency

    mine = new_submitted(office_staff, utcnow() - timedelta(hours=1))
    other_office = build_office(make_user, procedure=_procedure_of_other_agency(office_staff), prefix="x")
    theirs = new_submitted(other_office, utcnow() - timedelta(hours=1))
    headers = token(client, office_staff.officer.username)
    assert found(client, headers, "lo van pa") == {mine.id}
    assert found(client, headers, f"số {theirs.id}") == set()


def test_a_search_is_planned_for_its_own_values_not_with_a_generic_plan(office_staff):
    """psycopg prepares a statement run five times; PostgreSQL's generic plan of a search ignores
    the agency's selectivity (17 ms instead of 7 at 1M dossiers): searches force custom plans."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("plan_cache_mode is PostgreSQL's (the PostgreSQL pass of make test)")
    mine = new_submitted(office_staff, utcnow() - timedelta(hours=1))
    office.queue(office_staff.officer, office.QueueFilter(queue="all"))
    assert db.session.scalar(select(func.current_setting("plan_cache_mode"))) == "auto"  # a listing: as configured
    page = office.queue(office_staff.officer, office.QueueFilter(queue="all", q="lo van pa"))
    assert [row.id for row in page.rows] == [mine.id]
    assert db.session.scalar(select(func.current_setting("plan_cache_mode"))) == "force_custom_plan"


def test_search_text_follows_the_code_and_the_applicant():
    from portal.text import dossier_search_text

    text = dossier_search_text("000.00.31.H33-261122-0007", {
        "full_name": "Nguyễn Văn Đức", "id_number": "0121 9012 3456", "phone": "+84 912 345 678"})
    assert text == "nguyen van duc | 000.00.31.h33-261122-0007 | 012190123456 | 0912345678"


def test_search_box_is_always_visible_and_tabs_show_counts(client, pages, office_staff):
    ids = accepted(office_staff, utcnow() - timedelta(hours=2), 2)
    new_submitted(office_staff, utcnow() - timedelta(minutes=10))
    login(pages, office_staff.officer)
    html = client.get("/mot-cua/").get_data(as_text=True)
    search = html.index('role="search"')
    assert 'type="search" id="q" name="q"' in html
    assert "<details" not in html[:search] and html.index('id="q"') < html.index("<details")
    counts = client.get("/api/v1/office/dossiers", headers=token(client, office_staff.officer.username)).get_json()
    assert counts["counts"]["work"] == 3 and counts["counts"]["new"] == 1 and counts["counts"]["all"] == 3
    assert '<span class="tab-count">3<span class="visually-hidden"> hồ sơ</span>' in html
    assert '<span class="tab-count">1<span class="visually-hidden"> hồ sơ</span>' in html
    assert "Phím tắt" in html and "<kbd>/</kbd>" in html and 'aria-keyshortcuts="/"' in html
    assert all(f'value="{i}:' in html for i in ids)


# ---------------------------------------------------------------------------------------------
# Counts


def _listed(client, headers, queue) -> int:
    total, cursor = 0, None
    while True:
        query = {"queue": queue, "per_page": 100, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/office/dossiers", query_string=query, headers=headers).get_json()
        total += len(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return total


def test_tab_counts_equal_the_listed_dossiers_after_every_kind_of_change(client, office_staff):
    now = utcnow()
    late = accepted(office_staff, now - timedelta(days=60), 3)
    act(late[0], "forward", office_staff.officer, now - timedelta(days=59))
    act(late[1], "request_supplement", office_staff.officer, now - timedelta(days=59), reason="Thiếu bản sao",
        items=["Bản sao CCCD"])
    fresh = accepted(office_staff, now - timedelta(hours=3), 2)
    act(fresh[0], "forward", office_staff.officer, now - timedelta(hours=2))
    act(fresh[0], "forward", office_staff.unit_leader, now - timedelta(hours=1),
        assignee_id=office_staff.specialist.id)
    new_submitted(office_staff, now - timedelta(minutes=5))
    assert queue_counts.verify(db.session.connection()) == []
    for user in (office_staff.officer, office_staff.unit_leader, office_staff.specialist):
        headers = token(client, user.username)
        counts = client.get("/api/v1/office/dossiers", headers=headers).get_json()["counts"]
        for queue in office.QUEUES:
            assert counts[queue] == _listed(client, headers, queue), (user.role, queue)
    officer_counts = client.get("/api/v1/office/dossiers", headers=token(client, office_staff.officer.username)) \
        .get_json()["counts"]
    assert officer_counts["overdue"] == 2 and officer_counts["supplement"] == 1 and officer_counts["new"] == 1


def test_verify_finds_a_write_that_skipped_the_counts_and_rebuild_repairs_it(office_staff):
    d = new_submitted(office_staff, utcnow() - timedelta(hours=1))
    connection = db.session.connection()
    assert queue_counts.verify(connection) == []
    db.session.execute(update(Dossier).where(Dossier.id == d.id).values(status="accepted", due_at=utcnow()))
    differences = queue_counts.verify(db.session.connection())
    assert {name for name, *_ in differences} == {"queue_counts", "queue_due_counts"}
    queue_counts.rebuild(db.session.connection())
    assert queue_counts.verify(db.session.connection()) == []
    db.session.rollback()


def test_stats_verify_checks_the_queue_counts(app, office_staff):
    new_submitted(office_staff, utcnow() - timedelta(hours=1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "verify"])
    assert result.exit_code == 0 and "hàng đợi" in result.output, result.output
    db.session.execute(update(Dossier).values(holder_role="specialist"))  # bypasses the counts
    db.session.commit()
    result = runner.invoke(args=["stats", "verify"])
    assert result.exit_code == 1 and "queue_counts" in result.output, result.output
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["stats", "verify"]).exit_code == 0


# ---------------------------------------------------------------------------------------------
# The "new" tab


def test_new_tab_shows_the_newest_filing_first_and_flags_those_waiting_too_long(client, pages, office_staff):
    now = utcnow()
    old = new_submitted(office_staff, now - timedelta(days=10))
    newest = new_submitted(office_staff, now - timedelta(minutes=5))
    headers = token(client, office_staff.officer.username)
    items = client.get("/api/v1/office/dossiers?queue=new", headers=headers).get_json()["items"]
    assert [i["id"] for i in items] == [newest.id, old.id]
    login(pages, office_staff.officer)
    html = client.get("/mot-cua/?queue=new").get_data(as_text=True)
    assert html.index(f"/mot-cua/ho-so/{newest.id}\"") < html.index(f"/mot-cua/ho-so/{old.id}\"")
    old_row = html[html.index(f"/mot-cua/ho-so/{old.id}\""):]
    old_row = old_row[:old_row.index("</tr>")]
    assert "Kiểm tra, tiếp nhận: quá hạn" in old_row
    row_start = html.rindex("<tr", 0, html.index(f"/mot-cua/ho-so/{old.id}\""))
    assert "is-overdue" in html[row_start:html.index(f"/mot-cua/ho-so/{old.id}\"")]


def test_default_queue_lists_dossiers_without_a_due_date_last_and_pages_past_them(client, office_staff):
    now = utcnow()
    dated = accepted(office_staff, now - timedelta(days=3), 3)
    undated = [new_submitted(office_staff, now - timedelta(minutes=30 - i)).id for i in range(3)]
    headers = token(client, office_staff.officer.username)
    seen, cursor = [], None
    while True:
        query = {"per_page": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/office/dossiers", query_string=query, headers=headers).get_json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == dated + sorted(undated)
    pages = [i["id"] for p in (1, 2, 3) for i in client.get(f"/api/v1/office/dossiers?per_page=2&page={p}",
                                                            headers=headers).get_json()["items"]]
    assert pages == seen


# ---------------------------------------------------------------------------------------------
# Bulk forward and assign


def _events(ids) -> int:
    return db.session.scalar(select(func.count()).select_from(DossierEvent).where(
        DossierEvent.dossier_id.in_(ids), DossierEvent.action == "forward"))


def test_bulk_forward_of_20_with_one_stale_gives_19_events_and_one_clear_failure(client, office_staff):
    ids = accepted(office_staff, utcnow() - timedelta(hours=5), 20)
    versions = {d.id: d.version for d in db.session.scalars(select(Dossier).where(Dossier.id.in_(ids)))}
    stale = ids[7]
    headers = token(client, office_staff.officer.username)
    items = [{"id": i, "version": versions[i] - (1 if i == stale else 0)} for i in ids]
    response = client.post("/api/v1/office/dossiers/bulk", json={"action": "forward", "items": items},
                           headers={**headers, "Idempotency-Key": "bulk-test-1"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert len(body["done"]) == 19 and [f["id"] for f in body["failed"]] == [stale]
    failure = body["failed"][0]["error"]
    assert failure["code"] == "stale_version" and failure["status"] == 409 and "cập nhật" in failure["message"]
    db.session.expire_all()
    assert _events(ids) == 19 and _events([stale]) == 0
    assert {d.step_key for d in db.session.scalars(select(Dossier).where(Dossier.id.in_(ids), Dossier.id != stale))} \
        == {"phan-cong"}
    assert db.session.get(Dossier, stale).step_key == "tiep-nhan"
    # the same request again (a retry): replayed, nothing done twice, the stale one still refused
    again = client.post("/api/v1/office/dossiers/bulk", json={"action": "forward", "items": items},
                        headers={**headers, "Idempotency-Key": "bulk-test-1"}).get_json()
    assert len(again["done"]) == 19 and all(d["replayed"] for d in again["done"]) and len(again["failed"]) == 1
    assert _events(ids) == 19
    assert queue_counts.verify(db.session.connection()) == []


def test_bulk_assign_names_the_person_and_refuses_per_dossier(client, office_staff):
    ids = accepted(office_staff, utcnow() - timedelta(hours=5), 3)
    act(ids[0], "forward", office_staff.officer, utcnow() - timedelta(hours=4))
    act(ids[1], "forward", office_staff.officer, utcnow() - timedelta(hours=4))
    db.session.expire_all()
    headers = token(client, office_staff.unit_leader.username)
    items = [{"id": i, "version": db.session.get(Dossier, i).version} for i in ids]
    body = client.post("/api/v1/office/dossiers/bulk", json={
        "action": "forward", "items": items, "assignee_id": office_staff.specialist.id}, headers=headers).get_json()
    assert [d["id"] for d in body["done"]] == ids[:2]
    assert all(d["holder_id"] == office_staff.specialist.id for d in body["done"])
    assert [f["id"] for f in body["failed"]] == [ids[2]]  # still at the desk's step: not the leader's
    bad = client.post("/api/v1/office/dossiers/bulk", json={"action": "approve", "items": items}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "bad_bulk_action"
    empty = client.post("/api/v1/office/dossiers/bulk", json={"action": "forward", "items": []}, headers=headers)
    assert empty.status_code == 422
    malformed = client.post("/api/v1/office/dossiers/bulk", json={"action": "forward", "items": [{"id": "x"}]},
                            headers=headers)
    assert malformed.status_code == 422


def test_bulk_forward_from_the_queue_page(client, pages, office_staff, make_user):
    from tests.integration.test_office_api import _procedure_of_other_agency

    ids = accepted(office_staff, utcnow() - timedelta(hours=5), 3)
    other_office = build_office(make_user, procedure=_procedure_of_other_agency(office_staff), prefix="x")
    foreign = accepted(other_office, utcnow() - timedelta(hours=5), 1)[0]
    login(pages, office_staff.officer)
    html = client.get("/mot-cua/").get_data(as_text=True)
    token_value = csrf_token_from(html)
    db.session.expire_all()
    selected = [f"{i}:{db.session.get(Dossier, i).version}" for i in ids] + [f"{foreign}:3"]
    selected[1] = f"{ids[1]}:1"  # read before someone else changed it
    response = client.post("/mot-cua/hang-loat", data={"csrf_token": token_value, "selected": selected,
                                                        "assignee": "", "key": "trang-1", "back": "/mot-cua/"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã chuyển 2 hồ sơ; 2 hồ sơ không chuyển được." in page
    assert "vừa được người khác cập nhật" in page
    db.session.expire_all()
    assert [db.session.get(Dossier, i).step_key for i in ids] == ["phan-cong", "tiep-nhan", "phan-cong"]
    assert db.session.get(Dossier, foreign).step_key == "tiep-nhan"
    assert db.session.get(Dossier, foreign).code not in page  # another agency's dossier: not even its code
