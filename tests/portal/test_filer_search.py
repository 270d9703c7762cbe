"""Finding a filer: every key, guessed keys, the audited reads, indexed lookups."""
import pytest

from portal.db import db, is_sqlite
from portal.errors import NotFound
from portal.models import Account, AuditEvent, Service, Subject
from portal.services import filer_search
from portal.states import State


@pytest.fixture
def filer(website):
    return Account.get_by_id(website.subject.account_id)


def found(query, by=None, actor=None):
    return [a.id for a in filer_search.search_filers(query, by, actor)]


def keys_of(account):
    subject = Subject.get(Subject.account == account.id)
    service = Service.get(Service.subject == subject.id)
    return {"number": subject.filing_number, "service": service.filing_number,
            "username": account.username, "name": subject.name[1:5], "cert": subject.cert_number,
            "mobile": account.mobile, "email": account.email}


@pytest.mark.parametrize("key", ["number", "service", "username", "name", "cert", "mobile",
                                 "email"])
def test_each_key_finds_the_filer_named_or_guessed(filer, make_filer, reviewer, key):
    make_filer()   # someone else, never found
    value = keys_of(filer)[key]
    by = "number" if key == "service" else key
    assert found(value, by, reviewer) == [filer.id]
    if key not in ("username", "name"):
        assert filer_search.detect_key(value) == by
    assert found(value, None, reviewer) == [filer.id]


@pytest.mark.parametrize("username", ["13912345678", "publicfiler12345", "140105198001010020",
                                      "someone@mail.example"])
def test_a_username_that_looks_like_another_key_is_still_found(make_filer, reviewer, username):
    account = make_filer(username=username)
    assert found(username, None, reviewer) == [account.id]


def test_a_wrong_key_or_a_miss_finds_nothing(filer, reviewer):
    assert found(filer.username, "email", reviewer) == []
    assert found("晋ICP备2099999999号", "number", reviewer) == []
    assert found("not a number", "number", reviewer) == []
    assert found("   ", None, reviewer) == []


def test_a_filer_with_an_application_in_flight_is_found_by_certificate(make_application,
                                                                          reviewer):
    app = make_application(state=State.SUBMITTED)
    assert found(app.proposed["subject"]["cert_number"], "cert", reviewer) == [app.account_id]


def test_staff_accounts_are_never_found(reviewer, isp):
    assert found(reviewer.username, "username", reviewer) == []
    assert found(isp.operator.username, None, reviewer) == []


def test_the_search_is_audited(filer, reviewer):
    found(filer.mobile, None, reviewer)
    event = AuditEvent.get(AuditEvent.action == "account.search")
    assert event.actor_id == reviewer.id and event.after == {"by": "mobile",
                                                             "query": filer.mobile}


def test_each_view_of_a_filer_is_audited(filer, reviewer):
    for _ in range(2):
        detail = filer_search.view_filer(filer.id, reviewer)
    assert detail.row.subject.account_id == filer.id and len(detail.services) == 1
    events = AuditEvent.select().where(AuditEvent.action == "account.view",
                                       AuditEvent.object_id == str(filer.id))
    assert [e.actor_id for e in events] == [reviewer.id, reviewer.id]


def test_rows_say_how_the_account_was_created(make_filer, isp, reviewer):
    imported = make_filer(created_via="isp_import", created_by_org=isp)
    row = filer_search.filer_rows([imported])[0]
    assert row.created_by.id == isp.id and str(row.created_via_label) == "接入商导入"
    assert row.subject is None


def test_a_staff_account_is_not_a_filer(reviewer, auditor):
    with pytest.raises(NotFound):
        filer_search.view_filer(auditor.id, reviewer)
    assert not AuditEvent.select().where(AuditEvent.action == "account.view").exists()


@pytest.mark.parametrize("key", ["number", "service", "username", "cert", "mobile", "email"])
def test_exact_lookups_never_scan_the_accounts_table(filer, reviewer, key):
    if not is_sqlite():
        pytest.skip("reads SQLite's query plan")
    value = keys_of(filer)[key]
    by = "number" if key == "service" else key
    sql, params = filer_search.search_filers(value, by, reviewer).sql()
    plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    # No table scanned; and an index on the tenant alone would read every filer.
    assert not any(step.startswith("SCAN") or step.endswith("(tenant=?)") for step in plan), plan
