"""The bulk import path (portal.services.import_writer): the same end state as filing
each customer through the workflow one by one, all or nothing, conflicts, and logging in
with the initial password of the result file."""
import json

import pytest

from portal import workflow
from portal.audit import record_event, record_events, verify_chain
from portal.db import transaction
from portal.models import (Account, Application, ApplicationIsp, AuditEvent, AuditHead,
                           LookupKey, OutboxMessage, SmsVerification, Webhook)
from portal.services import import_writer, imports
from portal.services.accounts import make_initial_password
from portal.services.import_format import build_proposal, group_filings, parse_file
from portal.states import Kind, State
from portal.validators import validate_email, validate_mobile
from tests.conftest import form_tokens
from tests.portal.test_imports import BASE, import_row, second_row_of, to_csv

TABLES = (Account, Application, LookupKey, ApplicationIsp, AuditEvent, OutboxMessage,
          SmsVerification)
# Columns that differ between two runs whatever the path: random or clock values, and
# the delivery's outcome (tests deliver at once, after commit).
VOLATILE = {"password_hash", "created_at", "updated_at", "submitted_at", "at", "hash",
            "prev_hash", "message_id", "status", "attempts", "sent_at", "adapter",
            "last_error"}


class _Rollback(Exception):
    pass


def file_rows(make_application) -> list[dict]:
    """A small file with what the paths must agree on: a customer with two websites (the
    second with its own person), a subject name already in flight (a conflict with the
    database), two customers of the same subject name (a conflict inside the file), an
    upper-case domain and e-mail (left to clean_proposal by the fast check)."""
    held = make_application(state=State.SUBMITTED, n=BASE + 90)
    first = import_row(BASE)
    second = second_row_of(first)
    return [first, second,
            import_row(BASE + 1, subject_name=held.proposed["subject"]["name"]),
            import_row(BASE + 2, subject_name="山西同名科技有限公司"),
            import_row(BASE + 3, subject_name="山西同名科技有限公司",
                       website_domains=f"Site{BASE + 3}.EXAMPLE",
                       website_homepage=f"HTTP://site{BASE + 3}.example/index.html?x=1",
                       email=f"Cust{BASE + 3}@Mail.Example")]


def per_filing(isp, actor, data: bytes) -> None:
    """The path the bulk import replaces: each filing through the workflow."""
    rows, _ = parse_file(data, "csv")
    filings = group_filings(rows)
    for filing in filings:
        first = filing.first
        _, hashed = make_initial_password()
        account = Account.create(username=first.get("username"), tenant="public",
                                 role="filer", created_via="isp_import", created_by_org=isp.id,
                                 password_hash=hashed, must_change_password=True,
                                 mobile=validate_mobile(first.get("mobile")),
                                 email=validate_email(first.get("email")))
        record_event("account.create", account, actor=actor,
                     after={"tenant": "public", "role": "filer", "created_via": "isp_import"})
        app = workflow.create_application(Kind.FIRST_FILING, account=account, actor=actor,
                                          channel="isp", isp=isp.id,
                                          proposed=build_proposal(filing, isp.id))
        workflow.submit_application(app.id, actor)
    record_event("import.run", None, actor=actor, object_type="import",
                 after={"isp": isp.id, "rows": len(rows), "created": len(filings)})


def top_ids() -> dict:
    return {m: m.select(m.id).order_by(m.id.desc()).scalar() or 0 for m in TABLES}


def state_after(tops: dict) -> dict:
    """Every row written since `tops`: new rows' ids as their rank ("n0", "n1" …, so
    sequences that moved on do not matter), references and message ids as their rank,
    volatile columns left out."""
    new = {m: list(m.select().where(m.id > tops[m]).order_by(m.id).dicts()) for m in TABLES}
    ranks = {m: {row["id"]: f"n{i}" for i, row in enumerate(rows)} for m, rows in new.items()}
    account, app = ranks[Account].get, ranks[Application].get
    for m, rows in new.items():
        for row in rows:
            row["id"] = ranks[m][row["id"]]
            for column, rank in (("account", account), ("application", app)):
                if column in row:
                    row[column] = rank(row[column], row[column])
            for conflict in row.get("conflicts") or []:
                conflict["application"] = app(conflict["application"], conflict["application"])
                conflict["other_account"] = account(conflict["other_account"],
                                                    conflict["other_account"])
            if m is AuditEvent:
                rank = {"account": account, "application": app}.get(row["object_type"])
                row["object_id"] = rank(int(row["object_id"])) if rank else row["object_id"]
                del row["seq"]
            if m is OutboxMessage and row["channel"] == "webhook":
                row["body"] = {**json.loads(row["body"]), "created_at": None}
                row["payload"]["event"]["created_at"] = None
    text = json.dumps({m.__name__: [{k: v for k, v in row.items() if k not in VOLATILE}
                                    for row in rows] for m, rows in new.items()},
                      ensure_ascii=False, sort_keys=True, default=str)
    for i, row in enumerate(new[Application]):
        text = text.replace(row["reference"], f"REF{i}")
    for i, row in enumerate(new[OutboxMessage]):
        text = text.replace(row["message_id"], f"MSG{i}")
    return json.loads(text)


def test_the_bulk_path_ends_as_filing_each_customer_through_the_workflow(
        app, isp, make_application, receiver):
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    Webhook.create(organisation=isp.id, url=receiver.url("/hook"), secret="whsec_x",
                   created_by=isp.admin)
    data = to_csv(file_rows(make_application))
    tops = top_ids()
    with pytest.raises(_Rollback), transaction():
        per_filing(isp, isp.operator, data)
        expected = state_after(tops)
        raise _Rollback()
    with app.app_context():   # the webhook deliveries run inline, to the local receiver
        report = imports.run_import(isp.id, isp.operator, data, "csv", dry_run=False)
    assert report.ok and report.created == 4
    assert state_after(tops) == expected
    assert verify_chain().ok
    assert all(m.status == "sent" for m in OutboxMessage.select().where(
        OutboxMessage.id > tops[OutboxMessage]))             # delivered after commit
    assert len(receiver.posts) == 4


def test_conflicts_against_the_database_and_inside_the_file(app, isp, make_application):
    rows = file_rows(make_application)
    report = imports.run_import(isp.id, isp.operator, to_csv(rows), "csv", dry_run=False)
    by_user = {line["username"]: line["reference"] for line in report.accounts}
    apps = {u: Application.get(Application.reference == r) for u, r in by_user.items()}
    assert not apps[f"cust{BASE}"].in_conflict and not apps[f"cust{BASE + 2}"].in_conflict
    held = apps[f"cust{BASE + 1}"]
    assert held.in_conflict and [c["key"] for c in held.conflicts] == ["subject_name"]
    assert held.conflicts[0]["application"] not in {a.id for a in apps.values()}
    later = apps[f"cust{BASE + 3}"]
    assert later.in_conflict and [(c["key"], c["application"]) for c in later.conflicts] == [
        ("subject_name", apps[f"cust{BASE + 2}"].id)]
    assert later.proposed["services"][0]["domains"] == [f"site{BASE + 3}.example"]
    assert OutboxMessage.select().where(OutboxMessage.subject.contains("存在信息冲突")).count() == 2


def counts() -> dict:
    found = {m.__name__: m.select().count() for m in TABLES}
    found["head"] = AuditHead.get_or_none(AuditHead.id == 1).seq
    return found


def test_a_username_taken_at_the_last_row_leaves_nothing(app, isp, monkeypatch, make_account):
    rows = [import_row(BASE + i) for i in range(50)]
    real = imports.validate_rows

    def validate_then_race(*args, **kwargs):
        result = real(*args, **kwargs)
        make_account(username=rows[-1]["username"])     # someone takes it meanwhile
        return result

    monkeypatch.setattr(imports, "validate_rows", validate_then_race)
    before = counts()
    report = imports.run_import(isp.id, isp.operator, to_csv(rows), "csv", dry_run=False)
    assert [(e["row"], e["field"]) for e in report.errors] == [(50, "username")]
    assert report.created == 0 and report.accounts == []
    before["Account"] += 1
    assert counts() == before and verify_chain().ok


def test_a_failure_after_the_first_inserts_leaves_nothing(app, isp, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_writer, "_queue_messages", fail)
    before = counts()
    with pytest.raises(RuntimeError):
        imports.run_import(isp.id, isp.operator,
                           to_csv([import_row(BASE + i) for i in range(5)]), "csv", False)
    assert counts() == before


def test_an_imported_customer_logs_in_with_the_result_file_and_must_change_it(
        app, client, login, isp):
    report = imports.run_import(isp.id, isp.operator, to_csv([import_row(BASE)]), "csv",
                                dry_run=False)
    line = report.accounts[0]
    assert len(line["initial_password"]) >= 20                # 128 random bits
    account = Account.get(Account.username == line["username"])
    assert account.must_change_password and account.password_hash.startswith("initial$")
    assert login(line["username"], "wrong password").status_code == 200
    assert login(line["username"], line["initial_password"]).status_code == 302
    assert client.get("/home").location.endswith("/password")
    data = form_tokens(client, "/password")
    data.update(current=line["initial_password"], new="a much longer passphrase",
                confirm="a much longer passphrase")
    assert client.post("/password", data=data).status_code == 302
    account = Account.get_by_id(account.id)
    assert not account.must_change_password and not account.password_hash.startswith("initial$")
    assert client.get("/home").location.endswith("/verify")   # identity next, as any filer


def test_record_events_chain_like_record_event(app, isp):
    with transaction():
        record_event("test.one", None, actor=isp.operator, after={"a": 1})
        record_events([{"action": "test.two", "object_type": "thing", "object_id": 7,
                        "before": {"pair": (1, 2)}, "after": {2: "b", 10: "c"}},
                       {"action": "test.three", "reason": "因为",
                        "after": {"nested": {"z": 1, "a": [1, {"b": None}]}, "x": 0.5}}],
                      actor=isp.operator)
        record_event("test.four", None)
    assert verify_chain().ok
    events = list(AuditEvent.select().order_by(AuditEvent.seq.desc()).limit(4))[::-1]
    assert [e.action for e in events] == ["test.one", "test.two", "test.three", "test.four"]
    assert (events[1].object_id, events[1].after, events[1].actor_id) == (
        "7", {"2": "b", "10": "c"}, isp.operator.id)
    assert AuditHead.get_by_id(1).seq == events[-1].seq
