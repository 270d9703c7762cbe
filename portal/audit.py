"""The audit log: append-only events chained by hash, and the check that proves it.

Each event stores the hash of the one before it; the head (latest seq and
hash) is kept in its own table and, after each commit, in a file outside the
database (AUDIT_HEAD_PATH), so an edited, deleted, inserted or reordered event,
a truncated tail, or events and head table rewritten together are detected by
`verify_chain`.
"""
import hashlib
import json
import operator
import os
from dataclasses import dataclass

from portal.clock import utcnow
from portal.context import current_actor_info
from portal.db import after_commit, is_sqlite
from portal.models import AuditEvent, AuditHead

_head_file = {"path": None}


def configure(head_path: str | None) -> None:
    _head_file["path"] = head_path


def read_head_file() -> tuple[int, str] | None:
    path = _head_file["path"]
    if not path or not os.path.exists(path):
        return None
    with open(path) as handle:
        seq, digest = handle.read().split()
    return int(seq), digest


def _write_head_file(seq: int, digest: str) -> None:
    """Keep the newest head seen; an older value written by a slower worker stays valid
    (it still pins a prefix of the chain)."""
    path = _head_file["path"]
    if not path:
        return
    current = read_head_file()
    if current and current[0] >= seq:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as handle:
        handle.write(f"{seq} {digest}\n")
    os.replace(tmp, path)

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "at", "actor_id", "actor_name", "tenant", "action", "object_type",
                 "object_id", "before", "after", "reason", "ip", "request_id", "prev_hash")


def _canonical(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def event_hash(values: dict) -> str:
    """SHA-256 over the event's fields in canonical JSON."""
    data = {name: values.get(name) for name in HASHED_FIELDS}
    data["at"] = values["at"].isoformat(timespec="microseconds")
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


def _lock_head() -> AuditHead:
    """Read the head row for writing, in one statement: on SQLite the transaction
    already holds the write lock (BEGIN IMMEDIATE), on PostgreSQL ``FOR UPDATE`` locks
    the row until commit. The row is made on first use."""
    head = _head_query().first()
    if head is None:
        AuditHead.insert(id=1, seq=0, hash=GENESIS).on_conflict_ignore().execute()
        head = _head_query().first()
    return head


def _head_query():
    query = AuditHead.select().where(AuditHead.id == 1)
    return query if is_sqlite() else query.for_update()


def record_event(action: str, obj=None, *, actor=None, before=None, after=None,
                 reason: str = "", object_type: str = "", object_id=None) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it describes."""
    head = _lock_head()
    who = current_actor_info(actor)
    values = {
        "seq": head.seq + 1, "at": utcnow(), "action": action,
        "object_type": object_type or (type(obj).__name__.lower() if obj is not None else ""),
        "object_id": str(object_id if object_id is not None else getattr(obj, "id", "") or ""),
        "before": before, "after": after, "reason": str(reason or ""),
        "prev_hash": head.hash, **who,
    }
    values["hash"] = event_hash(_roundtrip(values))
    event = AuditEvent.create(**values)
    AuditHead.update(seq=values["seq"], hash=values["hash"]).where(AuditHead.id == 1).execute()
    after_commit(lambda: _write_head_file(values["seq"], values["hash"]))
    return event


EVENT_COLUMNS = ("seq", "at", "actor_id", "actor_name", "tenant", "action", "object_type",
                 "object_id", "before", "after", "reason", "ip", "request_id", "prev_hash", "hash")


def record_events(events: list[dict], *, actor=None) -> int:
    """Append many events, in order, with one head update: a bulk action (the ISP import)
    writes one event per object without locking the head per event. Each dict has
    `action` and may have object_type, object_id, before, after and reason, as for
    `record_event`; all share `actor` and one timestamp. Call inside the transaction of
    the change. Returns how many were appended."""
    from portal.services.bulk_rows import insert_rows, json_text
    if not events:
        return 0
    head = _lock_head()
    common = {"at": utcnow(), **current_actor_info(actor)}
    hasher, stored = _BatchHasher(common), _Memo(json_text)
    seq, digest, rows = head.seq, head.hash, []
    for event in events:
        seq += 1
        values = {**common, "seq": seq, "action": event["action"],
                  "object_type": event.get("object_type", ""),
                  "object_id": str(event.get("object_id") or ""),
                  "before": event.get("before"), "after": event.get("after"),
                  "reason": str(event.get("reason") or ""), "prev_hash": digest}
        digest = values["hash"] = hasher.hash(values)
        values["before"], values["after"] = stored(values["before"]), stored(values["after"])
        rows.append(_event_row(values))
    insert_rows(AuditEvent, EVENT_COLUMNS, rows)
    AuditHead.update(seq=seq, hash=digest).where(AuditHead.id == 1).execute()
    after_commit(lambda: _write_head_file(seq, digest))
    return len(rows)


_event_row = operator.itemgetter(*EVENT_COLUMNS)


class _Memo:
    """`func(value)` once per distinct object of a batch (events share their dicts)."""

    def __init__(self, func):
        self.func, self.seen = func, {}

    def __call__(self, value):
        found = self.seen.get(id(value))
        if found is None or found[0] is not value:
            found = self.seen[id(value)] = (value, self.func(value))
        return found[1]


class _BatchHasher:
    """event_hash(_roundtrip(values)) for events sharing their time and actor. The
    canonical JSON of an event is its sorted fields' canonical values joined, so the
    shared fields and the repeated values (actions, before and after dicts) are
    rendered once per batch instead of once per event."""

    def __init__(self, common: dict):
        self.fixed = {name: _canonical(common[name]) for name in common if name != "at"}
        self.fixed["at"] = _canonical(common["at"].isoformat(timespec="microseconds"))
        self.text = _Memo(_canonical)
        self.data = _Memo(lambda value: _canonical(_roundtrip_value(value)))

    def hash(self, values: dict) -> str:
        fixed, text, data = self.fixed, self.text, self.data
        canonical = (
            f'{{"action":{text(values["action"])},"actor_id":{fixed["actor_id"]},'
            f'"actor_name":{fixed["actor_name"]},"after":{data(values["after"])},'
            f'"at":{fixed["at"]},"before":{data(values["before"])},"ip":{fixed["ip"]},'
            f'"object_id":{_canonical(values["object_id"])},'
            f'"object_type":{text(values["object_type"])},'
            f'"prev_hash":{_canonical(values["prev_hash"])},"reason":{text(values["reason"])},'
            f'"request_id":{fixed["request_id"]},"seq":{int(values["seq"])},'
            f'"tenant":{fixed["tenant"]}}}')
        return hashlib.sha256(canonical.encode()).hexdigest()


def _roundtrip_value(value):
    """A before/after value as the database gives it back (see `_roundtrip`)."""
    return None if value is None else json.loads(_canonical(value))


def _roundtrip(values: dict) -> dict:
    """Hash what the database will give back (JSON columns lose tuples, keys sort)."""
    out = dict(values)
    for name in ("before", "after"):
        if out[name] is not None:
            out[name] = json.loads(_canonical(out[name]))
    return out


@dataclass
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk every event in order; report the first break."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    last_id = 0
    while True:
        rows = list(AuditEvent.select().where(AuditEvent.id > last_id)
                    .order_by(AuditEvent.id).limit(batch))
        if not rows:
            break
        for event in rows:
            problem = _check_event(event, expected_seq, prev_hash)
            if problem:
                return ChainReport(False, checked, problem, event.seq)
            prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
            last_id = event.id
    return _check_head(prev_hash, expected_seq - 1, checked)


def _check_event(event: AuditEvent, expected_seq: int, prev_hash: str) -> str:
    if event.seq != expected_seq:
        return f"sequence gap or reorder: expected {expected_seq}, found {event.seq}"
    if event.prev_hash != prev_hash:
        return "link to the previous event is broken"
    values = {name: getattr(event, name) for name in HASHED_FIELDS}
    if event_hash(values) != event.hash:
        return "event content does not match its hash"
    return ""


def _check_head(last_hash: str, last_seq: int, checked: int) -> ChainReport:
    head = AuditHead.get_or_none(AuditHead.id == 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != last_seq or head_hash != last_hash:
        return ChainReport(False, checked, f"tail truncated or head altered: head at {head_seq}, "
                                           f"events end at {last_seq}", last_seq)
    return _check_head_file(last_seq, checked)


def _check_head_file(last_seq: int, checked: int) -> ChainReport:
    """The head recorded outside the database must still be an event of this chain."""
    outside = read_head_file()
    if outside is None:
        return ChainReport(True, checked)
    seq, digest = outside
    event = AuditEvent.get_or_none(AuditEvent.seq == seq)
    if seq > last_seq or event is None or event.hash != digest:
        return ChainReport(False, checked, f"chain does not contain the head recorded outside "
                                           f"the database (seq {seq})", seq)
    return ChainReport(True, checked)
