"""The demo data covers every kind × reachable state and the special cases."""
from datetime import date

import pytest

from portal.demo import UNREACHABLE, load_demo
from portal.models import (Account, Announcement, Application, InstanceSettings, IspOrganisation,
                           RecordFlag, Service, WrittenApplication)
from portal.states import Kind, State

pytestmark = pytest.mark.slow


def test_demo_covers_every_kind_and_state(app):
    lines = load_demo()
    assert any("reviewer1" in line for line in lines)
    present = set(Application.select(Application.kind, Application.state).tuples())
    for kind in Kind:
        for state in State:
            if (kind, state) not in UNREACHABLE:
                assert (kind.value, state.value) in present, (kind, state)
    assert Account.select().where(Account.tenant == "public").count() >= 50
    assert IspOrganisation.select().count() == 3
    assert Account.select().where(Account.tenant == "bureau", Account.role == "reviewer").count() == 2
    in_conflict = Application.select().where(Application.in_conflict == True)  # noqa: E712
    assert in_conflict.count() >= 2
    assert Application.select().where(Application.kind == Kind.CANCEL_SUBJECT,
                                      Application.state == State.REVIEW).exists()
    assert Application.select().where(Application.state == State.REVIEW,
                                      Application.due_on < date.today()).exists()
    assert RecordFlag.select().where(RecordFlag.kind == "shell",
                                     RecordFlag.cleared_at.is_null()).exists()
    # the bureau's own pages have something to show
    assert Announcement.select().where(Announcement.published == True).count() == 2  # noqa: E712
    assert WrittenApplication.select().where(WrittenApplication.state == "recorded").exists()
    assert Service.select().where(Service.restricted == True).exists()  # noqa: E712
    assert Service.select().where(Service.violation == True).exists()  # noqa: E712
    assert InstanceSettings.get().annual_review_end is not None
    assert load_demo() == lines  # a second run adds nothing
