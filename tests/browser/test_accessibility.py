"""axe-core on the pages anyone can open, in Chinese and in English: no serious or
critical violation (labels, contrast, names of buttons and links, landmarks, lang)."""
import pytest

from tests.browser.axe_audit import axe_violations

pytestmark = pytest.mark.browser
PAGES = ["/", "/lookup?q={domain}", "/lookup?q=nobody-filed-this.example", "/login",
         "/register", "/isp/login", "/bureau/login", "/cert-check", "/sms-verification",
         "/help", "/violations"]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_anonymous_pages_pass_axe(lang, live_server, browser, website):
    _, base = live_server
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(f"{base}/?lang={lang}")
    problems = []
    for path in PAGES:
        page.goto(base + path.format(domain=website.details["domains"][0]))
        assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
        if "{domain}" in path:   # the lookup really shows a result, not only the form
            assert website.filing_number in page.inner_text("main")
        problems += axe_violations(page)
    context.close()
    assert not problems, "axe-core, serious or critical:\n  " + "\n  ".join(problems)

