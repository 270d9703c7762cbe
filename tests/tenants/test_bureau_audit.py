"""The bureau's audit log pages: search by each criterion, one event, and the check
button, which gives the same answer as `flask verify-audit` before and after tampering."""
import pytest

from portal import workflow
from portal.models import AuditEvent
from portal.states import State
from tests.conftest import csrf_token


@pytest.fixture
def approved(make_application, reviewer):
    """A filing taken to approval: submit, verify, SMS, approve events."""
    return make_application(state=State.APPROVED)


def seqs_on(html: str) -> list[int]:
    import re
    return [int(s) for s in re.findall(r'href="/bureau/audit/(\d+)"', html)]


def verify(client):
    token = csrf_token(client, "/bureau/audit")
    return client.post("/bureau/audit/verify", data={"csrf_token": token})


def cli(app):
    return app.test_cli_runner().invoke(args=["verify-audit"])


@pytest.mark.parametrize("role", ["admin", "reviewer", "auditor"])
def test_every_bureau_role_reads_the_log(client, login, make_account, approved, role):
    login(make_account("bureau", role).username, tenant="bureau")
    response = client.get("/bureau/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "application.approve" in html and "校验哈希链" in html
    seq = AuditEvent.get(AuditEvent.action == "application.approve").seq
    assert client.get(f"/bureau/audit/{seq}").status_code == 200
    assert verify(client).status_code == 200


def test_newest_first_and_paginated(app, client, login, auditor, approved):
    app.config["PAGE_SIZE"] = 3
    login(auditor.username, tenant="bureau")
    first = seqs_on(client.get("/bureau/audit").get_data(as_text=True))
    second = seqs_on(client.get("/bureau/audit?page=2").get_data(as_text=True))
    newest = AuditEvent.select().order_by(AuditEvent.seq.desc()).limit(6)
    assert first + second == [e.seq for e in newest]


def test_search_by_actor(client, login, auditor, reviewer, approved):
    login(auditor.username, tenant="bureau")
    approve = AuditEvent.get(AuditEvent.action == "application.approve")
    for actor in (reviewer.username, str(reviewer.id)):
        html = client.get(f"/bureau/audit?actor={actor}").get_data(as_text=True)
        assert approve.seq in seqs_on(html)
        assert "application.submit" not in html


def test_search_by_object_and_action(client, login, auditor, approved, make_application):
    make_application(state=State.SUBMITTED)
    login(auditor.username, tenant="bureau")
    html = client.get(f"/bureau/audit?object_type=application&object_id={approved.id}"
                      ).get_data(as_text=True)
    events = AuditEvent.select().where(AuditEvent.object_type == "application",
                                       AuditEvent.object_id == str(approved.id))
    assert sorted(seqs_on(html)) == sorted(e.seq for e in events)
    exact = seqs_on(client.get("/bureau/audit?action=application.submit").get_data(as_text=True))
    assert len(exact) == 2
    prefix = seqs_on(client.get("/bureau/audit?action=sms.").get_data(as_text=True))
    assert prefix and all(AuditEvent.get(AuditEvent.seq == s).action.startswith("sms.")
                          for s in prefix)


def test_search_by_local_dates(client, login, auditor, approved):
    login(auditor.username, tenant="bureau")
    since = client.get("/bureau/audit?from=2000-01-01").get_data(as_text=True)
    assert seqs_on(since)
    assert seqs_on(client.get("/bureau/audit?to=2000-01-01").get_data(as_text=True)) == []


@pytest.mark.parametrize("query, message", [
    ("from=2026-02-30", "日期格式应为"), ("to=03/01/2026", "日期格式应为"),
    ("from=2026-03-02&to=2026-03-01", "起始日期不能晚于结束日期"),
    ("object_id=5", "请同时填写对象类型")])
def test_bad_criteria_get_a_message(client, login, auditor, query, message):
    login(auditor.username, tenant="bureau")
    response = client.get(f"/bureau/audit?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_event_page_shows_before_and_after(client, login, auditor, reviewer, approved):
    login(auditor.username, tenant="bureau")
    event = AuditEvent.get(AuditEvent.action == "application.approve")
    html = client.get(f"/bureau/audit/{event.seq}").get_data(as_text=True)
    assert event.hash in html and event.prev_hash in html
    assert "&#34;state&#34;: &#34;approved&#34;" in html          # pretty JSON, escaped
    assert "&#34;state&#34;: &#34;bureau_review&#34;" in html
    assert reviewer.username in html
    assert client.get("/bureau/audit/999999").status_code == 404


def test_return_notes_are_readable_on_the_event(client, login, auditor, reviewer,
                                                 make_application):
    app = make_application(state=State.REVIEW)
    workflow.return_application(app.id, reviewer, "资料有误",
                                [{"field": "subject.name", "note": "请填写<全称>"}])
    login(auditor.username, tenant="bureau")
    event = AuditEvent.get(AuditEvent.action == "application.return")
    html = client.get(f"/bureau/audit/{event.seq}").get_data(as_text=True)
    assert "请填写&lt;全称&gt;" in html and "<全称>" not in html


def test_verify_button_and_cli_agree_on_a_clean_chain(app, client, login, auditor, approved):
    login(auditor.username, tenant="bureau")
    html = verify(client).get_data(as_text=True)
    assert "校验通过" in html
    result = cli(app)
    assert result.exit_code == 0 and "intact" in result.output
    check = AuditEvent.select().order_by(AuditEvent.seq.desc()).get()
    assert check.action == "audit.verify" and check.actor_id == auditor.id
    assert check.after["ok"] is True


def test_verify_button_and_cli_agree_after_tampering(app, client, login, auditor, approved):
    target = AuditEvent.get(AuditEvent.action == "application.approve")
    AuditEvent.update(reason="改过").where(AuditEvent.id == target.id).execute()
    login(auditor.username, tenant="bureau")
    html = verify(client).get_data(as_text=True)
    assert "校验未通过" in html
    assert f"第 {target.seq} 条" in html and f'href="/bureau/audit/{target.seq}"' in html
    assert "event content does not match its hash" in html
    result = cli(app)
    assert result.exit_code == 1
    assert f"BROKEN at seq {target.seq}: event content does not match its hash" in result.output


def test_verify_needs_the_csrf_token(client, login, auditor, approved):
    login(auditor.username, tenant="bureau")
    count = AuditEvent.select().count()
    response = client.post("/bureau/audit/verify")
    assert response.status_code == 400
    assert AuditEvent.select().count() == count


def test_verify_is_not_a_get(client, login, auditor):
    login(auditor.username, tenant="bureau")
    assert client.get("/bureau/audit/verify").status_code == 405


def test_other_tenants_are_not_found_and_anonymous_logs_in(client, login, isp, make_filer):
    for path in ("/bureau/audit", "/bureau/audit/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/bureau/login" in response.headers["Location"]
    login(make_filer().username)
    assert client.get("/bureau/audit").status_code == 404
    assert client.get("/bureau/audit/1").status_code == 404

