"""A new website owner, in real headless Chromium: register with the codes from the
development mailbox, file a website, confirm the SMS verification, and (after the
workflow approves it) find it through the lookup page."""
import pytest

from portal import sample_data, workflow
from portal.models import Account, Application, ApplicationIsp, IspOrganisation
from portal.services.accounts import hash_password
from portal.states import State
from tests.browser.helpers import code_from_mailbox, latest_code, login, solve_captcha

pytestmark = pytest.mark.browser
PASSWORD = "a long and private passphrase"


def _staff():
    isp = IspOrganisation.create(name="晋云数据")
    operator = Account.create(username="isp-op", tenant="isp", role="operator", organisation=isp,
                              password_hash=hash_password(PASSWORD))
    Account.update(password_hash=hash_password(PASSWORD), must_change_password=False).where(
        Account.username == "admin").execute()
    reviewer = Account.create(username="reviewer", tenant="bureau", role="reviewer",
                              password_hash=hash_password(PASSWORD))
    return isp, operator, reviewer


def register(page, base, shoot):
    page.goto(base + "/register")
    page.fill("#username", "zhangsan")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#mobile", "13912345678")
    page.fill("#email", "zhangsan@mail.example")
    solve_captcha(page, base)
    shoot(page, "01-register")
    page.click("button[type=submit]")
    assert page.url.endswith("/login")         # the same answer had the name been taken
    login(page, base, "/login", "zhangsan", PASSWORD)
    assert page.url.endswith("/verify")


def read_codes(browser, base):
    admin = browser.new_page()
    login(admin, base, "/bureau/login", "admin", PASSWORD)
    codes = (code_from_mailbox(admin, base, "13912345678"),
             code_from_mailbox(admin, base, "zhangsan@mail.example"))
    admin.close()
    return codes


def file_website(page, base, isp, shoot):
    page.click("text=开始备案")
    page.click("button:has-text('开始填写')")
    subject = sample_data.subject(7)
    page.select_option("#nature", "企业")
    for field in ("name", "cert_number", "address"):
        page.fill(f"#{field}", subject[field])
    person = subject["responsible"]
    for field in ("name", "cert_number", "mobile", "email"):
        page.fill(f"#r_{field}", person[field])
    shoot(page, "03-subject")
    page.click("button:has-text('保存并继续')")
    shoot(page, "03b-services")
    page.click("a:has-text('添加网站')")
    page.fill("#name", "山西美食分享网站")
    page.fill("#domains", "meishi.example")
    page.fill("#homepage", "http://meishi.example/")
    page.fill("#ips", "58.1.2.3")
    for field in ("name", "cert_number", "mobile", "email"):
        page.fill(f"#r_{field}", person[field])
    shoot(page, "04-website")
    page.click("button:has-text('保存')")
    page.click("text=下一步")
    page.check(f"input[name='entries-0-isps'][value='{isp.id}']")
    page.click("button:has-text('保存并继续')")
    shoot(page, "05-review")
    page.click("button:has-text('提交备案')")
    assert "已提交" in page.content()
    return Application.get(Application.kind == "first_filing")


def confirm_sms(page, base, app, shoot):
    person = app.proposed["subject"]["responsible"]
    page.goto(base + "/sms-verification")
    page.fill("input[name=reference]", app.reference)
    page.click("button:has-text('查找申请')")
    page.fill("input[name=cert_number]", person["cert_number"])
    page.fill("input[name=mobile]", person["mobile"])
    page.fill("input[name=code]", latest_code(person["mobile"]))
    shoot(page, "06-sms")
    page.click("text=确认核验")


def test_register_file_verify_and_find_it(live_server, browser, shoot):
    app_, base = live_server
    isp, operator, reviewer = _staff()
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    register(page, base, shoot)
    mobile_code, email_code = read_codes(browser, base)
    page.fill("#mobile_code", mobile_code)
    page.fill("#email_code", email_code)
    shoot(page, "02-verify")
    page.click("button:has-text('验证')")
    assert page.url.endswith("/home")
    app = file_website(page, base, isp, shoot)
    assert ApplicationIsp.get(ApplicationIsp.application == app.id).isp_id == isp.id
    workflow.verify_application(app.id, operator)
    confirm_sms(page, base, workflow.load_application(app.id), shoot)
    assert workflow.load_application(app.id).state == State.REVIEW
    workflow.approve_application(app.id, reviewer)
    page.goto(base + "/")
    page.fill("#q", "meishi.example")
    page.click("form.search button")
    shoot(page, "07-lookup")
    assert "山西美食分享网站" in page.content() and "已备案" in page.content()
