"""The optional TOTP second factor of ISP and bureau staff: enrol, log in with a code (once
only), disable, throttling, audit, and an admin's password reset removing it."""
import re

import pytest

from portal.models import Account, AuditEvent
from portal.services import two_factor
from tests.conftest import form_tokens
from tests.factories import PASSWORD
from tests.tenants.test_filing import post
from tests.tenants.test_sessions import log_in




def code_now(secret: str, steps: int = 0) -> str:
    return two_factor.code_at(secret, two_factor.current_step() + steps)


def enrolled(account) -> str:
    """Turn the second factor on for `account` (through the service, with the previous
    step's code, so that the current one is still unused); returns the secret."""
    secret = two_factor.new_secret()
    two_factor.enrol(account, PASSWORD, secret, code_now(secret, steps=-1))
    return secret


def events(action: str, account) -> int:
    return AuditEvent.select().where(AuditEvent.action == action,
                                     AuditEvent.object_id == str(account.id)).count()


@pytest.mark.parametrize("tenant", ["isp", "bureau"])
def test_staff_enrol_with_the_qr_page(client, make_account, isp, moment, tenant):
    member = isp.operator if tenant == "isp" else make_account("bureau")
    log_in(client, member.username, tenant)
    html = client.get(f"/{tenant}/two-factor").get_data(as_text=True)
    assert "<svg" in html and "otpauth" not in html      # the URI only inside the QR code
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    secret = secret.replace(" ", "")
    data = form_tokens(client, f"/{tenant}/two-factor")
    data.update(password="not the password", code=code_now(secret))
    assert "密码不正确" in client.post(f"/{tenant}/two-factor", data=data).get_data(
        as_text=True)                    # a borrowed session cannot turn it on
    data = form_tokens(client, f"/{tenant}/two-factor")
    data["password"] = PASSWORD
    data["code"] = "000000" if code_now(secret) != "000000" else "111111"
    assert "动态验证码不正确" in client.post(f"/{tenant}/two-factor", data=data).get_data(
        as_text=True)
    assert events("account.two_factor_failed", member) == 1
    data["code"] = code_now(secret)
    assert client.post(f"/{tenant}/two-factor", data=data).status_code == 302
    stored = Account.get_by_id(member.id)
    assert stored.has_two_factor and secret not in stored.totp_secret
    assert two_factor.unseal(stored.totp_secret) == secret
    page = client.get(f"/{tenant}/two-factor").get_data(as_text=True)
    assert secret[:8] not in page.replace(" ", "") and "关闭二次验证" in page
    assert events("account.two_factor_enrol", member) == 1


def test_a_code_in_full_width_digits_is_wrong_not_an_error(app, isp, moment):
    secret = enrolled(isp.operator)
    wide = "".join(chr(ord(d) + 0xFEE0) for d in code_now(secret))
    with app.test_request_context():
        assert not two_factor.check_code(Account.get_by_id(isp.operator.id), wide)


def test_a_secret_the_key_cannot_read_refuses_the_code(app, isp, moment):
    secret = enrolled(isp.operator)
    Account.update(totp_secret="v1$" + "A" * 40).where(Account.id == isp.operator.id).execute()
    with app.test_request_context():
        assert not two_factor.check_code(Account.get_by_id(isp.operator.id), code_now(secret))


def test_filers_have_no_second_factor_pages(client, login, make_filer):
    login(make_filer().username)
    assert client.get("/two-factor").status_code == 404
    assert client.get("/login/code").status_code == 404


def test_login_asks_for_the_code_after_the_password(app, client, isp, moment):
    secret = enrolled(isp.operator)
    response = log_in(client, isp.operator.username, "isp")
    assert response.location.endswith("/isp/login/code")
    assert "/isp/login" in client.get("/isp/").location           # not logged in yet
    data = form_tokens(client, "/isp/login/code")
    data["code"] = code_now(secret, steps=-5)                       # an old code
    assert "动态验证码不正确" in client.post("/isp/login/code", data=data).get_data(as_text=True)
    data["code"] = code_now(secret)
    assert client.post("/isp/login/code", data=data).location.endswith("/isp/")
    assert client.get("/isp/").status_code == 200
    assert events("account.two_factor_failed", isp.operator) == 1
    assert events("account.login", isp.operator) == 1                # after both steps only


def test_a_code_is_accepted_once(app, client, isp, moment):
    secret = enrolled(isp.operator)
    moment(seconds=30)
    code = code_now(secret)
    for browser, expected in ((client, 302), (app.test_client(), 200)):
        log_in(browser, isp.operator.username, "isp")
        data = form_tokens(browser, "/isp/login/code")
        data["code"] = code
        assert browser.post("/isp/login/code", data=data).status_code == expected
    assert two_factor.check_code(isp.operator, code_now(secret, steps=1))   # the next one


def test_the_half_logged_in_state_expires(client, isp, moment):
    secret = enrolled(isp.operator)
    log_in(client, isp.operator.username, "isp")
    moment(minutes=6)
    response = client.get("/isp/login/code")
    assert response.status_code == 302 and response.location.endswith("/isp/login")
    data = form_tokens(client, "/isp/login")    # a fresh form; the old step is gone
    data["code"] = code_now(secret)
    assert client.post("/isp/login/code", data=data).location.endswith("/isp/login")


def test_wrong_codes_are_throttled_like_passwords(client, isp, moment):
    secret = enrolled(isp.operator)
    log_in(client, isp.operator.username, "isp")
    data = form_tokens(client, "/isp/login/code")
    wrong = "000000" if code_now(secret) != "000000" else "111111"
    for _ in range(10):
        data["code"] = wrong
        client.post("/isp/login/code", data=data)
    data["code"] = code_now(secret)
    assert "尝试次数过多" in client.post("/isp/login/code", data=data).get_data(as_text=True)
    assert "/isp/login" in client.get("/isp/").location


def test_disable_needs_the_password_and_a_code(client, make_account, moment):
    member = make_account("bureau")
    secret = enrolled(member)
    log_in(client, member.username, "bureau")
    data = form_tokens(client, "/bureau/login/code")
    data["code"] = code_now(secret)
    client.post("/bureau/login/code", data=data)
    moment(seconds=30)
    data = form_tokens(client, "/bureau/two-factor")
    data.update(password="not the password at all", code=code_now(secret))
    assert "密码不正确" in client.post("/bureau/two-factor", data=data).get_data(as_text=True)
    assert Account.get_by_id(member.id).has_two_factor
    data.update(password="correct horse battery staple", code=code_now(secret))
    assert client.post("/bureau/two-factor", data=data).status_code == 302
    assert not Account.get_by_id(member.id).has_two_factor
    assert events("account.two_factor_disable", member) == 1


def test_a_password_reset_by_the_bureau_admin_removes_the_second_factor(
        client, login, bureau_admin, reviewer, moment):
    enrolled(reviewer)
    login(bureau_admin.username, tenant="bureau")
    post(client, f"/bureau/staff/{reviewer.id}/reset-password", page="/bureau/staff")
    after = Account.get_by_id(reviewer.id)
    assert after.must_change_password and not after.has_two_factor
    event = AuditEvent.get(AuditEvent.action == "account.two_factor_reset")
    assert event.actor_id == bureau_admin.id and event.object_id == str(reviewer.id)


def test_a_secret_sealed_under_another_key_cannot_be_read(app):
    sealed = two_factor.seal("JBSWY3DPEHPK3PXP")
    from portal.services import accounts
    accounts.configure("another-secret-key-0123456789abcdef")
    try:
        with pytest.raises(ValueError):
            two_factor.unseal(sealed)
    finally:
        accounts.configure(app.config["SECRET_KEY"])
