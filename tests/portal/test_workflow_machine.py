"""Random sequences of workflow actions by random actors (hypothesis stateful testing).

Filers file, change and cancel; staff of two ISPs verify or return; the bureau
approves, returns, revokes and cancels; every actor also tries what is not theirs.
After each step: filing numbers are unique and never change, the public lookup shows
exactly the live approved services, every state change has its audit event, the audit
chain verifies, and a refused action changed nothing in any table.

Each example starts from a fresh database: a copy of the migrated template (SQLite) or
the truncate-and-restore of tests/conftest.py (PostgreSQL).
"""
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from portal import record_decisions, sample_data, workflow
from portal.audit import verify_chain
from portal.demo import confirm_codes
from portal.errors import DomainError
from portal.models import ACTIVE, Account, Application, ApplicationIsp, Service, Subject
from portal.states import Kind, State
from tests.portal import workflow_invariants as checks
from tests.portal.fresh_database import fingerprint, reset_database

pytestmark = pytest.mark.slow

FILERS = ("filer_a", "filer_b", "filer_c", "filer_d")
STAFF = ("isp_a", "isp_a_readonly", "isp_b", "reviewer", "auditor")
ACTORS = FILERS + STAFF
NOTES = [{"field": "services.0.name", "note": "网站名称须与网站内容一致"}]
PICK = st.integers(min_value=0, max_value=10_000)

MACHINE_SETTINGS = settings(max_examples=int(os.environ.get("WORKFLOW_MACHINE_EXAMPLES", "12")),
                            stateful_step_count=30, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


class World:
    """The test's app and factories; a fresh database and new actors per example."""

    def __init__(self, app, template_db, make_account, make_isp):
        self.app, self.template = app, template_db
        self.make_account, self.make_isp = make_account, make_isp

    def reset(self) -> dict:
        reset_database(self.app, self.template)
        isp_a, isp_b = self.make_isp(), self.make_isp()
        actors = {name: self.make_account() for name in FILERS}
        actors.update(isp_a=isp_a.operator, isp_b=isp_b.operator,
                      isp_a_readonly=self.make_account("isp", "readonly", isp_a),
                      reviewer=self.make_account("bureau", "reviewer"),
                      auditor=self.make_account("bureau", "auditor"))
        actors["isps"] = {"a": isp_a, "b": isp_b}
        return actors


def _n_of(service) -> int:
    """The sample_data number a website was made from (its domain is site<n>.example)."""
    return int(service.details["domains"][0].split(".")[0].removeprefix("site"))


class WorkflowMachine(RuleBasedStateMachine):
    world: World = None

    def __init__(self):
        super().__init__()
        self.actors = self.world.reset()
        self.apps = []                  # ids of applications created
        self.transitions = Counter()    # application id -> state changes made
        self.numbers = {}               # record key -> filing number first seen
        self.records = {}               # record key -> status at the last check
        self.last_seq = 0
        self.counter = 900_000       # sample_data numbers: the same in every replay

    # -- helpers -------------------------------------------------------------------

    def attempt(self, call, app_id=None):
        """Run one portal call; a refusal must leave every table as it was."""
        before = fingerprint()
        state = Application.get_by_id(app_id).state if app_id else None
        try:
            call()
        except DomainError:
            assert fingerprint() == before, "a refused action changed the database"
            return False
        if app_id and Application.get_by_id(app_id).state != state:
            self.transitions[app_id] += 1
        return True

    def next_n(self) -> int:
        self.counter += 1
        return self.counter

    def pick_app(self, pick):
        return self.apps[pick % len(self.apps)]

    def live_services(self):
        return list(Service.select().join(Subject).where(Service.status == ACTIVE,
                                                          Subject.status == ACTIVE))

    def filer_of(self, service):
        account_id = service.subject.account_id
        return next(self.actors[f] for f in FILERS if self.actors[f].id == account_id)

    def open_app(self, kind, filer, actor, proposed, service_id=None):
        def call():
            app = workflow.create_application(kind, account=filer, actor=actor,
                                              proposed=proposed, service_id=service_id)
            self.apps.append(app.id)
        self.attempt(call)

    @initialize()
    def start_with_an_approved_record_and_a_draft(self):
        """Every example has something to change, cancel and revoke from its first step."""
        for filer, isp in (("filer_a", "a"), ("filer_b", "b")):
            account = self.actors[filer]
            proposal = sample_data.first_filing(self.next_n(), [self.actors["isps"][isp].id])
            self.open_app(Kind.FIRST_FILING, account, account, proposal)
        first = self.apps[0]
        while Application.get_by_id(first).state != State.APPROVED:
            assert self.take_the_next_step(first)

    # -- filers --------------------------------------------------------------------

    @rule(filer=st.sampled_from(FILERS), actor=st.sampled_from(ACTORS + ("self",) * 6),
          isp=st.sampled_from("ab"), reuse=st.booleans(), pick=PICK)
    def create_first_filing(self, filer, actor, isp, reuse, pick):
        """A first filing; sometimes with the data of an earlier one (a conflict)."""
        n = self.next_n()
        if reuse and self.apps:
            earlier = Application.get_by_id(self.pick_app(pick))
            n = _n_of_proposal(earlier) or n
        account = self.actors[filer]
        who = account if actor == "self" else self.actors[actor]
        self.open_app(Kind.FIRST_FILING, account, who,
                      sample_data.first_filing(n, [self.actors["isps"][isp].id]))

    def _owner(self, app_id):
        return Account.get_by_id(Application.get_by_id(app_id).account_id)

    def _verifier(self, app_id):
        """Operator of an ISP the application names (ISP A's when it names both)."""
        named = {row.isp_id for row in ApplicationIsp.select().where(
            ApplicationIsp.application == app_id)}
        isps = self.actors["isps"]
        return self.actors["isp_a" if isps["a"].id in named else "isp_b"]

    def right_actor(self, app_id):
        """Who may take the next step of an application in its present state."""
        state = Application.get_by_id(app_id).state
        if state == State.SUBMITTED:
            return self._verifier(app_id)
        if state == State.REVIEW:
            return self.actors["reviewer"]
        return self._owner(app_id)

    def apps_in(self, *states):
        return [i for (i,) in Application.select(Application.id).where(
            Application.state.in_(states)).order_by(Application.id).tuples()]

    @precondition(lambda self: self.apps)
    @rule(pick=PICK, steps=st.integers(min_value=1, max_value=4))
    def take_the_next_steps(self, pick, steps):
        """The happy path: the right actors move an application in flight along."""
        pending = self.apps_in(State.DRAFT, State.RETURNED, State.SUBMITTED, State.SMS,
                               State.REVIEW)
        if pending:
            app_id = pending[pick % len(pending)]
            for _ in range(steps):
                if not self.take_the_next_step(app_id):
                    break

    def take_the_next_step(self, app_id) -> bool:
        app, who = Application.get_by_id(app_id), self.right_actor(app_id)
        if app.state == State.SMS:
            return self.attempt(lambda: confirm_codes(app), app_id)
        step = {State.DRAFT: workflow.submit_application,
                State.RETURNED: workflow.submit_application,
                State.SUBMITTED: workflow.verify_application,
                State.REVIEW: workflow.approve_application}.get(app.state)
        return step is not None and self.attempt(lambda: step(app_id, who), app_id)

    @precondition(lambda self: self.apps)
    @rule(pick=PICK, actor=st.sampled_from(ACTORS + ("right",) * 8),
          action=st.sampled_from(["submit", "withdraw", "abandon", "verify", "isp_return",
                                  "approve", "return", "confirm"]))
    def act_on_an_application(self, pick, actor, action):
        """Any action by the right actor or anyone else, in whatever state it is."""
        app_id = self.pick_app(pick)
        who = self.right_actor(app_id) if actor == "right" else self.actors[actor]
        if action == "confirm":
            app = Application.get_by_id(app_id)
            self.attempt(lambda: workflow.confirm_sms(app.reference, "x", "13900000000",
                                                      "000000"), app_id)
            return
        call = {"submit": workflow.submit_application, "withdraw": workflow.withdraw_application,
                "abandon": workflow.abandon_application,
                "verify": workflow.verify_application, "approve": workflow.approve_application,
                "isp_return": lambda i, w: workflow.isp_return_application(i, w, "资料不全", NOTES),
                "return": lambda i, w: workflow.return_application(i, w, "名称不符", NOTES),
                }[action]
        if action == "withdraw" and actor == "right":
            who = self._owner(app_id)
        self.attempt(lambda: call(app_id, who), app_id)

    @rule(pick=PICK, extra=st.sampled_from(["service", "domain", "cancel_service",
                                            "cancel_subject"]))
    def file_change(self, pick, extra):
        """A change of an approved record, filed by its filer."""
        services = self.live_services()
        if not services:
            return
        service = services[pick % len(services)]
        filer, isp_ids = self.filer_of(service), service.details.get("isps") or []
        n = _n_of(service)
        if extra == "service":
            self.open_app(Kind.ADD_SERVICE, filer, filer,
                          {"services": [sample_data.website(self.next_n(), isp_ids)]})
        elif extra == "domain":
            site = {**sample_data.website(n, isp_ids), "service_id": service.id,
                    "name": service.name}
            site["domains"] = site["domains"] + [f"more{self.next_n()}.example"]
            self.open_app(Kind.CHANGE_SERVICE, filer, filer, {"services": [site]}, service.id)
        elif extra == "cancel_service":
            self.open_app(Kind.CANCEL_SERVICE, filer, filer, {"reason": "不再运营"}, service.id)
        else:
            self.open_app(Kind.CANCEL_SUBJECT, filer, filer, {"reason": "公司注销"})

    # -- the bureau on records ----------------------------------------------------

    @rule(pick=PICK, actor=st.sampled_from(("reviewer", "reviewer", "auditor", "isp_a",
                                            "filer_a")),
          decision=st.sampled_from(["revoke", "cancel"]), whole=st.booleans(),
          reason=st.sampled_from(["恶意抢注", "", "   "]))
    def bureau_ends_record(self, pick, actor, decision, whole, reason):
        services = list(Service.select().order_by(Service.id))
        if not services:
            return
        service = services[pick % len(services)]
        target = {"subject_id": service.subject_id} if whole else {"service_id": service.id}
        call = (record_decisions.revoke_record if decision == "revoke"
                else record_decisions.cancel_record)
        self.attempt(lambda: call(self.actors[actor], reason, **target))

    # -- invariants (tests/portal/workflow_invariants.py) ---------------------------

    @invariant()
    def numbers_are_unique_and_kept(self):
        checks.numbers_are_unique_and_kept(self.numbers)

    @invariant()
    def lookup_shows_exactly_the_live_records(self):
        checks.lookup_shows_exactly_the_live_records()

    @invariant()
    def every_state_change_has_its_audit_event(self):
        checks.every_state_change_has_its_audit_event(self.transitions, len(self.apps))

    @invariant()
    def every_record_change_has_its_audit_event(self):
        self.last_seq = checks.every_record_change_has_its_audit_event(self.records,
                                                                        self.last_seq)

    @invariant()
    def audit_chain_verifies(self):
        report = verify_chain()
        assert report.ok, report.problem


def _n_of_proposal(app) -> int | None:
    services = (app.proposed or {}).get("services") or []
    domains = services[0].get("domains") if services else None
    if not domains or not domains[0].startswith("site"):
        return None
    return int(domains[0].split(".")[0].removeprefix("site"))


def test_random_workflows_keep_the_portal_consistent(app, template_db, make_account, make_isp):
    WorkflowMachine.world = World(app, template_db, make_account, make_isp)
    try:
        run_state_machine_as_test(WorkflowMachine, settings=MACHINE_SETTINGS)
    finally:
        WorkflowMachine.world = None
