"""Every bureau route, walked: nobody outside the bureau tenant reaches any of it, and
each page admits exactly the bureau roles it declares.

The routes are read from the app's URL map, so a page added later is covered without
touching this file; a bureau page without a declared role fails here.
"""
import re

import pytest

from portal.states import BUREAU_ADMINS, BUREAU_DECIDERS, BUREAU_READERS

# Pages every bureau account may open whatever its role (its own login and second login
# step, logout, password and second factor).
OPEN_TO_ANY_ROLE = {"bureau.login", "bureau.login_code", "bureau.logout", "bureau.password",
                    "bureau.two_factor", "bureau.static"}
ROLE_SETS = {BUREAU_READERS, BUREAU_DECIDERS, BUREAU_ADMINS}


def bureau_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("bureau.")
                   and rule.endpoint not in OPEN_TO_ANY_ROLE), key=lambda r: r.rule)


def concrete(rule) -> str:
    """The rule's path with every variable filled: the gates answer before any lookup."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>",
                  lambda m: "x.csv" if m.group(1) == "table" else "1", rule.rule)


def method_of(rule) -> str:
    return "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"


def call(client, rule):
    path = concrete(rule)
    return client.post(path) if method_of(rule) == "POST" else client.get(path)


def test_every_bureau_page_declares_one_of_the_role_sets(app):
    for rule in bureau_rules(app):
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        assert roles in ROLE_SETS, f"{rule.endpoint} declares no bureau role set"


def test_anonymous_visitors_get_the_login_page_everywhere(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    for rule in bureau_rules(app):
        response = call(client, rule)
        assert response.status_code == 302, rule.rule
        assert "/bureau/login" in response.headers["Location"], rule.rule


@pytest.mark.parametrize("tenant", ["public", "isp"])
def test_other_tenants_get_not_found_everywhere(app, client, login, make_filer, isp, tenant):
    if tenant == "public":
        login(make_filer().username)
    else:
        login(isp.admin.username, tenant="isp")
    app.config["WTF_CSRF_ENABLED"] = False
    for rule in bureau_rules(app):
        assert call(client, rule).status_code == 404, rule.rule


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_each_role_is_refused_what_it_may_not_do(app, client, login, make_account, role):
    """A reviewer cannot manage staff or settings; an auditor cannot decide anything."""
    login(make_account("bureau", role).username, tenant="bureau")
    app.config["WTF_CSRF_ENABLED"] = False
    refused = [rule for rule in bureau_rules(app)
               if role not in app.view_functions[rule.endpoint].allowed_roles]
    assert refused, "every role is refused something"
    for rule in refused:
        assert call(client, rule).status_code == 403, rule.rule


def test_the_auditor_reads_but_never_writes(app):
    for rule in bureau_rules(app):
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", ())
        if method_of(rule) == "POST":
            assert "auditor" not in roles or rule.endpoint == "bureau.audit_verify", rule.rule
