"""The bureau admin's mailbox: failed mail and SMS are shown with their error and can be
sent again (POST with CSRF, audited); other bureau roles and other tenants cannot."""
import pytest

from portal import delivery
from portal.errors import Refused
from portal.models import AuditEvent, OutboxMessage
from tests.conftest import csrf_token
from tests.tenants.test_filing import post

MAILBOX = "/bureau/mailbox"


def retry_url(message):
    return f"{MAILBOX}/{message.id}/retry"


def outbox_row(n, status="failed", channel="email", **fields):
    values = {"message_id": f"m{n}@icp-portal", "channel": channel,
              "recipient": f"user{n}@mail.example", "subject": f"主题{n}", "body": f"正文{n}",
              "status": status, "attempts": 6 if status == "failed" else 1,
              "last_error": "[Errno 111] Connection refused" if status == "failed" else ""}
    values.update(fields)
    return OutboxMessage.create(**values)


@pytest.fixture
def as_admin(client, login, bureau_admin):
    login(bureau_admin.username, tenant="bureau")
    return bureau_admin


def html(response):
    return response.get_data(as_text=True)


def test_the_admin_filters_the_failed_messages(client, as_admin):
    failed = outbox_row(1)
    outbox_row(2, status="sent")
    page = html(client.get(f"{MAILBOX}?status=failed"))
    assert failed.recipient in page and "user2@mail.example" not in page
    assert "Connection refused" in page and "发送失败" in page and "重新发送" in page
    assert f'action="{retry_url(failed)}"' in page
    everything = html(client.get(MAILBOX))
    assert "user1@mail.example" in everything and "user2@mail.example" in everything
    assert "user1@mail.example" in html(client.get(f"{MAILBOX}?status=nonsense"))


def test_the_admin_retries_a_failed_email(client, as_admin):
    failed = outbox_row(1)
    response = post(client, retry_url(failed), page=f"{MAILBOX}?status=failed",
                    follow_redirects=True)
    assert response.status_code == 200 and "已重新发送" in html(response)
    again = OutboxMessage.get_by_id(failed.id)      # the development adapter took it
    assert again.status == "sent" and again.message_id == failed.message_id
    event = AuditEvent.select().where(AuditEvent.action == "outbox.retry").get()
    assert event.object_id == str(failed.id) and event.actor_id == as_admin.id
    assert event.before["attempts"] == 6 and event.before["status"] == "failed"


def test_only_failed_mail_and_sms_can_be_retried(client, as_admin):
    sent = outbox_row(1, status="sent")
    hook = outbox_row(2, channel="webhook", recipient="isp:1:webhook:1")
    for message, text in ((sent, "只有发送失败的消息可以重新发送"), (hook, "由ISP")):
        response = post(client, retry_url(message), page=MAILBOX, follow_redirects=True)
        assert text in html(response)
        assert OutboxMessage.get_by_id(message.id).status == message.status
    assert not AuditEvent.select().where(AuditEvent.action == "outbox.retry").exists()


def test_a_missing_message_is_404_and_no_csrf_is_refused(client, as_admin):
    failed = outbox_row(1)
    assert post(client, f"{MAILBOX}/999999/retry", page=MAILBOX).status_code == 404
    assert client.post(retry_url(failed)).status_code == 400
    assert OutboxMessage.get_by_id(failed.id).status == "failed"


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_other_bureau_roles_get_403(client, login, make_account, role):
    failed = outbox_row(1)
    account = make_account("bureau", role)
    login(account.username, tenant="bureau")
    assert client.get(MAILBOX).status_code == 403
    token = csrf_token(client, "/bureau/")
    assert client.post(retry_url(failed), data={"csrf_token": token}).status_code == 403
    assert OutboxMessage.get_by_id(failed.id).status == "failed"


def test_another_tenant_does_not_find_the_mailbox(client, login, isp):
    failed = outbox_row(1)
    login(isp.admin.username, tenant="isp")
    assert client.get(MAILBOX).status_code == 404
    token = csrf_token(client, "/isp/")
    assert client.post(retry_url(failed), data={"csrf_token": token}).status_code == 404
    assert OutboxMessage.get_by_id(failed.id).status == "failed"


def test_sms_text_is_hidden_once_a_real_gateway_sends_it(client, as_admin):
    outbox_row(1, channel="sms", recipient="13912345678", body="核验码 834201")
    assert "834201" in html(client.get(MAILBOX))          # the development mailbox
    saved = dict(delivery.ADAPTERS)
    delivery.set_adapter("sms", object())
    try:
        page = html(client.get(MAILBOX))
    finally:
        delivery.ADAPTERS.update(saved)
    assert "834201" not in page and "13912345678" in page


# -- the service ------------------------------------------------------------

def test_the_service_refuses_anyone_but_a_bureau_admin(app, reviewer, isp):
    failed = outbox_row(1)
    for actor in (reviewer, isp.admin, None):
        with pytest.raises(Refused):
            delivery.retry_message(actor, failed.id)
    assert OutboxMessage.get_by_id(failed.id).status == "failed"


def test_a_retry_that_fails_again_stays_pending_with_a_fresh_count(app, bureau_admin,
                                                                   monkeypatch):
    from portal import notifications
    queued = []
    monkeypatch.setattr(notifications, "enqueue_delivery", lambda pk, channel="email":
                        queued.append(pk))
    failed = outbox_row(1)
    delivery.retry_message(bureau_admin, failed.id)
    row = OutboxMessage.get_by_id(failed.id)
    assert queued == [failed.id] and row.status == "pending" and row.attempts == 0
    assert row.last_error        # kept until the next try replaces it
