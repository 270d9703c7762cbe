"""Password rules (DESIGN §4): at least 8 characters, long ones (64 and more, up to 128)
accepted by every form, common ones refused from the list shipped with the portal, and no
composition rules."""
import pytest
from wtforms.validators import Length

from portal.errors import ValidationError
from portal.models import Account
from portal.services.accounts import (
    COMMON_LIST,
    check_new_password,
    common_passwords,
    verify_password,
)
from tests.conftest import form_tokens
from tests.factories import PASSWORD

LONG = "the quick brown fox jumps over the lazy dog while the kettle boils" * 2   # 130


def refused(password: str) -> str:
    with pytest.raises(ValidationError) as caught:
        check_new_password(password)
    return str(caught.value.message)


def test_at_least_eight_characters():
    assert "8 个字符" in refused("kx7#qz2")
    assert "8 个字符" in refused("")
    check_new_password("kx7#qz2m")


@pytest.mark.parametrize("length", [64, 100, 128])
def test_long_passwords_are_welcome(length):
    check_new_password(LONG[:length])


def test_more_than_128_characters_is_refused():
    assert "128" in refused(LONG[:129])


def test_the_shipped_list_is_used_whole():
    assert COMMON_LIST.exists() and len(common_passwords()) >= 200
    for password in common_passwords():
        if len(password) >= 8:
            assert "常见" in refused(password), password


@pytest.mark.parametrize("password", ["Password123", "QWERTYUIOP", "woai ni1314",
                                      "P@ssw0rd", "aaaaaaaaaaaa", "abababababab", "12121212"])
def test_common_passwords_are_refused_whatever_the_case_and_spacing(password):
    assert "常见" in refused(password)


@pytest.mark.parametrize("password", [
    "lowercase letters only here", "38271946", "ALLCAPSNOSPACE", "我的密码是一句很长的话",
    "🙂 smiley passphrase", "no digits, no capitals, still fine"])
def test_no_composition_rules(password):
    check_new_password(password)


@pytest.mark.parametrize("form_path,field", [
    ("portal.web.auth:LoginForm", "password"), ("portal.web.auth:PasswordForm", "new"),
    ("tenants.public.forms_account:RegisterForm", "password"),
    ("tenants.public.forms_account:ResetPasswordForm", "password")])
def test_every_password_form_allows_at_least_128_characters(app, form_path, field):
    module, name = form_path.split(":")
    form_class = getattr(__import__(module, fromlist=[name]), name)
    limits = [v.max for v in getattr(form_class, field).kwargs.get("validators", [])
              if isinstance(v, Length)]
    assert all(limit == -1 or limit >= 128 for limit in limits)


def test_a_128_character_password_registers_and_logs_in(client, login):
    data = form_tokens(client, "/register")
    data.update(username="longpass", password=LONG[:128], confirm=LONG[:128],
                mobile="13912345670", email="long@mail.example")
    assert client.post("/register", data=data).status_code == 302
    assert verify_password(Account.get(Account.username == "longpass"), LONG[:128])
    assert login("longpass", LONG[:128]).status_code == 302


def test_a_64_character_password_change_and_a_common_one_refused(client, login, make_filer):
    filer = make_filer()
    login(filer.username)
    data = form_tokens(client, "/password")
    data.update(current=PASSWORD, new="password123", confirm="password123")
    assert "常见" in client.post("/password", data=data).get_data(as_text=True)
    data.update(new=LONG[:64], confirm=LONG[:64])
    assert client.post("/password", data=data).status_code == 302
    assert verify_password(Account.get_by_id(filer.id), LONG[:64])
