"""A reviewer, in real headless Chromium, returns an application with a note on one
field; the filer fixes that field and submits again; the reviewer approves; the public
lookup shows the filing number."""
import pytest

from portal import workflow
from portal.models import Application, Service
from portal.states import State
from tests.browser.helpers import login
from tests.factories import PASSWORD, confirm_all_sms

pytestmark = pytest.mark.browser
NEW_ADDRESS = "山西省太原市小店区长治路 88 号"


def reviewer_returns(page, base, app, shoot):
    page.click("nav.subnav >> text=审核队列")
    page.click(f"text={app.reference}")
    shoot(page, "01-application")
    page.click("text=退回（标出问题字段）")
    page.fill("#reason", "证件住所与营业执照不一致")
    row = page.locator("tr", has=page.locator("input[value='subject.address']"))
    row.locator("input[type=checkbox]").check()
    row.locator("textarea").fill("请按营业执照填写住所")
    shoot(page, "02-return-form")
    page.click("button:has-text('退回')")
    assert Application.get_by_id(app.id).state == State.RETURNED


def filer_fixes(page, base, app, shoot):
    page.goto(f"{base}/applications/{app.id}")
    assert "请按营业执照填写住所" in page.content()
    shoot(page, "03-filer-sees-note")
    page.click("text=修改并提交")
    page.fill("#address", NEW_ADDRESS)
    page.click("button:has-text('保存并继续')")
    page.click("text=下一步")
    page.click("button:has-text('保存并继续')")
    shoot(page, "04-filer-review")
    page.click("button:has-text('提交备案')")
    assert Application.get_by_id(app.id).state == State.SUBMITTED


def test_return_with_a_field_note_fix_and_approve(live_server, browser, shoot, make_application,
                                                  reviewer, isp):
    _, base = live_server
    app = make_application(state=State.REVIEW)
    desk = browser.new_page(locale="zh-CN")
    desk.set_default_timeout(10000)
    login(desk, base, "/bureau/login", reviewer.username, PASSWORD)
    reviewer_returns(desk, base, app, shoot)

    filer = browser.new_page(locale="zh-CN")
    filer.set_default_timeout(10000)
    login(filer, base, "/login", app.account.username, PASSWORD)
    filer_fixes(filer, base, app, shoot)
    workflow.verify_application(app.id, isp.operator)
    confirm_all_sms(workflow.load_application(app.id))
    assert Application.get_by_id(app.id).state == State.REVIEW

    desk.goto(f"{base}/bureau/applications/{app.id}")
    assert NEW_ADDRESS in desk.content()
    shoot(desk, "05-resubmitted")
    desk.click("button:has-text('审核通过')")
    assert Application.get_by_id(app.id).state == State.APPROVED
    service = Service.get(Service.subject == Application.get_by_id(app.id).subject_id)
    filer.goto(base + "/")
    filer.fill("#q", app.proposed["services"][0]["domains"][0])
    filer.click("form.search button")
    shoot(filer, "06-lookup")
    assert service.filing_number in filer.content()
