"""The bureau's settings, enumerations and working-day calendar pages."""
from datetime import date, datetime

import pytest

from portal import enumerations as enums
from portal.clock import freeze
from portal.models import Application, AuditEvent, Enumeration, InstanceSettings, WorkingDayOverride
from portal.states import State
from tests.conftest import PASSWORD, form_tokens
from tests.tenants.test_filing import post

MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02, a Monday, 10:00 in Shanghai


@pytest.fixture
def admin(client, login, bureau_admin):
    login(bureau_admin.username, tenant="bureau")
    return bureau_admin


def settings_form(**overrides) -> dict:
    data = {"bureau_name": "山西省通信管理局", "address": "太原市小店区某路1号",
            "office_hours": "工作日 9:00-17:00", "phones": "0351-1234567", "fax": "",
            "cancellation_mailbox": "zhuxiao@example.cn",
            "public_site_url": "https://beian.miit.gov.cn/", "annual_review_start": "",
            "annual_review_end": "", "shell_warning_days": "30", "shell_candidate_days": "60"}
    data.update(overrides)
    return data


# -- settings -------------------------------------------------------------------------

def test_settings_page_shows_the_fixed_province_and_saves_an_edit(client, admin):
    html = client.get("/bureau/settings").get_data(as_text=True)
    assert "山西" in html and "晋" in html and 'name="province"' not in html
    response = post(client, "/bureau/settings", settings_form(
        office_hours="工作日 8:30-17:30", annual_review_start="2026-03-01",
        annual_review_end="2026-04-30"), follow_redirects=True)
    assert "设置已保存" in response.get_data(as_text=True)
    settings = InstanceSettings.get()
    assert settings.office_hours == "工作日 8:30-17:30"
    assert settings.annual_review_end == date(2026, 4, 30)
    assert AuditEvent.select().where(AuditEvent.action == "settings.update").count() == 1


@pytest.mark.parametrize("overrides,message", [
    ({"public_site_url": "beian.miit.gov.cn"}, "http://"),
    ({"public_site_url": "javascript:alert(1)"}, "http://"),
    ({"annual_review_start": "2026-05-01", "annual_review_end": "2026-04-01"}, "不能早于"),
    ({"shell_warning_days": "60", "shell_candidate_days": "30"}, "必须大于"),
    ({"shell_warning_days": "0"}, "天数应在"),
])
def test_settings_errors_are_shown_and_nothing_changes(client, admin, overrides, message):
    before = InstanceSettings.get().__data__.copy()
    html = post(client, "/bureau/settings", settings_form(office_hours="新的办公时间",
                                                          **overrides)).get_data(as_text=True)
    assert message in html and 'class="error"' in html
    assert InstanceSettings.get().__data__ == before


def test_the_province_cannot_be_changed_through_the_form(client, admin):
    post(client, "/bureau/settings", settings_form(province="北京", abbreviation="京"))
    settings = InstanceSettings.get()
    assert (settings.province, settings.abbreviation) == ("山西", "晋")


# -- enumerations ---------------------------------------------------------------------

def test_enumeration_list_and_edit_pages(client, admin):
    html = client.get("/bureau/enumerations").get_data(as_text=True)
    assert "服务内容类别" in html and "/bureau/enumerations/sms_matrix" in html
    html = client.get("/bureau/enumerations/pre_approval_categories").get_data(as_text=True)
    assert "省教育厅" in html and "第 1 版" in html and "JSON" in html
    assert client.get("/bureau/enumerations/nothing").status_code == 404


def _filer_sees(app, filer) -> str:
    """The filing wizard's service form, as a filer in a browser of their own."""
    browser = app.test_client()
    tokens = form_tokens(browser, "/login")
    browser.post("/login", data={**tokens, "username": filer.username, "password": PASSWORD})
    start = browser.post("/filing", data={"csrf_token": form_tokens(browser, "/filing")[
        "csrf_token"]})
    app_id = int(start.location.split("/")[-2])
    return browser.get(f"/filing/{app_id}/services/new?kind=website").get_data(as_text=True)


def test_a_new_service_category_reaches_the_filing_form(app, client, admin, make_filer):
    assert "元宇宙社区" not in _filer_sees(app, make_filer())
    text = "\n".join(enums.get_enumeration("service_categories") + ["元宇宙社区"])
    response = post(client, "/bureau/enumerations/service_categories",
                    {"content": text, "base_version": "1"}, follow_redirects=True)
    assert "已保存为第 2 版" in response.get_data(as_text=True)
    event = AuditEvent.select().where(AuditEvent.action == "enumeration.save").get()
    assert event.after["version"] == 2 and event.actor_id == admin.id
    assert "元宇宙社区" in _filer_sees(app, make_filer())


@pytest.mark.parametrize("name,content,message", [
    ("sms_matrix", '{"first_filing": ["subject",]}', "JSON 格式错误"),
    ("sms_matrix", '{"first_filing": ["boss"]}', "申请类型应恰好为"),
    ("pre_approval_categories", '[{"name": "新闻"}]', "authority"),
    ("service_categories", "企业官网\n企业官网", "重复"),
])
def test_a_bad_enumeration_edit_is_refused_with_its_message(client, admin, name, content,
                                                            message):
    count = Enumeration.select().count()
    html = post(client, f"/bureau/enumerations/{name}", {"content": content, "base_version": "1"}
                ).get_data(as_text=True)
    assert message in html and 'class="error"' in html
    assert Enumeration.select().count() == count
    assert content in html.replace("&#34;", '"').replace("&quot;", '"')   # kept for fixing


def test_a_stale_edit_is_refused(client, admin, bureau_admin):
    enums.save_enumeration("languages", ["中文简体", "其它"], bureau_admin)
    html = post(client, "/bureau/enumerations/languages",
                {"content": "中文简体\n英语\n其它", "base_version": "1"}).get_data(as_text=True)
    assert "已被他人修改" in html
    assert enums.get_enumeration("languages") == ["中文简体", "其它"]


def test_history_lists_versions_and_shows_one(client, login, bureau_admin, auditor):
    enums.save_enumeration("app_platforms", ["Android", "iOS", "鸿蒙", "其它"], bureau_admin)
    login(auditor.username, tenant="bureau")
    html = client.get("/bureau/enumerations/app_platforms/history").get_data(as_text=True)
    assert "第 2 版" in html and bureau_admin.username in html and "第 1 版" in html
    html = client.get("/bureau/enumerations/app_platforms/history?version=2"
                      ).get_data(as_text=True)
    assert "鸿蒙" in html
    assert client.get("/bureau/enumerations/app_platforms/history?version=7").status_code == 404


# -- calendar -------------------------------------------------------------------------

def test_calendar_page_lists_a_year(client, login, reviewer, bureau_admin):
    WorkingDayOverride.create(day=date(2026, 10, 1), is_working=False, note="国庆节")
    login(reviewer.username, tenant="bureau")
    html = client.get("/bureau/calendar?year=2026").get_data(as_text=True)
    assert "2026-10-01" in html and "国庆节" in html and "添加节假日" not in html
    assert client.get("/bureau/calendar?year=abc").status_code == 200


def test_add_and_delete_a_calendar_day(client, admin):
    response = post(client, "/bureau/calendar", {"day": "2026-10-01", "kind": "holiday",
                                                 "note": "国庆节"}, page="/bureau/calendar")
    assert response.status_code == 302 and "year=2026" in response.location
    row = WorkingDayOverride.get(WorkingDayOverride.day == date(2026, 10, 1))
    assert not row.is_working
    post(client, f"/bureau/calendar/{row.id}/delete?year=2026", page="/bureau/calendar")
    assert not WorkingDayOverride.select().exists()
    assert [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith(
        "calendar."))] == ["calendar.add", "calendar.remove"]


@pytest.mark.parametrize("day,kind,message", [
    ("2026-10-08", "workday", "只能设在周六或周日"), ("1999-10-01", "holiday", "年份应在"),
    ("", "holiday", 'class="error"'),
])
def test_a_bad_calendar_day_is_refused(client, admin, day, kind, message):
    response = post(client, "/bureau/calendar", {"day": day, "kind": kind},
                    page="/bureau/calendar")
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert not WorkingDayOverride.select().exists()


@pytest.fixture
def monday():
    freeze(MONDAY_10AM_LOCAL)
    yield
    freeze(None)


def test_the_deadline_arithmetic_over_a_holiday(client, admin, make_application, isp, monday):
    """A holiday added on the calendar page pushes the due date of a filing entering review
    (20 working days) and of a cancellation (5); a make-up working day counts."""
    for day, kind in (("2026-03-04", "holiday"), ("2026-03-16", "holiday"),
                      ("2026-03-28", "workday")):
        assert post(client, "/bureau/calendar", {"day": day, "kind": kind},
                    page="/bureau/calendar").status_code == 302
    filing = make_application(state=State.REVIEW)
    # 20 working days from Mon 03-02: without overrides 03-30; two holidays push it two
    # working days on (03-31, 04-01), the make-up Saturday 03-28 pulls it back one.
    assert filing.due_on == date(2026, 3, 31)
    approved = make_application(state=State.APPROVED)
    service = approved.subject.services.get()
    from portal import workflow
    from portal.states import Kind
    draft = workflow.create_application(Kind.CANCEL_ACCESS, account=approved.account,
                                        actor=approved.account, proposed={"isp_id": isp.id},
                                        service_id=service.id)
    cancel = workflow.submit_application(draft.id, approved.account)
    assert cancel.state == State.REVIEW
    assert cancel.due_on == date(2026, 3, 10)       # 03-03, 05, 06, 09, 10: the 4th is off
    html = client.get("/bureau/calendar?year=2026").get_data(as_text=True)
    assert "2026-03-28" in html
    assert Application.get_by_id(filing.id).due_on == date(2026, 3, 31)


# -- roles ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_readers_are_refused_every_change(client, login, make_account, role):
    login(make_account("bureau", role).username, tenant="bureau")
    row = WorkingDayOverride.create(day=date(2026, 10, 1), is_working=False)
    before = (InstanceSettings.get().__data__.copy(), Enumeration.select().count(),
              WorkingDayOverride.select().count())
    for url in ("/bureau/settings", "/bureau/enumerations/languages"):
        assert client.get(url).status_code == 403
    token = {"csrf_token": form_tokens(client, "/bureau/enumerations")["csrf_token"]}
    for url, data in (("/bureau/settings", settings_form(bureau_name="别的局")),
                      ("/bureau/enumerations/languages", {"content": "中文", "base_version": "1"}),
                      ("/bureau/calendar", {"day": "2026-10-02", "kind": "holiday"}),
                      (f"/bureau/calendar/{row.id}/delete", {})):
        assert client.post(url, data={**token, **data}).status_code == 403, url
    assert client.get("/bureau/enumerations").status_code == 200
    assert client.get("/bureau/calendar").status_code == 200
    assert (InstanceSettings.get().__data__, Enumeration.select().count(),
            WorkingDayOverride.select().count()) == before
