"""Every periodic task on a frozen clock, through huey (immediate mode): running it twice
has the effect of running it once."""
import socket
from datetime import date, datetime, timedelta

import pytest

from portal import periodic
from portal.clock import freeze, utcnow
from portal.models import (AccessLink, Application, AuditEvent, InstanceSettings,
                           OutboxMessage, RecordFlag, SiteCheckFinding, VerificationCode)
from portal.queue import huey
from portal.states import State
from tests.sites import resolver_to

MONDAY = datetime(2026, 3, 2, 0, 30)        # 08:30 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    freeze(MONDAY)
    yield
    freeze(None)


def state():
    """What a task can change: messages, audit events, flags, codes, findings."""
    return (OutboxMessage.select().count(), AuditEvent.select().count(),
            sorted((f.id, f.cleared_at, f.warned_at) for f in RecordFlag.select()),
            VerificationCode.select().count(),
            sorted((f.service_id, f.ok, f.checked_at) for f in SiteCheckFinding.select()))


def run_twice(task):
    """Enqueue the task twice through huey (immediate mode); the state before, after the
    first run and after the second."""
    before = state()
    task()
    once = state()
    task()
    return before, once, state()


def test_every_periodic_task_is_registered():
    names = {task.__name__ for task in huey._registry._periodic_tasks}
    assert {"sweep_shells", "remind_review_deadlines", "remind_annual_review",
            "expire_stale_codes", "check_approved_sites", "expire_stale_drafts"} <= names


@pytest.mark.parametrize("task, runs_at, not_at", [
    ("sweep_shells", [(6, 10), (18, 10)], [(6, 0), (12, 10)]),
    ("remind_review_deadlines", [(0, 30)], [(1, 30)]),
    ("remind_annual_review", [(1, 0)], [(0, 0)]),
    ("expire_stale_codes", [(0, 20), (13, 20)], [(13, 0)]),
    ("check_approved_sites", [(19, 0)], [(3, 0)]),
    ("expire_stale_drafts", [(19, 40)], [(19, 0)]),
])
def test_schedules_in_utc(task, runs_at, not_at):
    check = getattr(periodic, task).task_class().validate_datetime
    assert all(check(datetime(2026, 3, 2, h, m)) for h, m in runs_at)
    assert not any(check(datetime(2026, 3, 2, h, m)) for h, m in not_at)


def test_shell_sweep_twice(app, website):
    AccessLink.update(status="cancelled", ended_at=utcnow()).where(
        AccessLink.service == website.id).execute()
    RecordFlag.create(kind="shell", subject=website.subject_id, service=website.id,
                      set_at=utcnow() - timedelta(days=31))
    before, once, twice = run_twice(periodic.sweep_shells)
    assert once == twice and once[0] == before[0] + 2      # filer and ISP warned once
    assert [warned for _id, _cleared, warned in once[2]] == [MONDAY]


def test_deadline_reminders_twice(app, make_application, reviewer):
    app_ = make_application(state=State.REVIEW)
    Application.update(due_on=date(2026, 3, 2)).where(Application.id == app_.id).execute()
    before, once, twice = run_twice(periodic.remind_review_deadlines)
    assert once == twice and once[:2] == (before[0] + 1, before[1] + 1)


def test_annual_reminders_twice(app, make_application):
    make_application(state=State.APPROVED)
    InstanceSettings.update(annual_review_start=date(2026, 3, 2),
                            annual_review_end=date(2026, 3, 31)).execute()
    before, once, twice = run_twice(periodic.remind_annual_review)
    assert once == twice and once[0] == before[0] + 2      # one email and one SMS


def test_draft_expiry_twice(app, make_application):
    """A draft untouched for 90 days is abandoned, its filer told; a fresher one stays."""
    freeze(MONDAY - timedelta(days=91))
    stale = make_application(state=State.DRAFT)
    freeze(MONDAY - timedelta(days=89))
    fresh = make_application(state=State.DRAFT)
    freeze(MONDAY)
    before, once, twice = run_twice(periodic.expire_stale_drafts)
    assert once == twice and once[0] == before[0] + 1          # one email, once
    assert Application.get_by_id(stale.id).state == State.ABANDONED
    assert Application.get_by_id(fresh.id).state == State.DRAFT
    event = AuditEvent.get(AuditEvent.action == "application.expire")
    assert event.actor_id is None and "90" in event.reason


def test_code_expiry_twice(app, make_filer):
    filer = make_filer()
    old, fresh = utcnow() - timedelta(days=3), utcnow() - timedelta(hours=2)
    for used in (None, old):
        VerificationCode.create(account=filer, purpose="verify", channel="email",
                                target=filer.email, code_hash="x", created_at=old,
                                expires_at=old + timedelta(hours=24), used_at=used)
    kept = [VerificationCode.create(account=filer, purpose="verify", channel="mobile",
                                    target=filer.mobile, code_hash="x", created_at=fresh,
                                    expires_at=fresh + timedelta(hours=24), used_at=used)
            for used in (None, fresh)]
    before, once, twice = run_twice(periodic.expire_stale_codes)
    assert once == twice and (before[3], once[3]) == (4, 2)
    assert {c.id for c in VerificationCode.select()} == {c.id for c in kept}
    assert periodic.expire_stale_codes.call_local() == 0


def test_site_check_twice(app, site, website, monkeypatch):
    """Through the task the app's own setting applies: loopback is refused, so a domain
    resolving to 127.0.0.1 is a finding; the second run replaces it with the same one
    (only the run's own audit event is new)."""
    monkeypatch.setattr(socket, "getaddrinfo", resolver_to("127.0.0.1"))
    _, once, twice = run_twice(periodic.check_approved_sites)
    assert once[2:] == twice[2:] and once[0] == twice[0] and twice[1] == once[1] + 1
    assert len(once[4]) == 1 and once[4][0][:2] == (website.id, False)
    assert "回环地址" in SiteCheckFinding.get().problems[0]["message"]
    assert site.seen == []
