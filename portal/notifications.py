"""The outbox: messages are rows written in the transaction that caused them;
delivery is queued only after that transaction commits."""
import uuid

from portal.db import after_commit
from portal.models import OutboxMessage


def queue_message(channel: str, recipient: str, subject: str, body: str,
                  payload: dict | None = None, message_id: str | None = None
                  ) -> OutboxMessage | None:
    """Write one message and schedule its delivery after commit. No recipient: no message.
    `message_id` is generated unless the caller already published it (a webhook event id)."""
    if not recipient:
        return None
    message = OutboxMessage.create(message_id=message_id or f"{uuid.uuid4().hex}@icp-portal",
                                   channel=channel, recipient=recipient, subject=subject,
                                   body=body, payload=payload or {})
    schedule_delivery(message)
    return message


def schedule_delivery(message: OutboxMessage) -> None:
    """Enqueue the delivery of `message` once the current transaction commits."""
    message_pk, channel = message.id, message.channel
    after_commit(lambda: enqueue_delivery(message_pk, channel))


def enqueue_delivery(message_pk: int, channel: str = "email") -> None:
    from portal import tasks  # the task module imports the app's queue
    if channel == "webhook":   # other receivers' servers: longer retries with back-off
        tasks.deliver_webhook_message(message_pk)
    else:
        tasks.deliver_outbox_message(message_pk)


def email(recipient: str, subject: str, body: str, **payload) -> OutboxMessage | None:
    return queue_message("email", recipient, subject, body, payload)


def sms(mobile: str, text: str, **payload) -> OutboxMessage | None:
    return queue_message("sms", mobile, "", text, payload)


def _filer_email(app) -> str:
    from portal.models import Account
    return Account.get_by_id(app.account_id).email


def notify_state_change(app, action: str, reason: str = "") -> None:
    """Tell the filer, and the webhooks of every ISP that sees the application, what
    happened. Written in the transition's transaction."""
    from portal.services.webhooks import queue_application_event
    queue_application_event(app, action)
    from portal.states import KIND_LABELS, STATE_LABELS
    text = (f"您的备案申请 {app.reference}（{KIND_LABELS[app.kind]}）状态已更新为："
            f"{STATE_LABELS[app.state]}。")
    if reason:
        text += f"\n说明：{reason}"
    payload = {"application": app.reference, "action": action, "state": str(app.state)}
    if action == "approve":
        extra, attachments = approval_contents(app)
        text += extra
        if attachments:
            payload["attachments"] = attachments
    email(_filer_email(app), f"备案申请{app.reference}：{STATE_LABELS[app.state]}", text,
          **payload)


def notify_conflict(app, conflicts: list) -> None:
    fields = "、".join(sorted({c["value"] for c in conflicts}))
    email(_filer_email(app), f"备案申请{app.reference}存在信息冲突",
          f"您的备案申请 {app.reference} 中的以下信息与其他账号的备案或申请冲突：{fields}。"
          f"管局将核实处理，必要时会联系您提供材料。", application=app.reference, action="conflict")


def notify_revocation(record, reason: str) -> None:
    from portal.models import Account
    subject = record.subject if hasattr(record, "kind") else record
    account = Account.get_by_id(subject.account_id)
    email(account.email, f"备案{record.filing_number}已被撤销",
          f"您的备案 {record.filing_number} 已被管局撤销。原因：{reason}", action="revoke")


# -- the approval email: numbers, certificates and how to install them -------------

def _approved_services(app, subject) -> list:
    """The services an approval numbered, changed or re-certified (a subject change
    re-issues every website's certificate)."""
    from portal.models import Service
    from portal.states import Kind
    active = subject.services.where(Service.status == "active")
    if app.kind in (Kind.FIRST_FILING, Kind.CHANGE_SUBJECT, Kind.ANNUAL_REVIEW):
        return list(active.order_by(Service.id))
    if app.kind == Kind.ADD_SERVICE:   # the newest ones: created by this approval
        added = len((app.proposed or {}).get("services") or [])
        return sorted(active.order_by(Service.id.desc()).limit(added), key=lambda s: s.id)
    if app.kind in (Kind.CHANGE_SERVICE, Kind.CHANGE_ACCESS, Kind.ADD_ACCESS) and app.service_id:
        return list(active.where(Service.id == app.service_id))
    return []


def _current_certificates(services) -> dict:
    """service id → its current (not voided) certificate, in one query."""
    from portal.models import Certificate
    ids = [s.id for s in services if s.kind == "website"]
    if not ids:
        return {}
    rows = (Certificate.select().where(Certificate.service.in_(ids),
                                       Certificate.voided_at.is_null())
            .order_by(Certificate.id))
    return {row.service_id: row for row in rows}


def footer_snippet(number: str, url: str) -> str:
    """The homepage footer code, as the help page on the footer gives it."""
    return (f'<footer style="text-align: center">\n  <a href="{url}" target="_blank" '
            f'rel="noopener">{number}</a>\n</footer>')


def _attachment_name(service, single: bool) -> str:
    domains = (service.details or {}).get("domains") or []
    return "bazs.cert" if single or not domains else f"{domains[0]}-bazs.cert"


def _website_instructions(service, filename: str, url: str) -> str:
    domains = (service.details or {}).get("domains") or []
    example = domains[0] if domains else "网站域名"
    return (f"\n【{service.name}】备案号：{service.filing_number}\n"
            f"域名：{'、'.join(domains)}\n"
            f"1. 电子证书：本邮件附件 {filename}。在网站根目录下建立名为 cert 的目录，"
            f"把证书原样放入，"
            f"文件名为 bazs.cert（附件名不同的请改名），不要修改或重新保存文件内容。\n"
            f"2. 确认每一个备案域名都能通过 http://域名/cert/bazs.cert 直接取到证书文件"
            f"（不跳转到首页或登录页），例如：http://{example}/cert/bazs.cert\n"
            f"3. 在网站首页底部居中位置标明备案号，链接文字就是备案号本身，链接地址为 {url}，"
            f"该网站每个备案域名的首页都要这样标明。可直接使用的代码：\n"
            f"{footer_snippet(service.filing_number, url)}\n")


def approval_contents(app) -> tuple[str, list]:
    """The numbers, the installation instructions and the certificates (as attachments)
    an approval email carries. Runs inside the approval's transaction."""
    from portal.models import InstanceSettings, Subject
    subject = Subject.get_or_none(Subject.id == app.subject_id) if app.subject_id else None
    if subject is None:
        return "", []
    services = _approved_services(app, subject)
    if not services:
        return "", []
    certificates = _current_certificates(services)
    url = InstanceSettings.get().public_site_url
    text = f"\n主体备案号：{subject.filing_number}"
    text += "".join(f"\n{s.name}：{s.filing_number}" for s in services)
    attachments, steps = [], ""
    for service in services:
        certificate = certificates.get(service.id)
        if certificate is not None:
            filename = _attachment_name(service, len(certificates) == 1)
            attachments.append({"filename": filename, "content_type": "application/json",
                                "content": certificate.document, "serial": certificate.serial,
                                "filing_number": service.filing_number})
            steps += _website_instructions(service, filename, url)
    if attachments:
        text += ("\n\n电子证书与安装说明：每个网站的电子证书（bazs.cert）见附件，"
                 "登录备案系统也可随时下载当前有效的证书；网站信息变更审核通过后证书会重新签发，"
                 "请用新证书替换旧证书。\n" + steps)
    return text, attachments
