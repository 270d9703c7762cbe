"""The filer's account pages: registration with codes, identity check, recovery."""
import re

import pytest

from portal.models import Account, OutboxMessage, VerificationCode
from tests.conftest import CSRF_RE, form_tokens
from tests.factories import PASSWORD


def last_code(target: str) -> str:
    message = (OutboxMessage.select().where(OutboxMessage.recipient == target)
               .order_by(OutboxMessage.id.desc()).first())
    return re.search(r"验证码为(\d{6})", message.body).group(1)


def register(client, **overrides):
    data = form_tokens(client, "/register")
    data.update(username="newfiler", password=PASSWORD, confirm=PASSWORD,
                mobile="13912345678", email="new@mail.example")
    data.update(overrides)
    return client.post("/register", data=data)


def register_and_log_in(client, **overrides):
    """Register, then log in with the new account: the first login asks for the codes."""
    assert register(client, **overrides).location.endswith("/login")
    data = form_tokens(client, "/login")
    data.update(username=overrides.get("username", "newfiler"),
                password=overrides.get("password", PASSWORD))
    return client.post("/login", data=data)


def test_register_then_verify_both_codes(client):
    response = register(client)
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get("/login").status_code == 200     # nobody is logged in yet
    assert client.get("/home").location.split("?")[0].endswith("/login")
    response = register_and_log_in(client, username="newfiler2", email="new2@mail.example",
                                   mobile="13912345679")
    assert response.status_code == 302
    account = Account.get(Account.username == "newfiler2")
    assert account.created_via == "self" and not account.identity_verified
    assert client.get("/home").location.endswith("/verify")
    data = form_tokens(client, "/verify")
    data.update(mobile_code=last_code("13912345679"), email_code=last_code("new2@mail.example"))
    assert client.post("/verify", data=data).location.endswith("/home")
    assert Account.get_by_id(account.id).identity_verified
    assert client.get("/home").status_code == 200


@pytest.mark.parametrize("overrides,message", [
    ({"mobile": "12345"}, "手机号码"),
    ({"email": "not-an-email"}, "邮箱"),
    ({"password": "password", "confirm": "password"}, "8 个字符"),
    ({"password": "12345678", "confirm": "12345678"}, "常见"),
    ({"username": "x"}, "用户名"),
    ({"confirm": "something else entirely"}, "不一致"),
    ({"captcha": "WRONG"}, "验证码不正确"),
])
def test_registration_errors_are_shown_and_nothing_is_created(client, overrides, message):
    html = register(client, **overrides).get_data(as_text=True)
    assert message in html
    assert not Account.select().where(Account.username == overrides.get("username",
                                                                        "newfiler")).exists()


def test_a_taken_username_gets_the_same_answer_and_the_email_says_so(client, make_filer):
    """No account enumeration through registration: the page answers as for a free name."""
    filer = make_filer()
    free, taken = register(client), register(client, username=filer.username,
                                             email="someone@mail.example")
    assert (free.status_code, free.location) == (taken.status_code, taken.location)
    assert Account.select().where(Account.username == filer.username).count() == 1
    [message] = OutboxMessage.select().where(OutboxMessage.recipient == "someone@mail.example")
    assert filer.username in message.body and "已被使用" in message.body
    assert not VerificationCode.select().where(VerificationCode.target == "someone@mail.example"
                                               ).exists()


def test_wrong_identity_code_is_refused_and_counted(client):
    register_and_log_in(client)
    data = form_tokens(client, "/verify")
    data.update(mobile_code="000000", email_code=last_code("new@mail.example"))
    html = client.post("/verify", data=data).get_data(as_text=True)
    assert "验证码不正确" in html
    assert not Account.get(Account.username == "newfiler").identity_verified


def test_a_new_email_gets_a_new_code(client):
    register_and_log_in(client)
    data = form_tokens(client, "/verify")
    data.update(email="other@mail.example")
    client.post("/verify/email", data=data)
    assert Account.get(Account.username == "newfiler").email == "other@mail.example"
    assert last_code("other@mail.example")


def test_code_sending_is_throttled(client):
    register_and_log_in(client)
    for _ in range(3):
        client.post("/verify/resend", data=form_tokens(client, "/verify"))
    html = client.get("/verify").get_data(as_text=True)
    assert "过于频繁" in html


def test_password_reset_for_a_self_registered_filer(client, make_filer):
    filer = make_filer(created_via="self", email_verified=True)
    data = form_tokens(client, "/password/forgot")
    data.update(identifier=filer.username)
    response = client.post("/password/forgot", data=data)
    assert response.location.endswith("/password/reset")
    data = form_tokens(client, "/password/reset")
    data.update(username=filer.username, code=last_code(filer.email),
                password="a brand new passphrase", confirm="a brand new passphrase")
    assert client.post("/password/reset", data=data).location.endswith("/login")
    from portal.services.accounts import verify_password
    assert verify_password(Account.get_by_id(filer.id), "a brand new passphrase")


def test_reset_pages_never_reveal_whether_an_account_exists(client, make_filer, isp):
    imported = make_filer(created_via="isp_import", created_by_org=isp)
    answers = []
    for identifier in ("no-such-user", imported.username):
        data = form_tokens(client, "/password/forgot")
        data.update(identifier=identifier)
        client.post("/password/forgot", data=data)
        page = client.get("/password/reset").get_data(as_text=True)
        # the CSRF token carries a timestamp: two requests a second apart differ there only
        answers.append(CSRF_RE.sub("", page.split("<main>")[1].split("</form>")[0]))
    assert answers[0].replace("no-such-user", "") == answers[1].replace(imported.username, "")
    message = OutboxMessage.get(OutboxMessage.recipient == imported.email)
    assert isp.name in message.body and "验证码" not in message.body


def test_forgotten_username_goes_to_the_email(client, make_filer):
    filer = make_filer()
    data = form_tokens(client, "/username/forgot")
    data.update(email=filer.email)
    client.post("/username/forgot", data=data)
    assert filer.username in OutboxMessage.get(OutboxMessage.recipient == filer.email).body


def test_the_captcha_answer_route_exists_only_when_testing(app, client):
    assert client.get("/testing/captcha/anything").status_code == 200
    app.config["TESTING"] = False
    try:
        assert client.get("/testing/captcha/anything").status_code == 404
    finally:
        app.config["TESTING"] = True


def test_a_captcha_is_single_use(client, make_filer):
    filer = make_filer()
    data = form_tokens(client, "/login")
    data.update(username=filer.username, password="wrong password here")
    client.post("/login", data=data)
    data["password"] = PASSWORD
    assert "验证码不正确" in client.post("/login", data=data).get_data(as_text=True)


def test_the_eleventh_failed_login_in_five_minutes_is_throttled(client, login, make_filer,
                                                                monkeypatch):
    import time as real_time
    filer = make_filer()
    for _ in range(10):
        assert "用户名或密码错误" in login(filer.username, "wrong password here").get_data(
            as_text=True)
    html = login(filer.username).get_data(as_text=True)
    assert "尝试次数过多" in html           # even the right password waits
    later = real_time.time() + 301
    monkeypatch.setattr("portal.ephemeral.time.time", lambda: later)
    assert login(filer.username).status_code == 302   # the window has passed


def test_login_of_an_unknown_user_and_a_wrong_password_look_the_same(client, login, make_filer):
    filer = make_filer()
    one = login("no-such-user", "wrong password here").get_data(as_text=True)
    two = login(filer.username, "wrong password here").get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"|src="[^"]*"')
    assert strip.sub("", one) == strip.sub("", two)
