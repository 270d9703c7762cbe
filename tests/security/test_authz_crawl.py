"""The authorisation crawl (issue 8): every route of the URL map, requested as every kind
of actor with its own and another party's ids (tests/security/cases*.py, crawl.py).

Expected: anonymous → the tenant's login page (pages) or 401 (API); another tenant, or
another owner's object → 404; a wrong role inside the right tenant → 403; never a 500;
never another party's marker in the body; a refused request changes nothing in the
database (audit events that only log the call aside). Every case ends with its positive
control: the rightful actor with its own ids gets 2xx/3xx on the same route."""
from urllib.parse import quote, unquote_plus, urlsplit

import pytest
from markupsafe import escape

from tests.security.crawl import (ALL_CASES, OTHER, PARTY, PENDING, baseline, build, changes_since,
                                  login_redirect, markers_of, probes, route_keys, send)


def test_every_route_has_a_case_and_every_case_a_route(world):
    routes = route_keys(world.app)
    assert sorted(routes - set(ALL_CASES)) == [], "add a case for each new route"
    assert sorted(set(ALL_CASES) - routes - PENDING) == [], "remove the cases of gone routes"


def body_text(response) -> str:
    """The body as text (downloads too: a marker in a CSV or certificate is a leak)."""
    return response.get_data().decode("utf-8", "replace")


def without_echo(text: str, request) -> str:
    """The body less what the request itself sent (a search echoing its own query, a login
    redirect carrying the asked URL in `next`): repeating one's input is no leak."""
    url, form, payload = request
    echoes = [url, quote(url, safe="/"), quote(url, safe="")] + [
        str(v) for v in list(form.values()) + list((payload or {}).values())]
    for part in urlsplit(url).query.split("&"):
        echoes.append(unquote_plus(part.partition("=")[2]))
    for echo in sorted(filter(None, echoes), key=len, reverse=True):
        text = text.replace(echo, "").replace(escape(echo), "")
    return text


def check(world, case, key, probe, response, before):
    """One probe's verdict; returns a list of problems."""
    status, problems = response.status_code, []
    if status >= 500:
        return [f"{probe}: server error {status}"]
    text = without_echo(body_text(response), build(case, key.split(" ", 1)[1], probe, world.ids))
    own = PARTY.get(probe.actor)
    if probe.expect == "ok":
        if not (200 <= status < 400 or status in case.ok):
            problems.append(f"{probe}: rightful actor got {status}")
        foreign = markers_of(world, OTHER[own]) if own else []
        if case.kind == "public" and own is None:
            foreign = []
    else:
        if probe.expect == "login" and not login_redirect(response, case):
            problems.append(f"{probe}: expected the login page, got {status} "
                            f"{response.headers.get('Location')}")
        elif isinstance(probe.expect, int) and status != probe.expect:
            problems.append(f"{probe}: expected {probe.expect}, got {status}")
        foreign = markers_of(world, probe.party if probe.party != own else OTHER[own])
        if probe.mixed:
            foreign = markers_of(world, OTHER[probe.party])
        changed = changes_since(before)
        if changed:
            problems.append(f"{probe}: a refused request changed {changed}")
    shown = [m for m in foreign if m in text]
    if shown:
        problems.append(f"{probe}: another party's data in the response: {shown}")
    return problems


@pytest.mark.parametrize("key", sorted(ALL_CASES))
def test_route(world, key):
    if key in PENDING and key not in route_keys(world.app):
        pytest.skip(f"{key} is not in the URL map yet")
    case, method = ALL_CASES[key], key.split(" ", 1)[0]
    problems = []
    before = baseline()
    for probe in probes(case, method):
        response = send(world, case, key, probe)
        problems += check(world, case, key, probe, response, before)
        response.close()
    assert problems == [], "\n".join(problems)
