"""Steps a person takes in the browser, shared by the browser tests."""
import re

from portal.models import OutboxMessage


def solve_captcha(page, base):
    """Read the captcha answer from the TESTING-only route (a person reads the picture)."""
    captcha_id = page.locator("input[name=captcha_id]").input_value()
    answer = page.context.request.get(f"{base}/testing/captcha/{captcha_id}").json()["answer"]
    page.fill("#captcha", answer)


def login(page, base, path, username, password):
    page.goto(base + path)
    page.fill("#username", username)
    page.fill("#password", password)
    solve_captcha(page, base)
    page.click("button[type=submit]")


def code_from_mailbox(page, base, recipient):
    """The latest code sent to `recipient`, read on the bureau's development mailbox page."""
    page.goto(base + "/bureau/mailbox")
    row = page.locator("tr", has_text=recipient).first
    return re.search(r"验证码为(\d{6})", row.inner_text()).group(1)


def latest_code(recipient):
    message = (OutboxMessage.select().where(OutboxMessage.recipient == recipient)
               .order_by(OutboxMessage.id.desc()).first())
    return re.search(r"码为(\d{6})", message.body).group(1)
