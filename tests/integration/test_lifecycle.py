"""The dossier lifecycle through the portal's operation: persistence, deadlines, events."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from portal.extensions import db
from portal.models import Dossier, DossierEvent, User
from portal.operations import dossiers, lifecycle
from portal.operations.calendar import set_override, working_calendar
from portal.operations.events import verify_chains
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn, walk_to_result
from workflow.codes import parse_code


@pytest.fixture
def office(make_user):
    return build_office(make_user)


def test_a_dossier_walks_from_draft_to_returned(office):
    start = vn(2026, 11, 23, 8, 0)  # Monday morning
    dossier = new_submitted(office, start - timedelta(hours=1))
    # The code is given at submission (the applicant can quote it at once); the clock waits for reception.
    assert dossier.status == "submitted" and dossier.code and dossier.received_at is None and dossier.due_at is None
    code_at_submission = dossier.code
    dossier = walk_to_result(office, dossier.id, start)
    assert dossier.code == code_at_submission
    assert dossier.status == "processed" and dossier.timeliness == "early"
    dossier = act(dossier.id, "return_result", office.officer, start + timedelta(days=1))
    assert dossier.status == "returned" and dossier.returned_at is not None
    agency_identifier, day, seq = parse_code(dossier.code)
    assert agency_identifier == office.procedure.agency.identifier and day.isoformat() == "2026-11-23" and seq >= 1
    expected_due = working_calendar(dossier.agency_id).add_working_minutes(start, office.procedure.processing_days * 480)
    assert dossier.due_at == expected_due and dossier.original_due_at == expected_due
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].action == "create" and events[-1].action == "return_result"
    handovers = [e for e in events if e.action in ("forward", "issue_result") and e.step_due_at is not None]
    assert handovers and all(e.step_timeliness in ("early", "on_time", "late") for e in handovers)
    assert verify_chains([dossier.id]) == (len(events), [])


def test_wrong_role_wrong_status_stale_version_and_missing_reason(office):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    with pytest.raises(dossiers.Forbidden):
        lifecycle.perform(dossier.id, "accept", office.specialist)
    with pytest.raises(dossiers.NotAllowed):
        lifecycle.perform(dossier.id, "return_result", office.officer)
    with pytest.raises(dossiers.StaleVersion):
        lifecycle.perform(dossier.id, "accept", office.officer, lifecycle.ActionInput(version=dossier.version - 1))
    with pytest.raises(dossiers.DossierError) as error:
        lifecycle.perform(dossier.id, "refuse_intake", office.officer, lifecycle.ActionInput(reason="  "))
    assert error.value.status == 422
    db.session.rollback()
    assert db.session.get(Dossier, dossier.id).status == "submitted"


def test_other_agencies_and_other_citizens_do_not_see_the_dossier(office, make_user):
    from sqlalchemy import select as sel

    from portal.models import Agency

    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    other_agency = db.session.scalar(sel(Agency).where(Agency.id != office.procedure.agency_id).limit(1))
    stranger = make_user(role="one_stop_officer", agency=other_agency.code, username="nguoingoai")
    other_citizen = make_user(username="congdankhac")
    with pytest.raises(dossiers.DossierNotFound):
        lifecycle.perform(dossier.id, "accept", stranger)
    with pytest.raises(dossiers.DossierNotFound):
        lifecycle.perform(dossier.id, "withdraw", other_citizen, lifecycle.ActionInput(reason="không cần nữa"))


def test_only_the_role_of_the_current_step_moves_it(office):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 5))
    dossier = act(dossier.id, "forward", office.officer, vn(2026, 11, 23, 8, 10))
    assert dossier.status == "in_process" and dossier.holder_role == office.procedure.steps[1]["role"]
    wrong = office.specialist if dossier.holder_role != "specialist" else office.unit_leader
    with pytest.raises(dossiers.Forbidden) as error:
        lifecycle.perform(dossier.id, "forward", wrong)
    assert error.value.code == "not_your_step"


def test_supplement_rounds_stop_the_clock(office):
    start = vn(2026, 11, 23, 8, 0)
    dossier = new_submitted(office, start)
    act(dossier.id, "accept", office.officer, start)
    original = db.session.get(Dossier, dossier.id).due_at
    calendar = working_calendar(dossier.agency_id)
    paused_total = 0
    # Three rounds: request on Tuesday 09:00 of successive weeks, answer Thursday 15:00.
    for week in range(3):
        requested = vn(2026, 11, 24, 9, 0) + timedelta(weeks=week)
        answered = vn(2026, 11, 26, 15, 0) + timedelta(weeks=week)
        d = act(dossier.id, "request_supplement", office.officer, requested, reason="Thiếu bản sao", items=["Bản sao CCCD"],
                repeat_reason="Bản sao nộp lần trước bị mờ" if week else "")
        assert d.status == "supplement_requested" and d.paused_since == requested
        assert d.supplement_requests == week + 1
        d = act(dossier.id, "supplement", office.citizen, answered)
        paused_total += calendar.working_minutes_between(requested, answered)
        assert d.status == "accepted" and d.paused_since is None
        assert d.due_at == calendar.add_working_minutes(original, paused_total)
    assert len(d.pauses) == 3


def test_apology_by_the_agency_head_once_and_at_least_a_working_day_ahead(office):
    start = vn(2026, 11, 23, 8, 0)
    dossier = new_submitted(office, start)
    act(dossier.id, "accept", office.officer, start)
    act(dossier.id, "forward", office.officer, start + timedelta(minutes=5))
    d = db.session.get(Dossier, dossier.id)
    new_due = d.due_at + timedelta(days=7)
    with pytest.raises(dossiers.Forbidden):  # a unit leader may not apologize for the agency
        act(dossier.id, "apologize", office.unit_leader, start + timedelta(days=1), reason="Cần xác minh thực địa",
            new_due_at=new_due)
    calendar = working_calendar(d.agency_id)
    too_late = calendar.add_working_minutes(d.due_at - timedelta(hours=1), 0)  # less than a working day left
    with pytest.raises(dossiers.DossierError) as late:
        act(dossier.id, "apologize", office.agency_leader, too_late, reason="Cần xác minh thực địa", new_due_at=new_due)
    assert late.value.code == "guard_apology_early_enough"
    d = act(dossier.id, "apologize", office.agency_leader, start + timedelta(days=1), reason="Cần xác minh thực địa",
            new_due_at=new_due)
    assert d.due_at.replace(second=0, microsecond=0) == new_due.replace(second=0, microsecond=0)
    assert d.original_due_at < d.due_at
    with pytest.raises(dossiers.DossierError):
        lifecycle.perform(dossier.id, "apologize", office.agency_leader,
                         lifecycle.ActionInput(reason="lần hai", new_due_at=new_due + timedelta(days=3)))


def test_codes_count_per_agency_and_day(office):
    first = new_submitted(office, vn(2026, 11, 23, 8, 0))
    second = new_submitted(office, vn(2026, 11, 23, 8, 1))
    a = act(first.id, "accept", office.officer, vn(2026, 11, 23, 9, 0)).code
    b = act(second.id, "accept", office.officer, vn(2026, 11, 23, 9, 1)).code
    assert parse_code(b)[2] == parse_code(a)[2] + 1
    third = new_submitted(office, vn(2026, 11, 24, 8, 0))
    c = act(third.id, "accept", office.officer, vn(2026, 11, 24, 9, 0)).code
    assert parse_code(c)[1].isoformat() == "2026-11-24" and parse_code(c)[2] == 1


def test_a_reception_after_closing_counts_from_the_next_working_morning(office):
    friday_evening = vn(2026, 11, 27, 17, 1)
    dossier = new_submitted(office, friday_evening)
    d = act(dossier.id, "accept", office.officer, friday_evening)
    calendar = working_calendar(d.agency_id)
    assert d.due_at == calendar.add_working_minutes(vn(2026, 11, 30, 7, 0), office.procedure.processing_days * 480)


def test_calendar_overrides_move_due_dates(office):
    set_override(vn(2026, 11, 24, 0, 0).date(), "day_off", "Nghỉ bù theo thông báo của UBND tỉnh")
    db.session.commit()
    start = vn(2026, 11, 23, 8, 0)
    dossier = new_submitted(office, start)
    d = act(dossier.id, "accept", office.officer, start)
    without = working_calendar(None)
    assert d.due_at > start
    assert not without.is_working_day(vn(2026, 11, 24, 8, 0))


def test_tampering_with_an_event_is_detected(office, runner):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    assert verify_chains([dossier.id])[1] == []
    db.session.execute(text("UPDATE dossier_events SET comment = 'sửa lén' WHERE dossier_id = :d AND seq = 2"),
                       {"d": dossier.id})
    checked, breaks = verify_chains([dossier.id])
    assert [b.seq for b in breaks] == [2]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "sự kiện #2" in result.output


def test_deleting_the_newest_event_is_detected(office):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    last = db.session.scalar(select(DossierEvent.seq).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.seq.desc()))
    db.session.execute(text("DELETE FROM dossier_events WHERE dossier_id = :d AND seq = :s"), {"d": dossier.id, "s": last})
    assert any("newest" in b.problem for b in verify_chains([dossier.id])[1])


def test_audit_verify_command_on_a_clean_log(office, runner):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "không có chỗ hỏng" in result.output


def test_calendar_commands(runner):
    result = runner.invoke(args=["calendar", "add-working-day", "2026-12-05", "--note", "Làm bù cho ngày 24/12"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["calendar", "show", "--year", "2026"])
    assert "05/12/2026 làm việc (làm bù): Làm bù cho ngày 24/12" in result.output
    assert "17/02/2026" in result.output  # Tết Bính Ngọ, first day
    assert working_calendar().is_working_day(vn(2026, 12, 5, 8, 0).date())
    result = runner.invoke(args=["calendar", "working-hours", "07:30-11:30", "13:30-17:30"])
    assert result.exit_code == 0
    assert working_calendar().working_hours.opening.strftime("%H:%M") == "07:30"
    result = runner.invoke(args=["calendar", "working-hours", "17:00-07:00"])
    assert result.exit_code != 0 and "không hợp lệ" in result.output


def test_the_2025_code_format_is_a_setting(office, app, monkeypatch):
    """DOSSIER_CODE_FORMAT=2025 writes TT 04/2025 codes (<agency>-<YYMMDD>-<AA><XXXX>); the
    public lookup finds them as it finds 2018 codes."""
    from portal.operations.applicant import find_by_code

    monkeypatch.setitem(app.config, "DOSSIER_CODE_FORMAT", "2025")
    monkeypatch.setitem(app.config, "DOSSIER_CODE_SYSTEM", "05")
    first = new_submitted(office, vn(2026, 11, 23, 8, 0))
    code = act(first.id, "accept", office.officer, vn(2026, 11, 23, 9, 0)).code
    identifier = office.procedure.agency.identifier
    assert code == f"{identifier}-261123-050001"
    assert parse_code(code) == (identifier, parse_code(code)[1], 1)
    assert find_by_code(code).id == first.id
    monkeypatch.setitem(app.config, "DOSSIER_CODE_FORMAT", "2018")
    second = new_submitted(office, vn(2026, 11, 23, 8, 5))
    assert act(second.id, "accept", office.officer, vn(2026, 11, 23, 9, 5)).code == f"{identifier}-261123-0002"


def test_an_unusable_code_setting_stops_the_start():
    from portal import create_app

    with pytest.raises(RuntimeError, match="DOSSIER_CODE"):
        create_app({"PORTAL_ENV": "testing", "DOSSIER_CODE_FORMAT": "2025", "DOSSIER_CODE_SYSTEM": "x"})


def test_events_of_one_transaction_chain_without_reading_back_and_a_rolled_back_one_is_forgotten(office):
    """``append_event`` remembers the head it appended in the transaction; a savepoint's rollback
    drops it (the event is gone), so the next event links to the stored head, not the lost one."""
    dossier = dossiers.create_draft(office.citizen, office.procedure, {"ghi_chu": "thử"})
    lifecycle.apply_action(dossier, "submit", office.citizen, lifecycle.ActionInput(documents_complete=True),
                           now=vn(2026, 11, 23, 8, 0))  # create and submit in one transaction
    db.session.commit()
    dossier = dossiers.load_for_update(dossier.id, office.officer)
    savepoint = db.session.begin_nested()
    lifecycle.apply_action(dossier, "accept", office.officer, lifecycle.ActionInput(documents_complete=True),
                           now=vn(2026, 11, 23, 9, 0))
    savepoint.rollback()  # the accept event (seq 3) never happened
    dossier = dossiers.load_for_update(dossier.id, office.officer)
    lifecycle.apply_action(dossier, "accept", office.officer, lifecycle.ActionInput(documents_complete=True),
                           now=vn(2026, 11, 23, 9, 30))
    db.session.commit()
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.seq)).all()
    assert [(e.seq, e.action) for e in events] == [(1, "create"), (2, "submit"), (3, "accept")]
    assert events[2].prev_hash == events[1].hash
    assert verify_chains([dossier.id]) == (3, [])


def test_a_draft_is_inserted_as_a_flush_of_its_object_would_insert_it(office):
    """``create_draft`` writes the row itself (no unit of work): every column as a flush of the
    same ``Dossier`` gives it (defaults, the folded search columns), the object loaded as stored
    (reading it sends no query), and its later changes written by the next flush."""
    details = {"full_name": "Lò Thị Hoà", "id_number": "012345678901", "address": "Bản Hon", "phone": "0912345678",
               "email": ""}
    procedure, citizen = office.procedure, office.citizen
    draft = dossiers.create_draft(citizen, procedure, {"ghi_chu": "thử"}, applicant_details=details, record=False)
    flushed = Dossier(procedure=procedure, agency_id=procedure.agency_id, applicant_id=citizen.id, applicant=details,
                      channel="online", status="draft", form_version=procedure.form_version,
                      procedure_version=procedure.version, form_snapshot=procedure.form_schema,
                      form_data={"ghi_chu": "thử"}, fee_amount=procedure.fee_amount)
    db.session.add(flushed)
    db.session.flush()
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        as_inserted = {c.key: getattr(draft, c.key) for c in Dossier.__table__.columns}
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert statements == []  # every column loaded as stored
    db.session.expire_all()
    columns = [c.key for c in Dossier.__table__.columns if c.key not in ("id", "created_at", "updated_at")]
    stored = {d.id: {k: getattr(d, k) for k in columns} for d in (db.session.get(Dossier, draft.id),
                                                                 db.session.get(Dossier, flushed.id))}
    assert stored[draft.id] == stored[flushed.id] == {k: as_inserted[k] for k in columns}
    assert stored[draft.id]["applicant_search"] == "lo thi hoa" and "012345678901" in stored[draft.id]["search_text"]
    draft = db.session.get(Dossier, draft.id)
    draft.form_data = {"ghi_chu": "đã sửa"}
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Dossier, draft.id).form_data == {"ghi_chu": "đã sửa"}
    assert db.session.get(Dossier, draft.id).version == 2


def test_a_rolled_back_draft_leaves_the_session_as_a_flushed_one_does(office):
    """The draft's row is inserted without the unit of work (``database.add_as_inserted``), and a
    rollback still takes its object out of the session: the savepoint's rollback only what was
    inserted in it. Otherwise the object would name a row that is gone, and SQLite, which gives
    the same id again, could not take the next draft."""
    procedure, citizen = office.procedure, office.citizen
    first = dossiers.create_draft(citizen, procedure, {"ghi_chu": "một"})
    first_id = first.id
    db.session.rollback()
    assert first not in db.session
    again = dossiers.create_draft(citizen, procedure, {"ghi_chu": "hai"})  # SQLite: the same id again
    savepoint = db.session.begin_nested()
    inner = dossiers.create_draft(citizen, procedure, {"ghi_chu": "ba"})
    inner_id = inner.id
    savepoint.rollback()
    assert inner not in db.session and again in db.session
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Dossier, again.id).form_data == {"ghi_chu": "hai"}
    assert db.session.get(Dossier, inner_id) is None
    assert first_id == again.id or db.session.get(Dossier, first_id) is None


def test_a_draft_for_an_applicant_created_in_the_same_transaction_names_that_applicant(office):
    """What is pending in the session is flushed before the draft's row is written: an applicant
    created in this transaction (not flushed yet) gets its id, and the draft names it."""
    applicant = User(username="congdan-moi", password_hash="x", full_name="Lò Văn Mới", role="citizen",
                     id_number="012345678999")
    db.session.add(applicant)
    with db.session.no_autoflush:  # no read of the procedure flushes it on the way
        draft = dossiers.create_draft(applicant, office.procedure, {"ghi_chu": "thử"})
    db.session.commit()
    db.session.expire_all()
    assert applicant.id is not None and db.session.get(Dossier, draft.id).applicant_id == applicant.id


def test_a_dossier_flush_has_no_dependency_to_sort_for_the_rows_it_points_to(office):
    """The dossier's references (procedure, agencies, applicant, holder) and every reference to a
    dossier (its events, payments, feedback, appointment proofs) are view-only: a flush that
    changes a dossier and adds its events writes their foreign-key columns and has nothing to
    sort for them (the unit of work's sorting was a sixth of a submission's flush). The flush
    still writes everything."""
    from sqlalchemy import inspect

    ends = (Dossier, DossierEvent)
    writable = [f"{mapper.class_.__name__}.{r.key}" for mapper in db.Model.registry.mappers
                for r in mapper.relationships if not r.viewonly and (mapper.class_ in ends or r.mapper.class_ in ends)]
    assert writable == []
    assert inspect(Dossier).relationships  # there are references, all of them view-only
    draft = dossiers.create_draft(office.citizen, office.procedure, {"ghi_chu": "thử"})
    sorted_for = []
    listen = lambda _session, context: sorted_for.extend(context.presort_actions)  # noqa: E731
    event.listen(db.session(), "after_flush", listen)
    try:
        lifecycle.perform(draft.id, "submit", office.citizen, lifecycle.ActionInput(documents_complete=True))
    finally:
        event.remove(db.session(), "after_flush", listen)
    assert [str(a) for a in sorted_for] == []
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Dossier, draft.id)
    assert stored.status == "submitted" and stored.procedure_id == office.procedure.id
    assert [e.action for e in stored.events] == ["create", "submit"]


def test_assigning_a_row_to_a_dossier_reference_writes_its_foreign_key(office):
    """A view-only reference is written through its column: assigning an object sets the column
    (and the flush writes it), ``None`` clears it, and an object without an id yet is refused
    before anything changes, since the flush would not insert it first any more."""
    draft = dossiers.create_draft(office.citizen, office.procedure, {"ghi_chu": "thử"})
    draft.holder = office.officer
    assert draft.holder_id == office.officer.id
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Dossier, draft.id).holder_id == office.officer.id
    stored = db.session.get(Dossier, draft.id)
    newcomer = User(username="chuyenvien-moi", password_hash="x", full_name="Lò Văn Mới", role="specialist")
    with pytest.raises(ValueError, match="holder"):
        stored.holder = newcomer
    assert stored.holder_id == office.officer.id
    stored.holder = None
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Dossier, draft.id).holder_id is None
    built = Dossier(procedure=office.procedure)
    assert built.procedure_id == office.procedure.id and built.procedure is office.procedure
