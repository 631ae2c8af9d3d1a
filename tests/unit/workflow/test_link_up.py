"""Link-up steps (liên thông): a step taken by another agency, and who may act where."""

import pytest

from workflow.process import ProcessPlan, Step, agency_refusal
from workflow.states import Action, Role, Status

PLAN = ProcessPlan.from_rows([
    {"key": "tiep-nhan", "role": "one_stop_officer", "hours": 4},
    {"key": "thuong-tru", "role": "specialist", "hours": 12, "agency": "cong-an"},
    {"key": "bhyt", "role": "specialist", "hours": 12, "agency": "bhxh"},
    {"key": "thuong-tru-lai", "role": "specialist", "hours": 4, "agency": "cong-an"},
    {"key": "tong-hop", "role": "specialist", "hours": 8},
])


def test_steps_know_their_agency_and_the_plan_its_coordinating_agencies():
    assert PLAN.step("tiep-nhan").agency is None
    assert PLAN.step("bhyt").agency == "bhxh"
    assert PLAN.linked_agencies == ("cong-an", "bhxh")  # in process order, once each
    assert ProcessPlan((Step("a", Role.SPECIALIST, 8),)).linked_agencies == ()


@pytest.mark.parametrize("action", [Action.FORWARD, Action.SEND_BACK])
def test_the_linked_agency_hands_its_step_on(action):
    step = PLAN.step("thuong-tru")
    assert agency_refusal(action, Status.IN_PROCESS, step, "cong-an", "ubnd") is None
    assert agency_refusal(action, Status.IN_PROCESS, step, "ubnd", "ubnd") == "not_your_agency"
    assert agency_refusal(action, Status.IN_PROCESS, step, "bhxh", "ubnd") == "not_your_agency"


@pytest.mark.parametrize("action", [Action.PROPOSE_RESULT, Action.APPROVE, Action.ISSUE_RESULT])
def test_results_stay_with_the_deciding_agency(action):
    assert agency_refusal(action, Status.IN_PROCESS, PLAN.step("thuong-tru"), "cong-an", "ubnd") == "linked_step_action"
    assert agency_refusal(action, Status.IN_PROCESS, PLAN.step("tong-hop"), "ubnd", "ubnd") is None
    assert agency_refusal(action, Status.IN_PROCESS, PLAN.step("tong-hop"), "cong-an", "ubnd") == "not_your_agency"


def test_other_actions_belong_to_the_deciding_agency_wherever_the_dossier_is():
    step = PLAN.step("thuong-tru")
    assert agency_refusal(Action.REQUEST_SUPPLEMENT, Status.IN_PROCESS, step, "ubnd", "ubnd") is None
    assert agency_refusal(Action.REQUEST_SUPPLEMENT, Status.IN_PROCESS, step, "cong-an", "ubnd") == "not_your_agency"
    assert agency_refusal(Action.ACCEPT, Status.SUBMITTED, None, "ubnd", "ubnd") is None
    assert agency_refusal(Action.ACCEPT, Status.SUBMITTED, None, "cong-an", "ubnd") == "not_your_agency"


def test_a_desk_of_another_agency_receives_accepts_and_hands_on():
    first, later = PLAN.step("tiep-nhan"), PLAN.step("tong-hop")
    desk = {"receiving_desk": "xa-b", "at_first_step": True}
    assert agency_refusal(Action.SUBMIT, Status.DRAFT, None, "xa-b", "ubnd", receiving_desk="xa-b") is None
    assert agency_refusal(Action.ACCEPT, Status.SUBMITTED, None, "xa-b", "ubnd", receiving_desk="xa-b") is None
    assert agency_refusal(Action.FORWARD, Status.ACCEPTED, first, "xa-b", "ubnd", **desk) is None
    # nothing else, and not beyond the first step; another desk never
    assert agency_refusal(Action.REFUSE, Status.IN_PROCESS, first, "xa-b", "ubnd", **desk) == "not_your_agency"
    assert agency_refusal(Action.FORWARD, Status.IN_PROCESS, later, "xa-b", "ubnd", receiving_desk="xa-b") \
        == "not_your_agency"
    assert agency_refusal(Action.ACCEPT, Status.SUBMITTED, None, "xa-c", "ubnd", receiving_desk="xa-b") \
        == "not_your_agency"
