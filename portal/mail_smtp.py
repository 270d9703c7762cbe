"""Email over SMTP, configured by MAIL_URL.

    smtp://user:pass@host:587?starttls=1   plain connection upgraded with STARTTLS
    smtps://user:pass@host:465             TLS from the first byte
    smtp://localhost:25                    a local relay, no credentials

Each message carries a Message-ID derived from its outbox row, so a retried delivery
is recognisably the same message to the receiving side. Temporary failures (network,
4xx answers) raise and are retried; a permanent refusal of the recipient or the
message (5xx) raises `Undeliverable`.
"""
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from portal.config import ConfigError
from portal.delivery import Undeliverable
from portal.models import OutboxMessage

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT = 15                                  # seconds, per connection and per command
_MSGID_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool = False          # smtps: TLS from the start
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = TIMEOUT


def parse_mail_url(url: str) -> SmtpSettings:
    """MAIL_URL → settings; a URL that cannot work raises ConfigError at start."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError("MAIL_URL must look like smtp://user:pass@host:587?starttls=1 "
                          "or smtps://user:pass@host:465")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
        timeout = float(query.get("timeout", TIMEOUT))
    except ValueError as exc:
        raise ConfigError(f"MAIL_URL: {exc}") from exc
    return SmtpSettings(host=parts.hostname, port=port, tls=scheme == "smtps",
                        starttls=query.get("starttls") in ("1", "true", "yes", "on"),
                        username=unquote(parts.username or ""),
                        password=unquote(parts.password or ""), timeout=timeout)


def header_message_id(message_id: str) -> str:
    """The Message-ID header for an outbox row: the same row always gives the same id."""
    local, _, domain = message_id.partition("@")
    local = _MSGID_UNSAFE.sub("-", local) or "message"
    domain = _MSGID_UNSAFE.sub("-", domain) or "icp-portal"
    return f"<{local}@{domain}>"


def _attach(mail: EmailMessage, attachment: dict) -> None:
    content = attachment.get("content") or ""
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    maintype, _, subtype = (attachment.get("content_type") or
                            "application/octet-stream").partition("/")
    mail.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                        filename=attachment.get("filename") or "attachment")


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message for an outbox row: UTF-8 subject and body, attachments from
    payload["attachments"] ({filename, content_type, content})."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = header_message_id(message.message_id)
    mail["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC))
    mail.set_content(message.body, charset="utf-8")
    for attachment in (message.payload or {}).get("attachments") or []:
        _attach(mail, attachment)
    return mail


def _is_permanent(exc: Exception) -> bool:
    """A 5xx refusal of the recipient or the content (not of our login or sender:
    that is configuration, fixed by the operator, then retried)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _text in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600


class SmtpAdapter:
    """Sends each outbox email over one SMTP connection per message."""
    name = "smtp"

    def __init__(self, settings: SmtpSettings, sender: str | None = None):
        self.settings = settings
        self.sender = sender       # None: noreply@<host of the public site>, read per send

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                    context=ssl.create_default_context())
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, message: OutboxMessage) -> None:
        sender = self.sender or default_sender()
        mail = build_email(message, sender)
        try:
            with self._connect() as smtp:
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password)
                smtp.send_message(mail, from_addr=sender, to_addrs=[message.recipient])
        except smtplib.SMTPException as exc:
            if _is_permanent(exc):
                raise Undeliverable(f"SMTP server refused the message: {exc}") from exc
            raise
        log.info("email %s delivered via %s:%s", message.message_id, self.settings.host,
                 self.settings.port)


def default_sender() -> str:
    """noreply@ the public site's host (the bureau's own domain)."""
    from portal.models import InstanceSettings
    host = urlsplit(InstanceSettings.get().public_site_url).hostname or "localhost"
    return f"noreply@{host}"
