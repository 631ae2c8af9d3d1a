"""Random sequences of actions by random roles, through the real operation and database.

Whatever happens: the status stays one of the lifecycle's, every successful action adds
exactly one event in order, failed actions add none, due_at never precedes received_at,
and the hash chain of the dossier always verifies.
"""

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, DossierEvent
from portal.operations import dossiers, lifecycle
from portal.operations.events import verify_chains
from tests.integration.lifecycle_helpers import build_office, vn
from workflow.machine import allowed_actions
from workflow.process import STEP_ACTIONS
from workflow.states import Action, Role, Status

ROLES = ["citizen", "one_stop_officer", "unit_leader", "specialist", "agency_leader", "clerk"]


def test_random_action_sequences_keep_the_invariants(app, make_user):
    office = build_office(make_user)
    reached: set[str] = set()

    class Lifecycle(RuleBasedStateMachine):
        @initialize()
        def new_dossier(self):
            self.now = vn(2026, 11, 23, 8, 0)
            dossier = dossiers.create_draft(office.citizen, office.procedure, {})
            db.session.commit()
            self.dossier_id = dossier.id
            self.successes = 0

        @rule(action=st.sampled_from(list(Action)), role=st.sampled_from(ROLES),
              reason=st.sampled_from(["", "Hồ sơ cần làm rõ"]), minutes=st.integers(1, 4000),
              stale=st.booleans())
        def act(self, action, role, reason, minutes, stale):
            self.now += timedelta(minutes=minutes)
            dossier = db.session.get(Dossier, self.dossier_id)
            data = lifecycle.ActionInput(
                documents_complete=True,  # the engine: the command layer checks the documents
                version=dossier.version - 1 if stale else dossier.version, reason=reason,
                new_due_at=(dossier.due_at or self.now) + timedelta(days=5), items=["Bản sao giấy tờ"],
            )
            try:
                lifecycle.perform(self.dossier_id, action, office.by_role(role), data, now=self.now)
            except dossiers.DossierError:
                db.session.rollback()
                return
            db.session.commit()
            assert not stale, "a stale version was accepted"
            self.successes += 1

        @rule(choice=st.integers(0, 1000), minutes=st.integers(1, 600))
        def advance(self, choice, minutes):
            """Pick one of the actions the machine allows now, by a role that may do it."""
            self.now += timedelta(minutes=minutes)
            dossier = db.session.get(Dossier, self.dossier_id)
            status = Status(dossier.status)
            candidates = [(a, r) for r in ROLES for a in allowed_actions(status, Role(r))
                          if a not in (Action.SEND_BACK, Action.WITHDRAW, Action.STOP, Action.REFUSE_INTAKE)
                          and (status != Status.IN_PROCESS or a not in STEP_ACTIONS or r == dossier.holder_role)]
            if not candidates:
                return
            action, role = candidates[choice % len(candidates)]
            data = lifecycle.ActionInput(version=dossier.version, reason="Lý do", items=["Bản sao"],
                                         new_due_at=(dossier.due_at or self.now) + timedelta(days=5),
                                         documents_complete=True)
            try:
                lifecycle.perform(self.dossier_id, action, office.by_role(role), data, now=self.now)
            except dossiers.DossierError:
                db.session.rollback()
                return
            db.session.commit()
            self.successes += 1
            reached.add(db.session.get(Dossier, self.dossier_id).status)

        @invariant()
        def invariants(self):
            dossier = db.session.get(Dossier, self.dossier_id)
            db.session.refresh(dossier)
            assert Status(dossier.status) in set(Status)
            seqs = db.session.scalars(select(DossierEvent.seq).where(DossierEvent.dossier_id == self.dossier_id)
                                      .order_by(DossierEvent.id)).all()
            assert seqs == list(range(1, self.successes + 2))
            if dossier.received_at is not None and dossier.due_at is not None:
                assert dossier.due_at >= dossier.received_at
            assert verify_chains([self.dossier_id])[1] == []

    run_state_machine_as_test(Lifecycle, settings=settings(
        max_examples=12, stateful_step_count=30, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    # The walk went deep enough to mean something.
    assert {"accepted", "in_process", "supplement_requested", "processed", "returned"} <= reached, reached
