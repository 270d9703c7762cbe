"""Email over real SMTP: an aiosmtpd server on loopback receives the approval email with
its certificate; a refused connection is retried; a row already sent is never sent again."""
import email
import socket
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from portal import delivery, mail_smtp, notifications, tasks, workflow
from portal.config import ConfigError
from portal.models import OutboxMessage
from portal.states import State


class Collector:
    """An aiosmtpd handler keeping every envelope; `refuse` answers RCPT with 550."""

    def __init__(self, refuse=False):
        self.envelopes, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def adapters(app):
    saved = dict(delivery.ADAPTERS)
    yield delivery.ADAPTERS
    delivery.ADAPTERS.clear()
    delivery.ADAPTERS.update(saved)


@pytest.fixture
def smtp_server():
    """start(handler, port=None, **kwargs) → a running Controller, stopped afterwards."""
    started = []

    def start(handler, port=None, **kwargs):
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(),
                                **kwargs)
        controller.start()
        started.append(controller)
        return controller
    yield start
    for controller in started:
        controller.stop()


def use_smtp(adapters, port, url_extra="", sender="icp@bureau.example"):
    settings = mail_smtp.parse_mail_url(f"smtp://{url_extra}127.0.0.1:{port}?timeout=5")
    adapters["email"] = mail_smtp.SmtpAdapter(settings, sender)


@pytest.fixture
def approval_email(make_application, reviewer, monkeypatch):
    """The approval email of a website, left pending (its delivery not run)."""
    application = make_application(state=State.REVIEW)
    monkeypatch.setattr(notifications, "enqueue_delivery", lambda *args: None)
    workflow.approve_application(application.id, reviewer)
    row = (OutboxMessage.select().where(OutboxMessage.channel == "email")
           .order_by(OutboxMessage.id.desc()).first())
    assert row.status == "pending" and row.payload["attachments"]
    return row


def parse(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_the_approval_email_arrives_with_its_certificate(adapters, smtp_server,
                                                         approval_email):
    collector = Collector()
    controller = smtp_server(collector)
    use_smtp(adapters, controller.port)
    assert delivery.deliver_message(approval_email.id) is True
    [envelope] = collector.envelopes
    assert envelope.mail_from == "icp@bureau.example"
    assert envelope.rcpt_tos == [approval_email.recipient]
    mail = parse(envelope)
    assert mail["Message-ID"] == f"<{approval_email.message_id}>"
    assert mail["Subject"] == approval_email.subject and "备案申请" in mail["Subject"]
    assert mail.get_body(("plain",)).get_content().rstrip() == approval_email.body.rstrip()
    [part] = list(mail.iter_attachments())
    expected = approval_email.payload["attachments"][0]
    assert part.get_filename() == expected["filename"] == "bazs.cert"
    assert part.get_content_type() == "application/json"
    assert part.get_payload(decode=True).decode("utf-8") == expected["content"]
    row = OutboxMessage.get_by_id(approval_email.id)
    assert row.status == "sent" and row.adapter == "smtp" and row.attempts == 1


def test_a_refused_connection_is_retried_until_the_server_is_up(adapters, smtp_server,
                                                                approval_email):
    port = free_port()          # nothing listens here yet
    use_smtp(adapters, port)
    with pytest.raises(ConnectionRefusedError):
        delivery.deliver_message(approval_email.id, last_try=False)
    row = OutboxMessage.get_by_id(approval_email.id)
    assert row.status == "pending" and row.attempts == 1 and "refused" in row.last_error.lower()

    collector = Collector()
    smtp_server(collector, port=port)
    assert delivery.deliver_message(approval_email.id, last_try=False) is True
    row = OutboxMessage.get_by_id(approval_email.id)
    assert row.status == "sent" and row.attempts == 2 and len(collector.envelopes) == 1


def test_a_row_already_sent_is_not_sent_again(adapters, smtp_server, approval_email):
    collector = Collector()
    use_smtp(adapters, smtp_server(collector).port)
    assert tasks.deliver_outbox_message.call_local(approval_email.id) is True
    assert tasks.deliver_outbox_message.call_local(approval_email.id) is False
    assert delivery.deliver_message(approval_email.id) is False
    assert len(collector.envelopes) == 1
    assert OutboxMessage.get_by_id(approval_email.id).attempts == 1


@pytest.mark.parametrize(("retries_left", "status"), [(3, "pending"), (0, "failed")])
def test_the_last_try_marks_the_row_failed(adapters, approval_email, retries_left, status):
    use_smtp(adapters, free_port())
    with pytest.raises(ConnectionRefusedError):
        tasks.deliver_outbox_message.call_local(approval_email.id,
                                                task=SimpleNamespace(retries=retries_left))
    row = OutboxMessage.get_by_id(approval_email.id)
    assert row.status == status and row.attempts == 1 and row.last_error


def test_the_task_schedules_its_retry_with_back_off(adapters, approval_email):
    from portal.queue import huey
    use_smtp(adapters, free_port())
    task = tasks.deliver_outbox_message.s(approval_email.id)
    huey.execute(task)        # as the consumer runs it: the error is caught, a retry scheduled
    [retry] = huey.scheduled()
    assert retry.args == (approval_email.id,) and retry.retries == 4
    assert retry.retry_delay == 60            # 30 s now, doubled for the next one
    assert OutboxMessage.get_by_id(approval_email.id).status == "pending"


def test_a_recipient_refused_for_good_fails_without_retry(adapters, smtp_server,
                                                         approval_email):
    use_smtp(adapters, smtp_server(Collector(refuse=True)).port)
    assert delivery.deliver_message(approval_email.id, last_try=False) is False
    row = OutboxMessage.get_by_id(approval_email.id)
    assert row.status == "failed" and "550" in row.last_error


def test_credentials_from_the_url_log_in(adapters, smtp_server, approval_email):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)
    collector = Collector()
    controller = smtp_server(collector, authenticator=authenticator, auth_require_tls=False)
    use_smtp(adapters, controller.port, url_extra="mailer%40bureau:p%40ss%20word@")
    assert delivery.deliver_message(approval_email.id) is True
    assert logins == [(b"mailer@bureau", b"p@ss word")] and len(collector.envelopes) == 1


def test_the_sender_defaults_to_noreply_at_the_public_site(adapters, smtp_server,
                                                          approval_email):
    collector = Collector()
    use_smtp(adapters, smtp_server(collector).port, sender=None)
    delivery.deliver_message(approval_email.id)
    assert collector.envelopes[0].mail_from == "noreply@beian.miit.gov.cn"


# -- settings --------------------------------------------------------------

def test_mail_urls_are_parsed():
    s = mail_smtp.parse_mail_url("smtp://u:p@mail.example:587?starttls=1")
    assert (s.host, s.port, s.tls, s.starttls, s.username, s.password) == (
        "mail.example", 587, False, True, "u", "p")
    s = mail_smtp.parse_mail_url("smtps://u:p@mail.example")
    assert (s.port, s.tls, s.starttls) == (465, True, False)
    assert mail_smtp.parse_mail_url("smtp://relay").port == 25
    for bad in ("http://mail.example", "smtp://", "smtp://h?timeout=x", "smtp://h:99999"):
        with pytest.raises(ConfigError):
            mail_smtp.parse_mail_url(bad)


def test_message_ids_are_stable_and_well_formed():
    assert mail_smtp.header_message_id("abc@icp-portal") == "<abc@icp-portal>"
    assert mail_smtp.header_message_id("evt 1") == "<evt-1@icp-portal>"
    assert mail_smtp.header_message_id("a<b>@x y") == "<a-b-@x-y>"


def test_configure_chooses_the_adapters(adapters):
    delivery.configure({})
    assert delivery.is_development("email") and delivery.is_development("sms")
    delivery.configure({"MAIL_URL": "smtps://u:p@mail.example", "MAIL_FROM": "a@b.example",
                        "SMS_URL": "https://sms.example/send", "SMS_KEY": "k"})
    assert adapters["email"].name == "smtp" and adapters["email"].sender == "a@b.example"
    assert adapters["sms"].name == "sms-gateway" and not delivery.is_development("sms")
    with pytest.raises(ConfigError):
        delivery.configure({"SMS_URL": "https://sms.example/send"})


def test_the_factory_reads_the_mail_settings(adapters, tmp_path, monkeypatch):
    from portal import create_app
    monkeypatch.setenv("MAIL_URL", "smtp://relay.example:2525?starttls=1")
    monkeypatch.setenv("MAIL_FROM", "icp@bureau.example")
    create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "HUEY_URL": "memory://"})
    assert adapters["email"].settings.port == 2525 and adapters["email"].settings.starttls
    assert adapters["email"].sender == "icp@bureau.example"
