"""An ISP operator, in real headless Chromium, opens the verification queue, looks at a
customer's submission and forwards it."""
import pytest

from portal.models import Account, Application, ApplicationIsp
from portal.services.accounts import hash_password
from portal.states import State
from tests.browser.helpers import login

pytestmark = pytest.mark.browser
PASSWORD = "a long and private passphrase"


def test_operator_verifies_and_forwards(live_server, browser, shoot, make_application):
    app_, base = live_server
    app = make_application(state=State.SUBMITTED)
    isp_id = ApplicationIsp.get(ApplicationIsp.application == app.id).isp_id
    operator = Account.get(Account.organisation == isp_id, Account.role == "operator")
    Account.update(password_hash=hash_password(PASSWORD)).where(
        Account.id == operator.id).execute()
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    login(page, base, "/isp/login", operator.username, PASSWORD)
    page.click("nav >> text=待核实")
    shoot(page, "01-queue")
    page.click(f"text={app.reference}")
    assert app.proposed["subject"]["name"] in page.content()
    shoot(page, "02-application")
    page.click("button:has-text('核实通过')")
    shoot(page, "03-forwarded")
    assert "已核实通过" in page.content()
    assert Application.get_by_id(app.id).state == State.SMS
