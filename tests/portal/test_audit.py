"""The audit log's hash chain: intact after a lifecycle, and every kind of tampering
(edit, delete, insert, reorder, truncate, head) detected, by verify_chain and the CLI."""
import pytest

from portal import record_decisions
from portal.audit import GENESIS, event_hash, record_event, verify_chain
from portal.context import clear_request_context, set_request_context
from portal.db import transaction
from portal.models import AuditEvent, AuditHead, Service
from portal.states import State

SHIFT = 1_000_000
FIELDS = [f.name for f in AuditEvent._meta.sorted_fields if f.name != "id"]


@pytest.fixture
def lifecycle(make_application, reviewer):
    """Events of a whole lifecycle: filing, verification, SMS, approval, revocation."""
    approved = make_application(state=State.APPROVED)
    make_application(state=State.RETURNED)
    service = Service.get(Service.subject == approved.subject_id)
    record_decisions.revoke_record(reviewer, "恶意抢注", service_id=service.id)
    assert AuditEvent.select().count() >= 15
    return approved


def events() -> list[AuditEvent]:
    return list(AuditEvent.select().order_by(AuditEvent.seq))


def middle() -> AuditEvent:
    rows = events()
    return rows[len(rows) // 2]


def row_values(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in FIELDS}


def assert_broken(problem_words=()):
    report = verify_chain()
    assert not report.ok
    assert report.problem
    for word in problem_words:
        assert word in report.problem
    return report


def shift_after(column, value):
    """Move every row with column > value one step up (two steps: unique columns)."""
    AuditEvent.update({column: column + SHIFT}).where(column > value).execute()
    AuditEvent.update({column: column - (SHIFT - 1)}).where(column > SHIFT).execute()


def test_chain_intact_after_lifecycle(lifecycle):
    report = verify_chain()
    assert report.ok, report.problem
    assert report.checked == AuditEvent.select().count()
    assert verify_chain(batch=3).ok  # walking in small batches gives the same answer
    head = AuditHead.get_by_id(1)
    last = events()[-1]
    assert (head.seq, head.hash) == (last.seq, last.hash)
    assert events()[0].prev_hash == GENESIS


def test_events_link_and_hash(lifecycle):
    rows = events()
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    for before, after in zip(rows, rows[1:]):
        assert after.prev_hash == before.hash
    assert all(event_hash(row_values(e)) == e.hash for e in rows)


def test_lifecycle_writes_one_event_per_changed_object(lifecycle, reviewer):
    approve = AuditEvent.get(AuditEvent.action == "application.approve",
                             AuditEvent.object_id == str(lifecycle.id))
    assert approve.actor_id == reviewer.id and approve.tenant == "bureau"
    assert approve.before["state"] == State.REVIEW and approve.after["state"] == State.APPROVED
    for action in ("subject.first_filing", "service.first_filing"):
        assert AuditEvent.select().where(AuditEvent.action == action).count() == 1
    revoke = AuditEvent.get(AuditEvent.action == "record.revoke")
    assert revoke.reason == "恶意抢注" and revoke.object_type == "service"


def test_request_context_is_recorded(app, reviewer):
    set_request_context(reviewer, "203.0.113.9", "req-42")
    try:
        with transaction():   # as every caller does: in the transaction of the change
            event = record_event("test.action", reviewer, after={"ok": True})
    finally:
        clear_request_context()
    stored = AuditEvent.get_by_id(event.id)
    assert (stored.ip, stored.request_id, stored.actor_name) == ("203.0.113.9", "req-42",
                                                                  reviewer.username)
    assert verify_chain().ok


@pytest.mark.parametrize("change", [{"reason": "被改过的原因"},
                                    {"after": {"state": "approved", "version": 99}},
                                    {"actor_name": "someone-else"},
                                    {"action": "application.withdraw"},
                                    {"before": None}])
def test_edited_field_detected(lifecycle, change):
    target = middle()
    AuditEvent.update(**change).where(AuditEvent.id == target.id).execute()
    report = assert_broken(["hash"])
    assert report.seq == target.seq


def test_edited_reason_of_revocation_detected(lifecycle):
    AuditEvent.update(reason="常规注销").where(AuditEvent.action == "record.revoke").execute()
    assert_broken()


def test_edited_and_rehashed_event_detected_by_the_next_link(lifecycle):
    target = middle()
    values = row_values(target)
    values["reason"] = "伪造"
    AuditEvent.update(reason="伪造", hash=event_hash(values)).where(
        AuditEvent.id == target.id).execute()
    report = assert_broken(["link"])
    assert report.seq == target.seq + 1


def test_edited_and_rehashed_last_event_detected_by_the_head(lifecycle):
    last = events()[-1]
    values = dict(row_values(last), reason="伪造")
    AuditEvent.update(reason="伪造", hash=event_hash(values)).where(
        AuditEvent.id == last.id).execute()
    assert_broken(["head"])


@pytest.mark.parametrize("which", ["first", "middle"])
def test_deleted_event_detected(lifecycle, which):
    target = events()[0] if which == "first" else middle()
    AuditEvent.delete().where(AuditEvent.id == target.id).execute()
    report = assert_broken()
    assert report.seq == target.seq + 1


def test_inserted_event_detected(lifecycle):
    target = middle()
    copy = row_values(target)
    shift_after(AuditEvent.seq, target.seq)
    shift_after(AuditEvent.id, target.id)
    copy.update(id=target.id + 1, seq=target.seq + 1)
    AuditEvent.insert(**copy).execute()
    head = AuditHead.get_by_id(1)
    AuditHead.update(seq=head.seq + 1).where(AuditHead.id == 1).execute()
    assert [e.id for e in events()] == sorted(e.id for e in events())
    report = assert_broken()
    assert report.seq == target.seq + 1


def test_inserted_event_appended_with_a_middle_seq_detected(lifecycle):
    target = middle()
    copy = row_values(target)
    shift_after(AuditEvent.seq, target.seq)
    AuditEvent.insert(**dict(copy, seq=target.seq + 1)).execute()
    assert_broken()


def _swap(first: AuditEvent, second: AuditEvent, fields) -> None:
    a = {f: getattr(first, f) for f in fields}
    b = {f: getattr(second, f) for f in fields}
    AuditEvent.update(seq=-1).where(AuditEvent.id == first.id).execute()
    AuditEvent.update(**a).where(AuditEvent.id == second.id).execute()
    AuditEvent.update(**b).where(AuditEvent.id == first.id).execute()


@pytest.mark.parametrize("fields", [["seq"], FIELDS], ids=["seq_values", "contents"])
def test_reordered_events_detected(lifecycle, fields):
    target = middle()
    following = AuditEvent.get(AuditEvent.seq == target.seq + 1)
    _swap(target, following, fields)
    report = assert_broken()
    assert report.seq in (target.seq, following.seq)


def test_truncated_tail_detected(lifecycle):
    last = events()[-1]
    AuditEvent.delete().where(AuditEvent.id == last.id).execute()
    assert_broken(["truncated"])


@pytest.mark.parametrize("change", [{"hash": "f" * 64}, {"seq": AuditHead.seq + 1},
                                    {"seq": AuditHead.seq - 1}])
def test_altered_head_detected(lifecycle, change):
    AuditHead.update(**change).where(AuditHead.id == 1).execute()
    assert_broken(["head"])


def test_missing_head_detected(lifecycle):
    AuditHead.delete().execute()
    assert_broken(["head"])


def test_truncation_with_a_consistent_head_table_is_caught_by_the_head_outside_the_db(lifecycle):
    """Rewriting the events AND the head table together still fails: the head file
    outside the database names an event that is gone."""
    rows = events()
    cut = rows[-3]
    AuditEvent.delete().where(AuditEvent.seq > cut.seq).execute()
    AuditHead.update(seq=cut.seq, hash=cut.hash).where(AuditHead.id == 1).execute()
    assert_broken(["outside"])


def test_chain_continues_after_check(lifecycle, reviewer):
    assert verify_chain().ok
    with transaction():
        record_event("test.after_check", reviewer)
    assert verify_chain().ok


def test_cli_exit_codes(app, lifecycle):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    AuditEvent.update(reason="tampered").where(AuditEvent.id == middle().id).execute()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "BROKEN" in result.output
