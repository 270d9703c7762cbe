"""Every transition writes its audit event naming the actor; the chain stays valid;
refusals leave no outbox message; an approval emails the filer."""
import pytest

from portal import workflow
from portal.audit import verify_chain
from portal.errors import Refused
from portal.models import AuditEvent, OutboxMessage
from portal.states import State
from tests.factories import confirm_all_sms
from tests.portal.test_workflow_rules import NOTES, approved, open_and_submit, reload, to_review  # noqa: F401


def _last_event(app):
    return (AuditEvent.select().where(AuditEvent.object_type == "application",
                                      AuditEvent.object_id == str(app.id))
            .order_by(AuditEvent.seq.desc()).first())


DATA = object()  # stands for the application's own data
AUDITED = {  # verb: (starting state, who acts, workflow function, further arguments)
    "submit": (State.DRAFT, "owner", "submit_application", ()),
    "resubmit": (State.RETURNED, "owner", "submit_application", ()),
    "verify": (State.SUBMITTED, "isp", "verify_application", ()),
    "isp_return": (State.SUBMITTED, "isp", "isp_return_application", ("材料不全", NOTES)),
    "approve": (State.REVIEW, "bureau", "approve_application", ()),
    "return": (State.REVIEW, "bureau", "return_application", ("名称不符", NOTES)),
    "withdraw": (State.SMS, "owner", "withdraw_application", ()),
    "delete_on_request": (State.REVIEW, "bureau", "delete_application_on_request", ("书面申请",)),
    "abandon": (State.DRAFT, "owner", "abandon_application", ()),
    "replace": (State.REVIEW, "owner", "replace_application", (DATA,)),
    "edit": (State.DRAFT, "owner", "update_draft", (DATA,)),
}


@pytest.mark.parametrize("verb", list(AUDITED))
def test_every_transition_writes_an_audit_event_naming_the_actor(make_application, isp,
                                                                 reviewer, verb):
    state, who, function, args = AUDITED[verb]
    app = make_application(state=state)
    actor = {"owner": app.account, "isp": isp.operator, "bureau": reviewer}[who]
    getattr(workflow, function)(app.id, actor, *[app.proposed if a is DATA else a for a in args])
    event = _last_event(app)
    assert (event.action, event.actor_id) == (f"application.{verb}", actor.id)


def test_sms_confirmation_is_audited_and_chain_stays_valid_over_a_lifecycle(
        make_application, isp, reviewer):
    app = make_application(state=State.SMS)
    confirm_all_sms(app)
    assert _last_event(app).action == "application.sms_confirmed"
    workflow.return_application(app.id, reviewer, "名称不符", NOTES)
    workflow.submit_application(app.id, app.account)
    to_review(app, isp)
    workflow.approve_application(app.id, reviewer)
    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.object_type == "application", AuditEvent.object_id == str(app.id))
        .order_by(AuditEvent.seq)]
    assert actions == [f"application.{verb}" for verb in (
        "create", "submit", "verify", "sms_confirmed", "return", "resubmit", "verify",
        "sms_confirmed", "approve")]
    assert verify_chain().ok


def test_refused_transition_leaves_no_outbox_message(make_application, make_filer):
    app = make_application(state=State.REVIEW)
    before = OutboxMessage.select().count()
    with pytest.raises(Refused):
        workflow.approve_application(app.id, make_filer())
    with pytest.raises(Refused):
        workflow.withdraw_application(app.id, app.account)
    assert OutboxMessage.select().count() == before


def test_approval_emails_the_filer(make_application, reviewer):
    app = make_application(state=State.REVIEW)
    workflow.approve_application(app.id, reviewer)
    mail = (OutboxMessage.select().where(OutboxMessage.channel == "email",
                                         OutboxMessage.recipient == app.account.email)
            .order_by(OutboxMessage.id.desc()).first())
    assert mail is not None and app.reference in mail.subject
    assert mail.payload.get("action") == "approve"
