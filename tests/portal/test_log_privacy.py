"""Personal data never in logs; verification codes never logged in production mode.

Registration, code sending, failed logins and a password reset run with every logger at
DEBUG; no mobile number, email, code or password may appear in what is logged."""
import logging
import re

import pytest

from portal import create_app, log_privacy
from portal.db import transaction
from portal.models import Account, OutboxMessage
from tests.conftest import form_tokens

MOBILE, EMAIL = "13987654321", "private.person@mail.example"
PASSWORD, NEW_PASSWORD, WRONG = "my secret passphrase 1", "my new secret passphrase", "guess 12345"
CODE_RE = re.compile(r"验证码为(\d{6})")


@pytest.fixture
def production(app):
    """The same database and stores, in production mode (TESTING kept for the captcha)."""
    config = {key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "DATABASE_URL", "HUEY_URL", "HUEY_IMMEDIATE",
        "SIGNING_KEY_PATH", "LIMITS_URL")}
    config.update(INSTANCE_PATH=app.instance_path, PRODUCTION=True)
    yield create_app(config)
    log_privacy.configure(False)       # as the other tests expect


@pytest.fixture
def everything_logged():
    """Every logger at DEBUG, all records kept (formatted with their arguments)."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))
    handler = Keep(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield records
    root.removeHandler(handler)
    for lg, level in levels:
        lg.setLevel(level)


def codes_sent() -> list[str]:
    return [m.group(1) for m in (CODE_RE.search(row.body) for row in OutboxMessage.select())
            if m]


def drive_account_journey(client) -> None:
    data = form_tokens(client, "/register")
    data.update(username="privateperson", password=PASSWORD, confirm=PASSWORD, mobile=MOBILE,
                email=EMAIL)
    assert client.post("/register", data=data).status_code == 302
    data = form_tokens(client, "/login")
    data.update(username="privateperson", password=PASSWORD)
    client.post("/login", data=data)
    client.post("/verify/resend", data=form_tokens(client, "/verify"))
    client.post("/logout", data=form_tokens(client, "/verify"))
    for _ in range(3):
        data = form_tokens(client, "/login")
        data.update(username="privateperson", password=WRONG)
        client.post("/login", data=data)
    data = form_tokens(client, "/password/forgot")
    data.update(identifier=EMAIL)
    client.post("/password/forgot", data=data)


def test_nothing_personal_is_logged_in_production(production, everything_logged):
    client = production.test_client()
    drive_account_journey(client)
    with transaction():
        Account.update(email_verified=True).where(Account.username == "privateperson").execute()
    data = form_tokens(client, "/password/forgot")
    data.update(identifier="privateperson")
    client.post("/password/forgot", data=data)
    reset_code = codes_sent()[-1]
    data = form_tokens(client, "/password/reset")
    data.update(username="privateperson", code=reset_code, password=NEW_PASSWORD,
                confirm=NEW_PASSWORD)
    assert client.post("/password/reset", data=data).status_code == 302
    secrets = [MOBILE, EMAIL, PASSWORD, NEW_PASSWORD, WRONG, *codes_sent()]
    assert len(codes_sent()) >= 4 and everything_logged     # codes went out; logs were kept
    text = "\n".join(everything_logged)
    assert "parameters not logged" in text          # the queries were logged, not their data
    for secret in secrets:
        assert secret not in text, secret


def test_development_mode_keeps_full_query_logs(client, everything_logged):
    """The control: outside production the same journey logs the data (so the test above
    sees what would leak)."""
    drive_account_journey(client)
    assert MOBILE in "\n".join(everything_logged)


def test_tracebacks_and_messages_are_masked_in_production(production, everything_logged):
    log = logging.getLogger("huey")
    try:
        raise RuntimeError(f"SMTP refused {{'{EMAIL}': (550, b'no')}}")
    except RuntimeError:
        log.exception("delivery to %s (%s) failed", EMAIL, MOBILE)
    logging.getLogger("portal.x").info("text 【备案系统】您的验证码为123456，用于验证")
    text = "\n".join(everything_logged)
    assert EMAIL not in text and MOBILE not in text and "123456" not in text
    assert "<email>" in text and "<mobile>" in text and "RuntimeError" in text
