"""Sessions (DESIGN §4, portal/web/sessions.py): a new session at login; a replayed copy of
an old cookie jar refused after logout, password change, disable, ISP suspension and an
admin's "end sessions"; idle and absolute timeouts; remember-me for filers only."""
from datetime import datetime, timedelta

import pytest

from portal.models import Account, IspOrganisation
from tests.conftest import form_tokens
from tests.factories import PASSWORD
from tests.tenants.test_filing import post

HOME = {"public": "/home", "isp": "/isp/", "bureau": "/bureau/"}
PREFIX = {"public": "", "isp": "/isp", "bureau": "/bureau"}



def jar(client) -> dict:
    """A copy of the browser's cookies (the session and any remember cookie)."""
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def replay(app, cookies: dict):
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def is_refused(response, tenant="public") -> bool:
    return response.status_code == 302 and f"{PREFIX[tenant]}/login" in response.location


def log_in(client, username, tenant="public", **extra):
    data = form_tokens(client, f"{PREFIX[tenant]}/login")
    data.update(username=username, password=PASSWORD, **extra)
    return client.post(f"{PREFIX[tenant]}/login", data=data)


def test_login_starts_a_new_session(client, login, make_filer):
    filer = make_filer()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "en"
    before = client.get_cookie("session").value
    assert login(filer.username).status_code == 302
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en"
        first_sid = session["sid"]
    client.post("/logout", data=form_tokens(client, "/home"))
    login(filer.username)
    with client.session_transaction() as session:
        assert session["sid"] != first_sid


def _logout(app, client, who, admin):
    client.post(f"{PREFIX[who.tenant]}/logout", data=form_tokens(client, HOME[who.tenant]))


def _change_password(app, client, who, admin):
    data = form_tokens(client, "/password")
    data.update(current=PASSWORD, new="a different long passphrase",
                confirm="a different long passphrase")
    assert client.post("/password", data=data).status_code == 302


def _as_admin(app, admin):
    browser = app.test_client()
    assert log_in(browser, admin.username, "bureau").status_code == 302
    return browser


def _disable(app, client, who, admin):
    post(_as_admin(app, admin), f"/bureau/staff/{who.id}/disable", page="/bureau/staff")
    assert not Account.get_by_id(who.id).is_active


def _end_sessions(app, client, who, admin):
    post(_as_admin(app, admin), f"/bureau/staff/{who.id}/end-sessions", page="/bureau/staff")
    assert Account.get_by_id(who.id).session_generation > who.session_generation


def _suspend_isp(app, client, who, admin):
    post(_as_admin(app, admin), f"/bureau/orgs/{who.organisation_id}/suspend",
         {"reason": "违规接入"}, page=f"/bureau/orgs/{who.organisation_id}")
    assert IspOrganisation.get_by_id(who.organisation_id).is_suspended


EVENTS = {"logout": ("public", _logout), "password change": ("public", _change_password),
          "disable": ("bureau", _disable), "end sessions": ("bureau", _end_sessions),
          "isp suspension": ("isp", _suspend_isp)}


@pytest.mark.parametrize("event", list(EVENTS))
def test_a_replayed_old_cookie_jar_is_refused(app, client, make_account, isp, bureau_admin,
                                             event):
    tenant, act = EVENTS[event]
    who = (isp.operator if tenant == "isp" else make_account(tenant))
    assert log_in(client, who.username, tenant, remember="y").status_code == 302
    assert client.get(HOME[tenant]).status_code == 200
    saved = jar(client)
    assert replay(app, saved).get(HOME[tenant]).status_code == 200   # the control
    act(app, client, Account.get_by_id(who.id), bureau_admin)
    assert is_refused(replay(app, saved).get(HOME[tenant]), tenant)


def test_a_replayed_remember_cookie_dies_at_logout_and_password_change(app, client,
                                                                       make_filer):
    filer = make_filer()
    log_in(client, filer.username, remember="y")
    remember = {"remember_token": client.get_cookie("remember_token").value}
    assert replay(app, remember).get("/home").status_code == 200    # it logs in alone
    client.post("/logout", data=form_tokens(client, "/home"))
    assert client.get_cookie("remember_token") is None              # the browser drops it
    assert is_refused(replay(app, remember).get("/home"))           # and a copy fails
    log_in(client, filer.username, remember="y")
    remember = {"remember_token": client.get_cookie("remember_token").value}
    _change_password(app, client, filer, None)
    assert is_refused(replay(app, remember).get("/home"))


def test_remember_me_is_offered_to_filers_only(client, make_filer, isp):
    assert 'name="remember"' in client.get("/login").get_data(as_text=True)
    for prefix in ("/isp", "/bureau"):
        assert 'name="remember"' not in client.get(f"{prefix}/login").get_data(as_text=True)
    log_in(client, isp.operator.username, "isp", remember="y")
    assert client.get_cookie("remember_token") is None


def test_the_remember_cookie_is_httponly_lax_and_lasts_14_days(client, make_filer):
    response = log_in(client, make_filer().username, remember="y")
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("remember_token="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    cookie = client.get_cookie("remember_token")
    lifetime = cookie.expires - datetime.now(cookie.expires.tzinfo)
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)
    session_header = next(h for h in response.headers.getlist("Set-Cookie")
                          if h.startswith("session="))
    assert "HttpOnly" in session_header and "SameSite=Lax" in session_header


@pytest.mark.parametrize("tenant,idle", [("isp", 30), ("bureau", 30), ("public", 120)])
def test_an_idle_session_ends(client, make_account, isp, moment, tenant, idle):
    who = isp.operator if tenant == "isp" else make_account(tenant)
    log_in(client, who.username, tenant)
    moment(minutes=idle - 1)
    assert client.get(HOME[tenant]).status_code == 200
    moment(minutes=2 * idle - 2)              # idle - 1 since the last request: still in
    assert client.get(HOME[tenant]).status_code == 200
    moment(minutes=3 * idle)                  # idle + 2 since the last request: out
    assert is_refused(client.get(HOME[tenant]), tenant)


def test_the_idle_stamp_is_rewritten_at_most_once_a_minute(client, make_filer, moment):
    log_in(client, make_filer().username)
    client.get("/home")
    moment(seconds=30)
    assert "session=" not in " ".join(client.get("/home").headers.getlist("Set-Cookie"))
    moment(seconds=90)
    assert "session=" in " ".join(client.get("/home").headers.getlist("Set-Cookie"))


def test_a_session_ends_after_12_hours_however_busy(client, make_filer, moment):
    log_in(client, make_filer().username)
    for minutes in range(100, 12 * 60, 100):
        moment(minutes=minutes)
        assert client.get("/home").status_code == 200
    moment(hours=12, minutes=1)
    assert is_refused(client.get("/home"))


def test_remember_me_outlives_the_session_but_not_14_days(app, client, make_filer, moment):
    log_in(client, make_filer().username, remember="y")
    saved = jar(client)
    moment(hours=13)                            # the session is over, the cookie logs in
    assert client.get("/home").status_code == 200
    moment(days=14, minutes=1)                  # a copy replayed after 14 days: refused
    assert is_refused(replay(app, saved).get("/home"))
