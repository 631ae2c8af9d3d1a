"""A procedure that is quicker when filed online: an online dossier gets the shorter time, a
dossier handed in at the desk the legal processing time."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.operations import dossiers
from portal.operations.calendar import working_calendar
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from workflow.deadlines import due_at
from workflow.states import Channel

# Monday 23/11/2026. Working hours 07:00-11:30 and 13:30-17:00 (480 minutes a day); Tuesday
# 24/11 is a public holiday (Ngày Văn hoá Việt Nam), then the weekend 28-29/11 and 5-6/12.
ACCEPTED = vn(2026, 11, 23, 8, 0)


@pytest.fixture
def office(make_user):
    office = build_office(make_user)
    office.procedure.processing_days = 10
    office.procedure.online_processing_days = 4
    db.session.commit()
    return office


def test_an_online_dossier_is_due_after_the_online_processing_days(office):
    dossier = new_submitted(office, ACCEPTED)
    assert dossier.channel == "online"
    dossier = act(dossier.id, "accept", office.officer, ACCEPTED)
    # 4 days = 1920 working minutes: Monday 420, Wednesday to Friday 1440, Monday 30/11 60
    assert dossier.due_at == vn(2026, 11, 30, 8, 0)
    assert dossier.due_at == due_at(ACCEPTED, 4, working_calendar(dossier.agency_id))
    assert dossier.budget_minutes == 4 * 480


def test_a_dossier_handed_in_at_the_desk_is_due_after_the_processing_days(office):
    draft = dossiers.create_draft(office.citizen, office.procedure, {"ghi_chu": "nộp trực tiếp"},
                                  channel=Channel.IN_PERSON)
    db.session.commit()
    # The applicant submits (staff cannot see, let alone act on, a citizen's unsubmitted draft).
    act(draft.id, "submit", office.citizen, ACCEPTED)
    dossier = act(draft.id, "accept", office.officer, ACCEPTED)
    # 10 days = 4800 working minutes: 1860 this week, 2400 next week, 480 on Monday 7/12,
    # 60 on Tuesday 8/12
    assert dossier.due_at == vn(2026, 12, 8, 8, 0)
    assert dossier.due_at == due_at(ACCEPTED, 10, working_calendar(dossier.agency_id))
    assert dossier.budget_minutes == 10 * 480
