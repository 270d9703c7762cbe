"""The whole journey a new website owner follows, in real headless Chromium, once in
Chinese and once in English (chosen with the language link in the page header):
register with the codes from the development mailbox, file two websites and an APP with
the wizard, the ISP verifies, the responsible person confirms the SMS check, the bureau
approves, the lookup shows all three numbers, the certificate downloads and verifies on
the check page, a change adds a domain (number kept), one website is cancelled and the
lookup says it is not filed. Every step asserts visible text, saves a screenshot under
test-artifacts/journey-<lang>/ and runs axe-core (no serious or critical violation)."""
import os

import pytest

from portal import sample_data
from tests.browser.helpers import solve_captcha
from tests.browser.journey import (
    NUMBER,
    Journey,
    bureau_approves,
    flashed_reference,
    isp_verifies,
    person_confirms_sms,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SUBJECT = sample_data.subject(7)
PERSON = SUBJECT["responsible"]
SITES = [("山西美食分享网站", "meishi.example"), ("晋味旅游攻略网站", "lvyou.example")]
APP_NAME, ADDED_DOMAIN = "晋味生活助手", "meishiwang.example"


def register(j, page, mailbox):
    page.goto(j.base + "/register")
    page.fill("#username", "zhangsan")
    page.fill("#password", "a long and private passphrase")
    page.fill("#confirm", "a long and private passphrase")
    page.fill("#mobile", "13912345678")
    page.fill("#email", "zhangsan@mail.example")
    solve_captcha(page, j.base)
    j.step(page, "register", j.t("注册主办者账号"))
    j.click_button(page, "注册")
    j.step(page, "registered", j.t("注册已提交：请查收手机短信和邮件，然后用新用户名和密码登录，"
                                   "输入两个验证码完成验证"))
    j.login(page, "/login", "zhangsan", "a long and private passphrase", "filer")
    j.step(page, "verify", j.t("验证手机和邮箱"))
    mailbox.goto(j.base + "/bureau/mailbox")
    j.step(mailbox, "mailbox", j.t("邮件与短信"), "13912345678")
    for field, recipient in (("#mobile_code", "13912345678"), ("#email_code", "zhangsan@mail.example")):
        text = mailbox.locator("tr", has_text=recipient).first.inner_text()
        page.fill(field, text.split("验证码为")[1][:6])
    j.click_button(page, "验证")
    j.step(page, "home", j.t("任务列表"), j.t("还没有备案"))


def fill_person(page):
    for field in ("name", "cert_number", "mobile", "email"):
        page.fill(f"#r_{field}", PERSON[field])


def add_service(j, page, kind, name, domain):
    page.click(f"main a[href*='kind={kind}']")
    page.fill("#name", name)
    page.fill("#domains", domain)
    page.fill("#ips", "58.1.2.3" if kind == "website" else "59.1.2.3")
    if kind == "website":
        page.fill("#homepage", f"http://{domain}/")
    else:
        page.fill("#android_package", "example.jinwei.life")
        page.fill("#android_fingerprint", "0123456789abcdef0123456789abcdef")
    fill_person(page)
    j.step(page, f"{kind}-form", j.t("网站信息") if kind == "website" else j.t("APP信息"))
    j.click_button(page, "保存")


def file_first_filing(j, page, isp):
    page.get_by_role("link", name=j.t("开始备案"), exact=True).last.click()
    j.step(page, "filing-start", j.t("备案不收取任何费用。提供经营性服务须先取得ICP经营许可证。"))
    j.click_button(page, "开始填写")
    page.select_option("#nature", "企业")
    for field in ("name", "cert_number", "address"):
        page.fill(f"#{field}", SUBJECT[field])
    fill_person(page)
    j.step(page, "subject", j.t("主办者信息"))
    j.click_button(page, "保存并继续")
    for name, domain in SITES:
        add_service(j, page, "website", name, domain)
    add_service(j, page, "app", APP_NAME, "api.jinwei.test")
    j.step(page, "services", SITES[0][0], SITES[1][0], APP_NAME)
    page.get_by_role("link", name=j.t("下一步")).click()
    for index in range(3):
        page.check(f"input[name='entries-{index}-isps'][value='{isp.id}']")
    j.step(page, "access", j.t("接入信息"), isp.name)
    j.click_button(page, "保存并继续")
    j.step(page, "review", j.t("确认提交"), SUBJECT["name"], APP_NAME)
    j.click_button(page, "提交备案")
    j.step(page, "submitted", j.t("已提交，申请编号 %(ref)s", ref="BA"))


def approved_numbers(j, page):
    """The record page: the subject's number and each service's, by service name."""
    page.goto(j.base + "/home")
    j.step(page, "home-approved", j.t("已备案"), SUBJECT["name"])
    page.get_by_role("link", name=j.t("查看备案信息、证书与变更")).click()
    j.step(page, "record", j.t("主体备案号"), SITES[0][0], APP_NAME)
    numbers = {}
    for name in (SITES[0][0], SITES[1][0], APP_NAME):
        card = page.locator("section.card", has_text=name)
        numbers[name] = NUMBER.search(card.inner_text()).group(0)
    subject = NUMBER.search(page.locator("main > p").first.inner_text()).group(0)
    assert numbers[APP_NAME].endswith("A") and len(set(numbers.values())) == 3
    return subject, numbers


def lookup(j, page, query, name, *texts):
    page.get_by_role("link", name=j.t("备案查询"), exact=True).first.click()
    page.fill("#q", query)
    page.click("form.search button")
    j.step(page, f"lookup-{name}", *texts)


def certificate_verifies(j, page, number):
    card = page.locator("section.card", has_text=SITES[0][0])
    card.locator("summary").click()
    with page.expect_download() as download:
        card.get_by_role("link", name=j.t("下载电子证书 bazs.cert")).click()
    path = os.path.join(j.folder, "bazs.cert")
    download.value.save_as(path)
    assert download.value.suggested_filename == "bazs.cert"
    page.get_by_role("link", name=j.t("证书核验"), exact=True).click()
    page.set_input_files("#upload", path)
    page.fill("#domain", SITES[0][1])
    j.click_button(page, "核验")
    j.step(page, "cert-check", j.t("有效：证书由管局签发，内容未被改动"),
           j.t("证书包含该域名"), j.t("网站已备案，这是当前有效的证书"), number)


def change_adds_domain(j, page):
    page.goto(j.base + "/record")
    card = page.locator("section.card", has_text=SITES[0][0])
    j.click_button(page, "变更", within=card)
    page.get_by_role("link", name=j.t("修改"), exact=True).click()
    page.fill("#domains", f"{SITES[0][1]}\n{ADDED_DOMAIN}")
    j.step(page, "change-form", j.t("网站信息"))
    j.click_button(page, "保存")
    page.get_by_role("link", name=j.t("下一步")).click()
    j.click_button(page, "保存并继续")
    j.step(page, "change-review", j.t("确认提交"), ADDED_DOMAIN)
    j.click_button(page, "提交备案")
    j.step(page, "change-submitted", j.t("已提交，申请编号 %(ref)s", ref="BA"))


def cancel_website(j, page):
    page.goto(j.base + "/record")
    card = page.locator("section.card", has_text=SITES[1][0])
    card.get_by_role("link", name=j.t("注销"), exact=True).click()
    page.fill("#reason", "网站停止运营")
    page.check("#confirm")
    j.step(page, "cancel-form", j.t("注销网站/APP"), SITES[1][0])
    j.click_button(page, "提交注销申请")
    j.step(page, "cancel-submitted", j.t("注销申请已提交，管局将在 5 个工作日内办理"))


def approve_in_turn(j, page, mailbox, desk, isp_page=None, reference=None, shown=None):
    """ISP verification (unless the kind skips it), the SMS check, the bureau's approval."""
    if isp_page is not None:
        isp_verifies(j, isp_page, reference, shown)
    reference = person_confirms_sms(j, page, mailbox, PERSON)
    bureau_approves(j, desk, reference)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_whole_journey(lang, live_server, browser, make_isp, reviewer, bureau_admin):
    app_, base = live_server
    isp = make_isp("晋云数据")
    j = Journey(app_, base, browser, lang)
    page, mailbox, isp_page, desk = (j.open() for _ in range(4))
    j.login(mailbox, "/bureau/login", bureau_admin.username, PASSWORD, "bureau-admin")
    j.login(isp_page, "/isp/login", isp.operator.username, PASSWORD, "isp-operator")
    j.login(desk, "/bureau/login", reviewer.username, PASSWORD, "bureau-reviewer")

    j.stage = "first"
    register(j, page, mailbox)
    file_first_filing(j, page, isp)
    reference = flashed_reference(page)
    approve_in_turn(j, page, mailbox, desk, isp_page, reference, SUBJECT["name"])
    subject, numbers = approved_numbers(j, page)
    lookup(j, page, subject, "three", j.t("共 %(n)d 条已备案记录", n=3), *numbers.values())
    page.goto(base + "/record")
    certificate_verifies(j, page, numbers[SITES[0][0]])

    j.stage = "change"
    change_adds_domain(j, page)
    reference = flashed_reference(page)
    approve_in_turn(j, page, mailbox, desk, isp_page, reference, ADDED_DOMAIN)
    lookup(j, page, ADDED_DOMAIN, "added-domain", j.t("共 %(n)d 条已备案记录", n=1),
           numbers[SITES[0][0]], SITES[0][0])

    j.stage = "cancel"
    cancel_website(j, page)
    approve_in_turn(j, page, mailbox, desk)
    lookup(j, page, SITES[1][1], "cancelled", j.t("未查询到备案信息"))
    assert numbers[SITES[1][0]] not in page.inner_text("main")
    assert len(j.axe.seen) >= 25, f"axe ran on only {sorted(j.axe.seen)}"
    j.axe.assert_clean()
