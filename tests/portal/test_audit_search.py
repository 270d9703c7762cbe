"""Searching the audit log by actor, object, action and local dates; the check button's
service agrees with verify_chain and records that it ran."""
from datetime import date, datetime

import pytest

from portal import clock
from portal.audit import record_event, verify_chain
from portal.db import transaction
from portal.errors import NotFound, ValidationError
from portal.models import AuditEvent
from portal.services.audit_search import (AuditQuery, get_event, neighbours, pretty,
                                          search_events, verify_audit_chain)


@pytest.fixture(autouse=True)
def release_clock():
    yield
    clock.freeze(None)


def event(action, obj=None, *, actor=None, moment=None, **kwargs):
    clock.freeze(moment or datetime(2026, 3, 2, 4))
    with transaction():
        return record_event(action, obj, actor=actor, **kwargs)


@pytest.fixture
def log(app, reviewer, auditor):
    """Five events: two actors and the system, three actions, two days (local)."""
    return {
        "a": event("application.approve", object_type="application", object_id=7,
                   actor=reviewer, moment=datetime(2026, 3, 1, 15, 59)),   # 1 March local
        "b": event("application.return", object_type="application", object_id=8,
                   actor=reviewer, moment=datetime(2026, 3, 1, 16, 0)),    # 2 March local
        "c": event("record.revoke", object_type="service", object_id=7, actor=auditor,
                   reason="恶意抢注"),
        "d": event("application.approve", object_type="application", object_id=7,
                   actor=auditor),
        "e": event("sms.expire", object_type="application", object_id=9),   # the system
    }


def seqs(**criteria) -> list[int]:
    return [e.seq for e in search_events(AuditQuery(**criteria))]


def test_newest_first_without_criteria(log):
    found = seqs()
    assert found == sorted(found, reverse=True)
    assert found[0] == log["e"].seq


def test_by_actor_username_id_or_recorded_name(log, reviewer, auditor):
    assert seqs(actor=reviewer.username) == [log["b"].seq, log["a"].seq]
    assert seqs(actor=str(auditor.id)) == [log["d"].seq, log["c"].seq]
    assert seqs(actor="system")[0] == log["e"].seq
    assert seqs(actor="nobody-at-all") == []


def test_by_object(log):
    assert seqs(object_type="application", object_id="7") == [log["d"].seq, log["a"].seq]
    assert seqs(object_type="service") == [log["c"].seq]
    with pytest.raises(ValidationError):
        seqs(object_id="7")


@pytest.mark.parametrize("action, keys", [
    ("application.approve", "da"), ("application.", "dba"), ("application*", "dba"),
    ("application", ""), ("record.", "c"), ("sms.expire", "e")])
def test_by_action_exact_or_prefix(log, action, keys):
    assert [s for s in seqs(action=action) if s >= log["a"].seq] == [log[k].seq for k in keys]


def test_prefix_wildcards_are_literal(log):
    event("application_x.odd", object_type="x")
    assert all("_x" not in e.action for e in search_events(AuditQuery(action="application.")))
    assert seqs(action="application_.") == []


def test_by_local_dates(log):
    assert seqs(start=date(2026, 3, 1), end=date(2026, 3, 1)) == [log["a"].seq]
    assert log["a"].seq not in seqs(start=date(2026, 3, 2))
    assert seqs(start=date(2026, 3, 2), end=date(2026, 3, 2)) == [
        log[k].seq for k in "edcb"]
    with pytest.raises(ValidationError):
        seqs(start=date(2026, 3, 3), end=date(2026, 3, 2))


def test_criteria_combine(log, reviewer):
    assert seqs(actor=reviewer.username, action="application.return") == [log["b"].seq]
    assert seqs(actor=reviewer.username, object_type="service") == []


def test_event_and_neighbours(log):
    found = get_event(log["c"].seq)
    assert found.reason == "恶意抢注"
    assert neighbours(log["c"].seq) == (log["b"].seq, log["d"].seq)
    with pytest.raises(NotFound):
        get_event(999999)


def test_pretty_keeps_chinese_and_sorts_keys():
    assert pretty({"b": "退回", "a": [1]}) == '{\n  "a": [\n    1\n  ],\n  "b": "退回"\n}'
    assert pretty(None) == ""


def test_verify_records_the_check_and_agrees_with_verify_chain(log, auditor):
    before = AuditEvent.select().count()
    report = verify_audit_chain(auditor)
    assert report.ok and report.checked == before
    recorded = AuditEvent.select().order_by(AuditEvent.seq.desc()).get()
    assert recorded.action == "audit.verify" and recorded.actor_id == auditor.id
    assert recorded.after == {"ok": True, "checked": before, "seq": None, "problem": ""}
    assert verify_chain().ok


def test_verify_reports_tampering(log, auditor):
    AuditEvent.update(reason="改过").where(AuditEvent.id == log["c"].id).execute()
    expected = verify_chain()
    report = verify_audit_chain(auditor)
    assert not report.ok and (report.seq, report.problem) == (expected.seq, expected.problem)
    assert report.seq == log["c"].seq
    assert AuditEvent.select().order_by(AuditEvent.seq.desc()).get().after["ok"] is False


def test_verify_survives_a_damaged_head(log, auditor):
    """A head moved back makes the new event's seq collide: the report still comes."""
    from portal.models import AuditHead
    AuditHead.update(seq=1).where(AuditHead.id == 1).execute()
    count = AuditEvent.select().count()
    report = verify_audit_chain(auditor)
    assert not report.ok and "head" in report.problem
    assert AuditEvent.select().count() == count
