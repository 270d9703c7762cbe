"""The bureau's review pages: dashboard, queue, application page, attachments, approve and
return with field notes, role refusals and the double-decision race."""
import io
from datetime import datetime

import pytest

from portal import sample_data, workflow
from portal.clock import freeze
from portal.models import (Application, AuditEvent, Certificate, InstanceSettings, OutboxMessage,
                           Service, Subject)
from portal.services import uploads
from portal.states import Kind, State
from tests.conftest import form_tokens
from tests.factories import PASSWORD, file_application, next_n, push_through
from tests.tenants.test_filing import post

MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02 is a Monday (UTC+8)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


def login_client(app, username, tenant="bureau"):
    """A second browser: a fresh test client logged in as `username`."""
    other = app.test_client()
    prefix = {"public": "", "isp": "/isp", "bureau": "/bureau"}[tenant]
    data = form_tokens(other, f"{prefix}/login")
    data.update(username=username, password=PASSWORD)
    assert other.post(f"{prefix}/login", data=data).status_code == 302
    return other


def snapshot(app):
    """The application row and the counts a refused decision must leave alone."""
    return (Application.select().where(Application.id == app.id).dicts().get(),
            AuditEvent.select().count(), OutboxMessage.select().count())


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# -- dashboard and queue --------------------------------------------------------

def test_dashboard_counts_link_to_the_filtered_queue(client, login, reviewer, make_application):
    make_application(state=State.REVIEW)
    make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, "/bureau/")
    assert 'href="/bureau/queue?due=overdue"' in html
    assert 'href="/bureau/queue?due=soon"' in html and 'href="/bureau/queue?conflict=yes"' in html
    assert '<strong class="code">2</strong><br>待管局审核' in html


def test_queue_lists_filters_and_sorts(client, login, reviewer, make_application, make_isp,
                                       make_filer):
    first = make_application(state=State.REVIEW)
    other_isp = make_isp()
    filer = make_filer()
    second = file_application(Kind.FIRST_FILING, filer, other_isp, reviewer,
                              sample_data.first_filing(next_n(), [other_isp.id]), approve=False)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, "/bureau/queue")
    assert first.reference in html and second.reference in html
    html = html_of(client, f"/bureau/queue?isp={other_isp.id}")
    assert second.reference in html and first.reference not in html
    html = html_of(client, "/bureau/queue?conflict=yes")
    assert "没有符合条件的申请" in html
    html = html_of(client, "/bureau/queue?sort=submitted&kind=first_filing")
    assert html.index(first.reference) < html.index(second.reference)


def test_queue_shows_working_days_left_and_overdue(client, login, reviewer, make_application,
                                                  clock):
    clock(MONDAY_10AM_LOCAL)
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, "/bureau/queue")
    assert "剩 20 个工作日" in html and str(app.due_on) in html
    clock(datetime(2026, 4, 2, 2, 0))       # well past the 20 working days
    login(reviewer.username, tenant="bureau")   # weeks idle: that session has ended
    html = html_of(client, "/bureau/queue?due=overdue")
    assert app.reference in html and "已超期" in html and 'class="flagged"' in html
    assert app.reference not in html_of(client, "/bureau/queue?due=soon")


def next_link(html: str, rel: str) -> str | None:
    """The href of the pager's link with `rel` (next / prev), unescaped."""
    marker = f'" rel="{rel}"'
    if marker not in html:
        return None
    before = html[:html.index(marker)]
    return before[before.rindex('href="') + len('href="'):].replace("&amp;", "&")


def test_queue_pages_by_next_and_previous_links_keeping_the_filters(
        app, client, login, reviewer, make_application):
    apps = [make_application(state=State.REVIEW) for _ in range(5)]
    app.config["PAGE_SIZE"] = 2
    login(reviewer.username, tenant="bureau")
    url, seen, pages = "/bureau/queue?sort=submitted&kind=first_filing", [], []
    while url:
        html = html_of(client, url)
        assert "共 5 个申请" in html
        pages.append(url)
        seen += [a.reference for a in apps if a.reference in html]
        url = next_link(html, "next")
        assert url is None or ("sort=submitted" in url and "kind=first_filing" in url)
    assert seen == [a.reference for a in apps] and len(pages) == 3
    last = html_of(client, pages[-1])
    assert "首页" in last and 'href="/bureau/queue?kind=first_filing&amp;sort=submitted"' in last
    back = html_of(client, next_link(last, "prev"))
    assert apps[2].reference in back and apps[3].reference in back
    assert apps[4].reference not in back and apps[1].reference not in back
    first = html_of(client, "/bureau/queue?sort=submitted&after=not-a-token")
    assert apps[0].reference in first and next_link(first, "prev") is None


def test_a_busy_isps_queue_is_shown_without_a_count(client, login, reviewer, make_isp,
                                                   make_filer, monkeypatch):
    isp = make_isp()
    app = file_application(Kind.FIRST_FILING, make_filer(), isp, reviewer,
                           sample_data.first_filing(next_n(), [isp.id]), approve=False)
    monkeypatch.setattr("portal.services.review_queue.NAMED_LIST_LIMIT", 1)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/queue?isp={isp.id}")
    assert app.reference in html and "个申请。" not in html


# -- the application page ------------------------------------------------------

def test_first_filing_page_shows_every_field_sms_and_history(client, login, auditor,
                                                            make_application):
    app = make_application(state=State.REVIEW)
    login(auditor.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{app.id}")
    subject, site = app.proposed["subject"], app.proposed["services"][0]
    assert subject["name"] in html and subject["cert_number"] in html
    assert site["domains"][0] in html and subject["responsible"]["mobile"] in html
    assert "短信核验记录" in html and "****" in html          # masked mobiles
    assert "提交" in html and "接入服务商核实通过" in html       # the history
    assert "审核通过（分配备案号" not in html                  # an auditor gets no buttons


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED])
def test_the_bureau_sees_applications_in_any_state(client, login, reviewer, make_application,
                                                  state):
    app = make_application(state=state)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{app.id}")
    assert app.reference in html and "审核通过（分配备案号" not in html
    if state == State.APPROVED:
        assert Subject.get(Subject.account == app.account_id).filing_number in html


def test_a_partial_draft_still_renders(client, login, reviewer, make_filer):
    filer = make_filer()
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed={"subject": None, "services": [{"name": "半成品"}]})
    login(reviewer.username, tenant="bureau")
    assert "半成品" in html_of(client, f"/bureau/applications/{app.id}")


def test_change_page_shows_the_differences_from_the_record(client, login, reviewer, isp,
                                                            make_application):
    approved = make_application(state=State.APPROVED)
    filer = approved.account
    service = Service.get(Service.subject == approved.subject_id)
    from portal.services.changes import current_service_data
    data = current_service_data(service)
    data["name"] = data["name"] + "新版"
    change = file_application(Kind.CHANGE_SERVICE, filer, isp, reviewer, {"services": [data]},
                              service_id=service.id, approve=False)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{change.id}")
    section = html.split("与已备案信息的差异")[1].split("</section>")[0]
    assert service.name in section and data["name"] in section


def test_returned_then_resubmitted_shows_what_changed(client, login, reviewer, isp,
                                                     make_application):
    app = make_application(state=State.REVIEW)
    workflow.return_application(app.id, reviewer, "名称不符",
                                [{"field": "services.0.name", "note": "请与网站内容一致"}])
    proposed = dict(app.proposed)
    proposed["services"] = [dict(proposed["services"][0], name="读书笔记分享网站新名")]
    workflow.update_draft(app.id, app.account, proposed)
    push_through(app.id, app.account, isp, reviewer, approve=False)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{app.id}")
    panel = html.split("上次退回以来的修改")[1].split("</section>")[0]
    assert "请与网站内容一致" in panel and "已修改" in panel
    assert app.proposed["services"][0]["name"] in panel and "读书笔记分享网站新名" in panel


def test_conflict_panel_names_the_other_account_and_contact(client, login, reviewer, isp,
                                                           make_application, make_filer):
    holder = make_application(state=State.APPROVED)
    other = holder.account
    domain_owner_site = holder.proposed["services"][0]
    filer = make_filer()
    proposal = sample_data.first_filing(next_n(), [isp.id], services=[dict(domain_owner_site)])
    app = file_application(Kind.FIRST_FILING, filer, isp, reviewer, proposal, approve=False)
    assert app.in_conflict
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{app.id}")
    panel = html.split("信息冲突</h2>")[1].split("</section>")[0]
    assert other.username in panel and other.mobile in panel and other.email in panel
    assert domain_owner_site["domains"][0] in panel
    assert Subject.get(Subject.account == other.id).filing_number in panel
    assert app.reference in html_of(client, "/bureau/queue?conflict=yes")


def test_attachments_are_served_inline_and_only_the_applications(client, login, reviewer,
                                                                  make_filer, isp):
    scan = uploads.store_upload(io.BytesIO(PNG), "scan.png", "materials")
    filer = make_filer()
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed=sample_data.first_filing(next_n(), [isp.id]),
                                      materials=[scan])
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{app.id}")
    assert "scan.png" in html
    with client.get(f"/bureau/applications/{app.id}/attachments/0") as response:
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.get_data() == PNG
        assert response.headers["Content-Disposition"].startswith("inline")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/bureau/applications/{app.id}/attachments/1").status_code == 404
    assert client.get("/bureau/applications/999999").status_code == 404


# -- decisions -------------------------------------------------------------------

def test_approve_allocates_numbers_issues_certificate_and_emails_it(client, login, reviewer,
                                                                    make_application):
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    response = post(client, f"/bureau/applications/{app.id}/approve", {"version": app.version},
                    page=f"/bureau/applications/{app.id}", follow_redirects=True)
    decided = Application.get_by_id(app.id)
    assert decided.state == State.APPROVED
    subject = Subject.get(Subject.account == app.account_id)
    service = subject.services.get()
    assert subject.filing_number in response.get_data(as_text=True)
    certificate = Certificate.get(Certificate.service == service, Certificate.voided_at.is_null())
    mail = (OutboxMessage.select().where(OutboxMessage.channel == "email",
                                         OutboxMessage.recipient == app.account.email)
            .order_by(OutboxMessage.id.desc()).first())
    assert mail.payload["action"] == "approve"
    assert mail.payload["attachments"] == [{
        "filename": "bazs.cert", "content_type": "application/json",
        "content": certificate.document, "serial": certificate.serial,
        "filing_number": service.filing_number}]
    assert service.filing_number in mail.body and subject.filing_number in mail.body
    assert f"http://{service.details['domains'][0]}/cert/bazs.cert" in mail.body
    assert InstanceSettings.get().public_site_url in mail.body


def test_the_development_mailbox_names_the_certificate_attached(client, login, bureau_admin,
                                                                 reviewer, make_application):
    app = make_application(state=State.REVIEW)
    workflow.approve_application(app.id, reviewer)
    login(bureau_admin.username, tenant="bureau")
    html = client.get("/bureau/mailbox").get_data(as_text=True)
    assert "bazs.cert" in html


def test_return_with_field_notes_reaches_the_filer(client, app, login, reviewer,
                                                   make_application):
    application = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    url = f"/bureau/applications/{application.id}/return"
    form = html_of(client, url)
    assert "services.0.domains" in form
    assert application.proposed["services"][0]["domains"][0] in form
    index = _note_index(form, "services.0.domains")
    response = post(client, url, {"version": application.version, "reason": "域名与主体不符",
                                  f"notes-{index}-field": "services.0.domains",
                                  f"notes-{index}-selected": "y",
                                  f"notes-{index}-note": "请提供域名证书"})
    assert response.status_code == 302
    returned = Application.get_by_id(application.id)
    assert returned.state == State.RETURNED and returned.return_reason == "域名与主体不符"
    assert returned.return_notes == [{"field": "services.0.domains", "note": "请提供域名证书"}]
    filer_page = html_of(login_client(app, application.account.username, "public"),
                         f"/applications/{application.id}")
    # the filer reads the field's label, not its path, and the field is marked
    assert "请提供域名证书" in filer_page and "services.0.domains" not in filer_page
    assert f"{application.proposed['services'][0]['name']} · 域名" in filer_page
    assert 'class="flagged"' in filer_page


def _note_index(html: str, path: str) -> int:
    """The FieldList index of the hidden input naming `path` on the return form."""
    marker = f'value="{path}"'
    before = html[:html.index(marker)]
    name = before[before.rindex('name="notes-') + len('name="notes-'):]
    return int(name.split("-")[0])


def test_return_form_takes_a_prefilled_reason(client, login, reviewer, make_application):
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    html = html_of(client, f"/bureau/applications/{app.id}/return?reason=与他人备案冲突")
    assert "与他人备案冲突</textarea>" in html


def test_return_without_notes_is_refused_and_changes_nothing(client, login, reviewer,
                                                            make_application):
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    before = snapshot(app)
    url = f"/bureau/applications/{app.id}/return"
    response = post(client, url, {"version": app.version, "reason": "资料不全"})
    assert response.status_code == 200
    assert "请至少标出一个有问题的字段" in response.get_data(as_text=True)
    ticked = post(client, url, {"version": app.version, "reason": "资料不全",
                                "notes-0-field": "subject.nature", "notes-0-selected": "y"})
    assert "请说明该字段如何修改" in ticked.get_data(as_text=True)
    no_reason = post(client, url, {"version": app.version, "notes-0-field": "subject.nature",
                                   "notes-0-note": "请核对"})
    assert no_reason.status_code == 200
    assert snapshot(app) == before


def test_auditor_can_read_but_not_decide(client, login, auditor, make_application):
    app = make_application(state=State.REVIEW)
    login(auditor.username, tenant="bureau")
    before = snapshot(app)
    for url in ("/bureau/", "/bureau/queue", f"/bureau/applications/{app.id}"):
        assert client.get(url).status_code == 200
    page = f"/bureau/applications/{app.id}"
    assert post(client, f"{page}/approve", {"version": app.version}, page=page).status_code == 403
    assert post(client, f"{page}/return", {"version": app.version, "reason": "x",
                                           "notes-0-field": "subject.name", "notes-0-note": "y"},
                page=page).status_code == 403
    assert client.get(f"{page}/return").status_code == 403
    assert snapshot(app) == before


def test_other_tenants_never_reach_the_review_pages(client, login, make_application, isp):
    app = make_application(state=State.REVIEW)
    urls = ("/bureau/", "/bureau/queue", f"/bureau/applications/{app.id}",
            f"/bureau/applications/{app.id}/return")
    for url in urls:
        assert client.get(url).status_code == 302          # anonymous: the login page
    login(isp.operator.username, tenant="isp")
    for url in urls:
        assert client.get(url).status_code == 404


def test_the_second_reviewer_is_told_it_was_already_decided(client, app, login, reviewer,
                                                            make_account, make_application):
    application = make_application(state=State.REVIEW)
    second = login_client(app, make_account("bureau", "reviewer").username)
    page = f"/bureau/applications/{application.id}"
    second_tokens = form_tokens(second, f"{page}/return")     # loaded at the same version
    assert 'name="version" type="hidden" value="%d"' % application.version in html_of(second, page)
    login(reviewer.username, tenant="bureau")
    post(client, f"{page}/approve", {"version": application.version}, page=page)
    approved = snapshot(application)
    assert approved[0]["state"] == State.APPROVED
    response = second.post(f"{page}/return", data={
        **second_tokens, "version": application.version, "reason": "资料不全",
        "notes-0-field": "subject.name", "notes-0-note": "请填写全称"}, follow_redirects=True)
    assert "已被他人处理或已更新" in response.get_data(as_text=True)
    response = second.post(f"{page}/approve", data={
        **second_tokens, "version": application.version}, follow_redirects=True)
    assert "已被他人处理或已更新" in response.get_data(as_text=True)
    assert snapshot(application) == approved
