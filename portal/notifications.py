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
    email(_filer_email(app), f"备案申请{app.reference}：{STATE_LABELS[app.state]}", text,
          application=app.reference, action=action, state=str(app.state))


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
