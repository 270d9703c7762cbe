"""Writing a validated import: each filing's account and submitted first filing, computed
in Python for the whole file and inserted in bulk, inside the caller's transaction.

The end state is the per-filing path's (create the account, then create and submit
its application through portal.workflow), row for row and in the same order:
Account; Application (the cleaned proposal, submitted, version 2, its conflicts);
LookupKey (the application's conflict keys); ApplicationIsp; AuditEvent (account.create,
application.create and application.submit per filing, one chain); OutboxMessage (a
conflict e-mail, the ISPs' webhook events, the filer's e-mail). Conflicts are what the
per-filing path finds at each submission: keys of other accounts in the database, then
keys of the filings before it in the file. Nothing is sent before commit; deliveries
are then queued a thousand at a time (portal.tasks.enqueue_deliveries).
"""
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from portal import workflow
from portal.audit import record_events
from portal.clock import utcnow
from portal.db import after_commit
from portal.models import (Account, Application, ApplicationIsp, LookupKey, OutboxMessage,
                           Webhook)
from portal.services import guards, webhooks
from portal.services.apply import named_isp_ids
from portal.services.bulk_rows import (column_names, existing_values, in_list, insert_rows,
                                       json_text, pages, reserve_ids)
from portal.services.fast_validators import EmailChecker, homepage_host
from portal.services.lookup_keys import CONFLICT_KEYS
from portal.states import KIND_LABELS, STATE_LABELS, Kind, State
from portal.validators import normalise_name, validate_mobile

CHUNK = 1000             # filings written at a time, messages per delivery task
ACCOUNT_FIELDS = ("id", "username", "tenant", "role", "organisation", "display_name",
                  "password_hash", "created_via", "created_by_org", "mobile", "email",
                  "mobile_verified", "email_verified", "identity_verified",
                  "must_change_password", "password_changed_at", "session_generation",
                  "is_active", "created_at", "last_login_at")
APPLICATION_FIELDS = ("id", "reference", "kind", "state", "account", "subject", "service",
                      "channel", "isp", "submitted_by", "proposed", "returned_proposed",
                      "version", "revision", "return_reason", "return_notes", "in_conflict",
                      "conflicts", "materials", "created_at", "updated_at", "submitted_at",
                      "review_started_at", "due_on", "decided_at", "decided_by")
KEY_FIELDS = ("id", "key", "value", "account", "subject", "service", "application")
OUTBOX_FIELDS = ("id", "message_id", "channel", "recipient", "subject", "body", "payload",
                 "status", "attempts", "last_error", "created_at", "sent_at", "adapter")


@dataclass
class Written:
    """One filing as written: what its rows, the result file and the outbox need."""
    filing: object
    account_id: int
    email: str
    password: str            # the initial password, for the result file
    password_hash: str
    app_id: int
    reference: str
    isps: list               # the ISPs it names (ApplicationIsp)
    keys: list               # its conflict keys, (key, value)
    first_key: int = 0       # the LookupKey id of keys[0]; the others follow
    conflicts: list = field(default_factory=list)

    @property
    def username(self) -> str:
        return self.filing.username


@dataclass
class _Batch:
    """What every chunk of one import shares."""
    isp_id: int
    actor: object
    now: object
    hooks: list
    labels: tuple
    email: EmailChecker = field(default_factory=EmailChecker)
    pending: list = field(default_factory=list)     # (outbox id, channel) to deliver


def write_filings(isp_id: int, actor, filings: list, passwords: list) -> list[Written]:
    """Write every filing (each with its cleaned `proposal`) and its account with its
    initial password, a (plain, hash) of `passwords`. Raises Refused when `actor` may
    not file for the ISP's customers, IntegrityError when a username was taken since
    validation. Written CHUNK filings at a time (all in the caller's transaction), so
    the rows in Python stay few; a chunk's conflicts with earlier ones are found in
    the database like those with anyone else's. The audit events go last: appending
    them locks the chain's head until commit, which on PostgreSQL holds up every other
    audited write, so not for the whole import."""
    guards.check_channel(Kind.FIRST_FILING, "isp", actor,
                         SimpleNamespace(id=None, created_by_org_id=isp_id), isp_id)
    app = SimpleNamespace(kind=Kind.FIRST_FILING, isp_id=isp_id, subject_id=None,
                          service_id=None)
    isps = [named_isp_ids(app, f.proposal) for f in filings]
    batch = _Batch(isp_id, actor, utcnow(), _webhooks({isp_id, *(i for n in isps for i in n)}),
                   (str(KIND_LABELS[Kind.FIRST_FILING]), str(STATE_LABELS[State.SUBMITTED])))
    written = []
    for start in range(0, len(filings), CHUNK):
        part = slice(start, start + CHUNK)
        written += _write_chunk(batch, filings[part], passwords[part], isps[part])
    record_events(_audit_events(written), actor=actor)   # last: the head is locked till commit
    after_commit(lambda: _enqueue(batch.pending))
    return written


def _write_chunk(batch: _Batch, filings: list, passwords: list, isps: list) -> list[Written]:
    written = _plan(batch, filings, passwords, isps)
    _find_conflicts(written)
    insert_rows(Account, column_names(Account, ACCOUNT_FIELDS),
                [_account_row(batch, w) for w in written])
    insert_rows(Application, column_names(Application, APPLICATION_FIELDS),
                [_application_row(batch, w) for w in written])
    insert_rows(LookupKey, column_names(LookupKey, KEY_FIELDS),
                [(w.first_key + i, k, v, w.account_id, None, None, w.app_id)
                 for w in written for i, (k, v) in enumerate(w.keys)])
    insert_rows(ApplicationIsp, ("application_id", "isp_id"),
                [(w.app_id, isp) for w in written for isp in w.isps])
    _queue_messages(batch, written)
    return written


def _plan(batch: _Batch, filings: list, passwords: list, isps: list) -> list[Written]:
    """Ids, references, e-mails and keys of a chunk's filings, before anything is written."""
    account_ids = reserve_ids(Account, len(filings))
    app_ids = reserve_ids(Application, len(filings))
    written = [Written(f, account_id, batch.email(f.first.get("email")), plain, hashed,
                       app_id, reference, named, conflict_keys(f.proposal))
               for f, account_id, app_id, (plain, hashed), reference, named
               in zip(filings, account_ids, app_ids, passwords, _references(len(filings)),
                      isps)]
    key_id = (reserve_ids(LookupKey, sum(len(w.keys) for w in written)) or [0])[0]
    for w in written:
        w.first_key, key_id = key_id, key_id + len(w.keys)
    return written


def conflict_keys(proposal: dict) -> list[tuple[str, str]]:
    """lookup_keys.proposal_keys(proposal) of CONFLICT_KEYS, in its order; the home
    page's host read by the fast validator (the proposal is cleaned already)."""
    subject = proposal["subject"]
    keys = [("subject_name", normalise_name(subject["name"])),
            ("cert_number", subject["cert_number"])]
    for service in proposal["services"]:
        keys += [("domain", d) for d in service.get("domains", [])]
        if service.get("homepage"):
            keys.append(("host", homepage_host(service["homepage"])))
    return [key for key in dict.fromkeys(keys) if key[0] in CONFLICT_KEYS]


def _references(count: int) -> list[str]:
    """Fresh application references, none of them taken already."""
    chosen = set()
    while len(chosen) < count:
        fresh = set(workflow.new_references(count - len(chosen))) - chosen
        chosen |= fresh - existing_values(Application, "reference", fresh)
    return sorted(chosen)


def taken_usernames(usernames: list) -> set:
    """Those of `usernames` that exist now (after an IntegrityError: who took one)."""
    return existing_values(Account, "username", usernames)


# -- conflicts -----------------------------------------------------------------------

def _find_conflicts(written: list[Written]) -> None:
    """What find_conflicts answers at each submission of the per-filing path: keys of
    other accounts in the database (earlier chunks included), then those of earlier
    filings of the chunk, by key id. Only keys held twice are followed."""
    counts = Counter(key for w in written for key in w.keys)
    found = _database_keys([key for key, n in counts.items()])
    repeated = {key for key, n in counts.items() if n > 1}
    for w in written:
        hits = [hit for key in w.keys if key in found for hit in found[key]]
        if hits:
            w.conflicts = [conflict for _, conflict in sorted(hits, key=lambda hit: hit[0])]
        for i, key in enumerate(w.keys):
            if key in repeated:
                found.setdefault(key, []).append((w.first_key + i, {
                    "key": key[0], "value": key[1], "other_account": w.account_id,
                    "other_username": w.username, "subject": None, "service": None,
                    "application": w.app_id}))


def _database_keys(pairs: list) -> dict:
    """(key, value) → [(id, conflict entry)] of every LookupKey row holding a pair: which
    values are held at all first (one cheap IN query per page), then those rows."""
    found = {}
    for key in CONFLICT_KEYS:
        held = sorted(existing_values(LookupKey, "value", [v for k, v in pairs if k == key],
                                      key=key))
        for page in pages(held):
            query = (LookupKey.select(LookupKey.id, LookupKey.key, LookupKey.value,
                                      LookupKey.account.alias("other_account"),
                                      Account.username.alias("other_username"),
                                      LookupKey.subject, LookupKey.service,
                                      LookupKey.application)
                     .join(Account, on=(LookupKey.account == Account.id))
                     .where(LookupKey.key == key, LookupKey.value.in_(in_list(page))).dicts())
            for row in query:
                key_id = row.pop("id")
                found.setdefault((row["key"], row["value"]), []).append((key_id, row))
    for hits in found.values():
        hits.sort(key=lambda hit: hit[0])
    return found


# -- rows --------------------------------------------------------------------------

def _account_row(batch: _Batch, w: Written) -> tuple:
    return (w.account_id, w.username, "public", "filer", None, "", w.password_hash,
            "isp_import", batch.isp_id, validate_mobile(w.filing.first.get("mobile")), w.email,
            False, False, False, True, None, 0, True, batch.now, None)


_EMPTY = json_text([])


def _application_row(batch: _Batch, w: Written) -> tuple:
    now = batch.now
    return (w.app_id, w.reference, str(Kind.FIRST_FILING), str(State.SUBMITTED),
            w.account_id, None, None, "isp", batch.isp_id, batch.actor.id,
            json_text(w.filing.proposal), None, 2, 1, "", _EMPTY, bool(w.conflicts),
            json_text(w.conflicts) if w.conflicts else _EMPTY, _EMPTY, now, now, now, None,
            None, None, None)


def _audit_events(written: list[Written]) -> list[dict]:
    created = {"tenant": "public", "role": "filer", "created_via": "isp_import"}
    kind = {"kind": Kind.FIRST_FILING}
    before, after = ({"state": State.DRAFT, "version": 1},
                     {"state": State.SUBMITTED, "version": 2})
    events = []
    for w in written:
        events += [{"action": "account.create", "object_type": "account",
                    "object_id": w.account_id, "after": created},
                   {"action": "application.create", "object_type": "application",
                    "object_id": w.app_id, "after": kind},
                   {"action": "application.submit", "object_type": "application",
                    "object_id": w.app_id, "before": before, "after": after}]
    return events


# -- the outbox ----------------------------------------------------------------------

def _queue_messages(batch: _Batch, written: list[Written]) -> None:
    """Per filing, as notify_conflict, queue_application_event and notify_state_change
    write them; their delivery is queued after commit."""
    rows = []
    for w in written:
        if w.conflicts:
            rows.append(_conflict_email(w))
        seeing = set(w.isps) | {batch.isp_id}
        rows += [_webhook_event(hook, w, batch.now) for hook in batch.hooks
                 if hook.organisation_id in seeing]
        rows.append(_state_email(w, *batch.labels))
    ids = reserve_ids(OutboxMessage, len(rows))
    insert_rows(OutboxMessage, column_names(OutboxMessage, OUTBOX_FIELDS),
                [(pk, message_id, channel, recipient, subject, body, json_text(payload),
                  "pending", 0, "", batch.now, None, "")
                 for pk, (message_id, channel, recipient, subject, body, payload)
                 in zip(ids, rows)])
    batch.pending += [(pk, row[1]) for pk, row in zip(ids, rows)]


def _enqueue(pending: list) -> None:
    from portal import tasks   # the task module imports the app's queue
    for page in pages(pending, CHUNK):
        tasks.enqueue_deliveries(page)


def _webhooks(isp_ids: set) -> list:
    return list(Webhook.select().where(Webhook.organisation.in_(sorted(isp_ids)),
                                       Webhook.is_active == True)  # peewee
                .order_by(Webhook.id))


def _email_id() -> str:
    return f"{uuid.uuid4().hex}@icp-portal"


def _state_email(w: Written, kind: str, state: str) -> tuple:
    """notifications.notify_state_change(app, "submit"), with the labels translated once."""
    return (_email_id(), "email", w.email, f"备案申请{w.reference}：{state}",
            f"您的备案申请 {w.reference}（{kind}）状态已更新为：{state}。",
            {"application": w.reference, "action": "submit", "state": str(State.SUBMITTED)})


def _conflict_email(w: Written) -> tuple:
    """notifications.notify_conflict(app, conflicts)."""
    fields = "、".join(sorted({c["value"] for c in w.conflicts}))
    body = (f"您的备案申请 {w.reference} 中的以下信息与其他账号的备案或申请冲突：{fields}。"
            f"管局将核实处理，必要时会联系您提供材料。")
    return (_email_id(), "email", w.email, f"备案申请{w.reference}存在信息冲突", body,
            {"application": w.reference, "action": "conflict"})


def _webhook_event(hook: Webhook, w: Written, now) -> tuple:
    """webhooks.queue_application_event(app, "submit"), for one webhook."""
    data = webhooks.application_event_data(SimpleNamespace(
        reference=w.reference, kind=Kind.FIRST_FILING, state=State.SUBMITTED, version=2,
        return_reason="", return_notes=[]))
    event_id = f"evt_{uuid.uuid4().hex}"
    event = {"id": event_id, "type": "application.submit",
             "created_at": now.isoformat(timespec="seconds") + "Z", "data": data}
    payload = {"webhook_id": hook.id, "isp_id": hook.organisation_id, "url": hook.url,
               "event": event}
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return (event_id, webhooks.CHANNEL, f"isp:{hook.organisation_id}:webhook:{hook.id}",
            "application.submit", body, payload)
