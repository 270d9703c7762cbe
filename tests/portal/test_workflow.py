"""Every transition, from every starting state, by every kind of actor: allowed or refused.

The table is written out here by hand from DESIGN.md §3 (it is deliberately not
imported from portal.states or portal.workflow), so a change to who may do what
in the code shows up as a failing case. Applications are filer-filed first
filings naming one ISP, built with `make_application(state=...)`.
"""
import copy

import pytest

from portal import workflow
from portal.errors import NotFound, Refused
from portal.models import Application, AuditEvent, OutboxMessage, SmsVerification
from tests.factories import confirm_all_sms

STATES = ("draft", "submitted", "sms_verification", "bureau_review", "returned",
          "approved", "withdrawn", "abandoned")
ACTORS = ("owner", "other_filer", "isp_operator", "isp_readonly", "other_isp",
          "bureau_reviewer", "bureau_admin", "bureau_auditor")

OWNER = {"owner"}                               # the filer who filed it
NAMED_ISP = {"isp_operator"}                    # a writing role of the ISP it names
BUREAU = {"bureau_reviewer", "bureau_admin"}    # bureau roles that decide

# (transition, starting state) -> (state afterwards, actors allowed).
# Every pair not listed here is refused for every actor.
ALLOWED = {
    ("submit_application", "draft"): ("submitted", OWNER),
    ("submit_application", "returned"): ("submitted", OWNER),

    ("verify_application", "submitted"): ("sms_verification", NAMED_ISP),
    ("isp_return_application", "submitted"): ("returned", NAMED_ISP),

    ("approve_application", "bureau_review"): ("approved", BUREAU),
    ("return_application", "bureau_review"): ("returned", BUREAU),

    ("withdraw_application", "submitted"): ("withdrawn", OWNER),
    ("withdraw_application", "sms_verification"): ("withdrawn", OWNER),

    ("delete_application_on_request", "submitted"): ("withdrawn", BUREAU),
    ("delete_application_on_request", "sms_verification"): ("withdrawn", BUREAU),
    ("delete_application_on_request", "bureau_review"): ("withdrawn", BUREAU),
    ("delete_application_on_request", "returned"): ("withdrawn", BUREAU),

    ("abandon_application", "draft"): ("abandoned", OWNER),
    ("abandon_application", "returned"): ("abandoned", OWNER),

    ("replace_application", "submitted"): ("submitted", OWNER),
    ("replace_application", "sms_verification"): ("submitted", OWNER),
    ("replace_application", "bureau_review"): ("submitted", OWNER),
    ("replace_application", "returned"): ("submitted", OWNER),

    ("update_draft", "draft"): ("draft", OWNER),
    ("update_draft", "returned"): ("returned", OWNER),
}

# confirm_sms is public (the SMS page, no account): only the state matters.
CONFIRM_SMS_ALLOWED = {"sms_verification": "bureau_review"}

NOTES = [{"field": "services.0.name", "note": "网站名称须与网站内容一致"}]


def _new_data(app):
    proposal = copy.deepcopy(app.proposed)
    proposal["services"][0]["name"] = "更新后的美食分享网站"
    return proposal


CALLS = {
    "submit_application": lambda app, actor: workflow.submit_application(app.id, actor),
    "verify_application": lambda app, actor: workflow.verify_application(app.id, actor),
    "isp_return_application": lambda app, actor: workflow.isp_return_application(
        app.id, actor, "材料不全", NOTES),
    "approve_application": lambda app, actor: workflow.approve_application(app.id, actor),
    "return_application": lambda app, actor: workflow.return_application(
        app.id, actor, "网站名称不符合要求", NOTES),
    "withdraw_application": lambda app, actor: workflow.withdraw_application(app.id, actor),
    "delete_application_on_request": lambda app, actor: workflow.delete_application_on_request(
        app.id, actor, "主办者书面申请删除，传真件已存档"),
    "abandon_application": lambda app, actor: workflow.abandon_application(app.id, actor),
    "replace_application": lambda app, actor: workflow.replace_application(
        app.id, actor, _new_data(app)),
    "update_draft": lambda app, actor: workflow.update_draft(app.id, actor, _new_data(app)),
}


def _cases():
    for transition in CALLS:
        for state in STATES:
            after, allowed = ALLOWED.get((transition, state), (None, set()))
            for actor in ACTORS:
                outcome = "ok" if actor in allowed else "refused"
                yield pytest.param(transition, state, actor, outcome, after,
                                   id=f"{transition}-{state}-{actor}-{outcome}")


def test_table_names_only_known_transitions_states_and_actors():
    for (transition, state), (after, actors) in ALLOWED.items():
        assert transition in CALLS and state in STATES and after in STATES
        assert actors <= set(ACTORS)


def snapshot(app_id) -> dict:
    """What a refused transition must leave exactly as it was."""
    return {
        "application": Application.select().where(Application.id == app_id).dicts().get(),
        "audit_events": AuditEvent.select().count(),
        "outbox_messages": OutboxMessage.select().count(),
        "sms_checks": list(SmsVerification.select().where(SmsVerification.application == app_id)
                           .order_by(SmsVerification.id).dicts()),
    }


@pytest.fixture
def actors(make_account, make_filer, make_isp, isp, reviewer):
    """Everyone but the owner (who comes with the application)."""
    return {
        "other_filer": make_filer(),
        "isp_operator": isp.operator,
        "isp_readonly": make_account("isp", "readonly", isp),
        "other_isp": make_isp().operator,
        "bureau_reviewer": reviewer,
        "bureau_admin": make_account("bureau", "admin"),
        "bureau_auditor": make_account("bureau", "auditor"),
    }


@pytest.mark.parametrize("transition, state, actor_name, outcome, after", list(_cases()))
def test_transition_by_actor_from_state(make_application, actors, transition, state,
                                        actor_name, outcome, after):
    app = make_application(state=state)
    actor = app.account if actor_name == "owner" else actors[actor_name]
    before = snapshot(app.id)

    if outcome == "refused":
        with pytest.raises(Refused):
            CALLS[transition](app, actor)
        assert snapshot(app.id) == before
        return

    CALLS[transition](app, actor)
    reloaded = workflow.load_application(app.id)
    assert reloaded.state == after
    assert reloaded.version > app.version
    assert AuditEvent.select().count() > before["audit_events"]


@pytest.mark.parametrize("state", STATES)
def test_confirm_sms_only_in_sms_verification(make_application, state):
    app = make_application(state=state)
    expected = CONFIRM_SMS_ALLOWED.get(state)

    if expected is None:
        person = app.proposed["subject"]["responsible"]
        before = snapshot(app.id)
        with pytest.raises(NotFound):
            workflow.confirm_sms(app.reference, person["cert_number"], person["mobile"], "123456")
        assert snapshot(app.id) == before
        return

    confirm_all_sms(app)
    assert workflow.load_application(app.id).state == expected


def test_unknown_application_is_not_found(app, reviewer):
    with pytest.raises(NotFound):
        workflow.approve_application(999999, reviewer)
    with pytest.raises(NotFound):
        workflow.confirm_sms("BA20260101DEADBEEF", "140105197001010010", "13900000001", "123456")
