"""The whole journey's bookkeeping: the chosen language, each step's screenshot under
test-artifacts/journey-<lang>/, the visible text each step must show, and axe-core on
every distinct page. Texts are the Chinese source strings, translated with the portal's
own catalogue, so the same journey runs in zh_CN and en."""
import os
import re
import shutil

from flask_babel import gettext
from playwright.sync_api import expect

from tests.browser.axe_audit import AxeAudit
from tests.browser.helpers import solve_captcha

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")
NUMBER = re.compile(r"晋ICP备\d{10}号(?:-\d+[AXK]?)?")


class Journey:
    def __init__(self, app, base, browser, lang):
        self.app, self.base, self.browser, self.lang = app, base, browser, lang
        self.folder = os.path.join(ARTIFACTS, f"journey-{lang}")
        shutil.rmtree(self.folder, ignore_errors=True)   # no screenshot left from a last run
        os.makedirs(self.folder)
        self.count, self.stage, self.axe = 0, "", AxeAudit()

    def t(self, message: str, **variables) -> str:
        """What the page shows for `message` in this journey's language."""
        with self.app.test_request_context(f"/?lang={self.lang}"):
            return gettext(message, **variables)

    def open(self, path="/"):
        """A new person at their own browser (its own cookies), in the chosen language:
        the language link in the page header switches it, as a visitor would."""
        context = self.browser.new_context(locale="zh-CN", bypass_csp=True,
                                           viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10000)
        page.goto(self.base + path)
        if self.lang == "en":
            page.click("header.top nav a[href='?lang=en']")
            expect(page.locator("html")).to_have_attribute("lang", "en")
        return page

    def step(self, page, name: str, *texts: str) -> None:
        """Check the texts are visible, save the screenshot, audit the page."""
        for text in texts:
            expect(page.locator("body")).to_contain_text(text)
        self.count += 1
        page.screenshot(path=os.path.join(self.folder, f"{self.count:02d}-{name}.png"),
                        full_page=True)
        self.axe.audit(page)

    def login(self, page, path, username, password, who):
        page.goto(self.base + path)
        page.fill("#username", username)
        page.fill("#password", password)
        solve_captcha(page, self.base)
        self.axe.audit(page)
        page.click("main button[type=submit]")
        self.step(page, f"{who}-signed-in", username)

    def click_button(self, page, message: str, within=None):
        (within or page).get_by_role("button", name=self.t(message), exact=True).click()


def code_and_reference(mailbox, base, mobile):
    """The SMS check code and the application reference, from the latest SMS to `mobile`
    on the bureau's development mailbox (what the responsible person's phone shows)."""
    mailbox.goto(base + "/bureau/mailbox")
    text = mailbox.locator("tr", has_text=mobile).filter(has_text="核验码为").first.inner_text()
    found = re.search(r"核验码为(\d{6})，用于备案申请(\w+)", text)
    return found.group(1), found.group(2)


def isp_verifies(j, isp_page, reference, shown):
    isp_page.goto(j.base + "/isp/queue")
    j.step(isp_page, f"{j.stage}-isp-queue", j.t("待核实"), reference)
    isp_page.get_by_role("link", name=reference).click()
    j.step(isp_page, f"{j.stage}-isp-application", reference, shown)
    j.click_button(isp_page, "核实通过，转交下一步")
    j.step(isp_page, f"{j.stage}-isp-verified", j.t("已核实通过并提交"))


def person_confirms_sms(j, page, mailbox, person):
    """The responsible person reads the SMS and confirms on the public page."""
    code, reference = code_and_reference(mailbox, j.base, person["mobile"])
    page.get_by_role("link", name=j.t("短信核验"), exact=True).click()
    page.fill("#reference", reference)
    j.click_button(page, "查找申请")
    page.fill("#cert_number", person["cert_number"])
    page.fill("#mobile", person["mobile"])
    page.fill("#code", code)
    j.step(page, f"{j.stage}-sms-code", j.t("申请信息"), reference, j.t("待核验"))
    j.click_button(page, "确认核验")
    j.step(page, f"{j.stage}-sms-confirmed", j.t("核验成功。所有核验人均已完成核验，申请已提交管局审核，结果会通知提交者。"))
    return reference


def bureau_approves(j, desk, reference):
    desk.goto(j.base + "/bureau/queue")
    j.step(desk, f"{j.stage}-bureau-queue", j.t("审核队列"), reference)
    desk.get_by_role("link", name=reference).click()
    j.step(desk, f"{j.stage}-bureau-application", reference, j.t("审核决定"))
    j.click_button(desk, "审核通过（分配备案号、签发证书）")
    approved = j.t("已审核通过，备案号：%(number)s", number="").strip()
    j.step(desk, f"{j.stage}-bureau-approved", approved)


def flashed_reference(page) -> str:
    """The application reference in the confirmation the filer sees after submitting."""
    return re.search(r"\bBA\w+", page.locator(".flash").first.inner_text()).group(0)
