"""Link-up between agencies (liên thông, issue #15): a procedure's process includes steps taken by
other agencies. The joined-up birth procedure (LC-18) of a ward passes through the ward police
(permanent residence) and the social security office (health insurance card) and comes back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Dossier, DossierEvent, Procedure
from portal.operations import lifecycle, office
from portal.operations.dossiers import DossierNotFound, Forbidden
from portal.operations.forms import control_sheet_data
from portal.operations.lifecycle import ActionInput
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def linked(make_user):
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == "LC-18"))
    ward = build_office(make_user, procedure)
    police = make_user(role="specialist", agency="cong-an-phuong-doan-ket", username="congan.dk")
    insurance = make_user(role="specialist", agency="bhxh-tinh", username="bhxh.cv")
    other_police = make_user(role="specialist", agency="cong-an-phuong-tan-phong", username="congan.tp")
    return ward, police, insurance, other_police


def _agency_id(code: str) -> int:
    return db.session.scalar(select(Agency.id).where(Agency.code == code))


def _queue_ids(user, queue: str) -> set[int]:
    page = office.queue(user, office.QueueFilter(queue=queue, per_page=100))
    return {row.id for row in page.rows}


def test_a_link_up_procedure_walks_through_two_other_agencies(linked):
    ward, police, insurance, other_police = linked
    t = vn(2026, 12, 1, 8, 0)  # Tuesday
    dossier = new_submitted(ward, t)
    act(dossier.id, "accept", ward.officer, t)
    act(dossier.id, "forward", ward.officer, t + timedelta(hours=1))           # -> ward specialist

    # The police see nothing before their step: another agency's dossier is a 404 to them.
    with pytest.raises(DossierNotFound):
        lifecycle.perform(dossier.id, "forward", police, ActionInput(), now=t + timedelta(hours=2))
    db.session.rollback()
    assert dossier.id not in _queue_ids(police, "linked")

    d = act(dossier.id, "forward", ward.specialist, t + timedelta(hours=2))   # -> ward police
    assert d.step_key == "dang-ky-thuong-tru" and d.step_agency_id == _agency_id("cong-an-phuong-doan-ket")
    assert d.holder_role == "specialist"
    # The police find it in their link-up queue; another ward's police and the ward itself do not act.
    assert dossier.id in _queue_ids(police, "linked")
    assert dossier.id not in _queue_ids(other_police, "linked")
    assert dossier.id in _queue_ids(ward.officer, "work")  # the deciding agency still follows it
    # The ward keeps what is its own (supplements, fees), never the police's step.
    assert not {"forward", "send_back", "propose_result"} & set(lifecycle.offered_actions(d, ward.specialist))
    assert set(lifecycle.offered_actions(d, police)) == {"forward", "send_back"}
    with pytest.raises(Forbidden) as refused:
        lifecycle.perform(dossier.id, "forward", ward.specialist, ActionInput(), now=t + timedelta(hours=3))
    assert refused.value.code == "not_your_agency"
    db.session.rollback()
    with pytest.raises(Forbidden) as refused:
        lifecycle.perform(dossier.id, "propose_result", police, ActionInput(), now=t + timedelta(hours=3))
    assert refused.value.code == "linked_step_action"
    db.session.rollback()

    # The police hand over two working days later: their 12-hour step was due after 1.5 days: late.
    d = act(dossier.id, "forward", police, t + timedelta(days=2, hours=2))   # -> social security
    assert d.step_key == "cap-the-bhyt" and d.step_agency_id == _agency_id("bhxh-tinh")
    assert dossier.id not in _queue_ids(police, "linked")
    with pytest.raises(DossierNotFound):  # back to a 404 once the step is over
        lifecycle.perform(dossier.id, "forward", police, ActionInput(), now=t + timedelta(days=2, hours=3))
    db.session.rollback()
    d = act(dossier.id, "forward", insurance, t + timedelta(days=2, hours=4))  # -> ward specialist, on time
    assert d.step_key == "tong-hop" and d.step_agency_id is None

    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.seq)).all()
    by_step = {e.from_step: e for e in events if e.action == "forward"}
    assert by_step["dang-ky-thuong-tru"].agency_id == _agency_id("cong-an-phuong-doan-ket")
    assert by_step["dang-ky-thuong-tru"].step_timeliness == "late"
    assert by_step["cap-the-bhyt"].agency_id == _agency_id("bhxh-tinh")
    assert by_step["cap-the-bhyt"].step_timeliness in ("early", "on_time")

    # The control sheet names both coordinating agencies and who acted for them.
    sheet = control_sheet_data(db.session.get(Dossier, dossier.id), events)
    assert sheet.coordinating_agencies == ["Công an phường Đoàn Kết", "Bảo hiểm xã hội tỉnh Lai Châu"]
    givers = " | ".join(row.giver for row in sheet.handovers)
    assert "Công an phường Đoàn Kết" in givers and "Bảo hiểm xã hội tỉnh Lai Châu" in givers

    # The ward finishes: proposal, signature, issue, all by its own people.
    d = act(dossier.id, "propose_result", ward.specialist, t + timedelta(days=2, hours=5))
    d = act(dossier.id, "forward", ward.specialist, t + timedelta(days=2, hours=6))
    d = act(dossier.id, "approve", ward.agency_leader, t + timedelta(days=2, hours=7))
    assert d.result_signed


def test_a_hand_over_to_a_linked_step_names_a_person_of_that_agency(linked, app):
    from portal.operations import commands

    ward, police, _insurance, _other = linked
    t = vn(2026, 12, 1, 8, 0)
    dossier = new_submitted(ward, t)
    act(dossier.id, "accept", ward.officer, t)
    d = act(dossier.id, "forward", ward.officer, t + timedelta(hours=1))
    assert [u.id for u in commands.assignees(d, "specialist", commands.target_agency_id(d))] == [police.id]
    d = act(dossier.id, "forward", ward.specialist, t + timedelta(hours=2), assignee_id=police.id)
    assert d.holder_id == police.id


def test_catalogue_refuses_a_step_at_an_unknown_or_the_same_agency():
    from portal.operations.catalogue import procedure_problems

    base = {"steps": [{"key": "a", "role": "specialist", "hours": 8, "agency": "khong-co"}], "agency": "so-y-te"}
    problems = [p for p in _step_agency_problems(base) if p.code == "catalogue_bad_step_agency"]
    assert problems and problems[0].params["agency"] == "khong-co"
    same = {"steps": [{"key": "a", "role": "specialist", "hours": 8, "agency": "so-y-te"}], "agency": "so-y-te"}
    assert [p.code for p in _step_agency_problems(same)] == ["catalogue_bad_step_agency"]
    fine = {"steps": [{"key": "a", "role": "specialist", "hours": 8, "agency": "cong-an-tinh"}], "agency": "so-y-te"}
    assert _step_agency_problems(fine) == []
    assert procedure_problems  # the loader and the admin pages call it with every agency code


def _step_agency_problems(p):
    from portal.operations.catalogue import _step_agency_problems as check

    return check(p["steps"], p["agency"], {"so-y-te", "cong-an-tinh"})


def test_file_at_any_desk_a_commune_desk_receives_for_a_department(make_user):
    """A commune's one-stop desk registers a dossier for a department's procedure: accepted with
    its receipt at once, handed on to the department in the same transaction (a recorded,
    classified hand-over); the department processes it; the desk keeps seeing what it received."""
    from portal.operations import desk
    from portal.operations.dossiers import can_see
    from tests.integration.lifecycle_helpers import standard_procedure

    procedure = standard_procedure()
    department = build_office(make_user, procedure, prefix="so.")
    commune_desk = make_user(role="one_stop_officer", agency="ubnd-xa-tam-duong", username="xa.motcua")
    required = [d["key"] for d in procedure.documents if d.get("required")]
    t = vn(2026, 12, 1, 8, 0)
    dossier = desk.register_at_desk(commune_desk, desk.DeskRegistration(
        procedure_code=procedure.code, channel="in_person", paper_documents=required,
        applicant={"full_name": "Hoàng Thị Thu", "id_number": "012190654321", "address": "Xã Tam Đường"}), now=t)
    db.session.commit()
    assert dossier.agency_id == procedure.agency_id and dossier.desk_agency_id == _agency_id("ubnd-xa-tam-duong")
    assert dossier.code and dossier.received_at is not None and dossier.status == "in_process"
    assert dossier.step_key == procedure.steps[1]["key"]  # the department's second step
    events = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.seq)).all()
    assert [e.action for e in events] == ["create", "submit", "accept", "forward"]
    hand_over = events[-1]
    assert hand_over.agency_id == _agency_id("ubnd-xa-tam-duong") and hand_over.step_timeliness is not None
    assert hand_over.payload["received_for"] == procedure.agency.code
    # The department has it in its queue and takes it on; the commune desk only looks.
    assert dossier.id in _queue_ids(department.officer, "work")
    assert can_see(commune_desk, dossier) and lifecycle.offered_actions(dossier, commune_desk) == []
    step_holder = department.by_role(dossier.holder_role)
    act(dossier.id, "forward", step_holder, t + timedelta(hours=1))
    with pytest.raises(Forbidden):
        lifecycle.perform(dossier.id, "request_supplement", commune_desk, ActionInput(items=["x"]),
                          now=t + timedelta(hours=2))
    db.session.rollback()
    # Another commune's desk sees nothing.
    other_desk = make_user(role="one_stop_officer", agency="ubnd-xa-than-uyen", username="xa2.motcua")
    assert not can_see(other_desk, db.session.get(Dossier, dossier.id))
