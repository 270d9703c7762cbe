"""CSRF on every state-changing route of the URL map (issue 8): POST, PUT, PATCH and
DELETE, sent by the route's rightful actor with its usual body but no CSRF token, get 400
and change nothing. The token-authenticated /api/ routes are exempt by design (cookies
never authorise them: see portal/web/api_auth.py) and are left out; every other
state-changing route must have a case in the crawl's table, so a new one cannot slip by."""
import pytest

from tests.security.crawl import ALL_CASES, baseline, build, changes_since, rightful, route_keys

KINDS = ("public", "filer", "isp", "bureau")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def unsafe_routes(app) -> set:
    return {k for k in route_keys(app) if k.split(" ", 1)[0] in UNSAFE
            and not k.split(" ", 1)[1].startswith("/api/")}


def test_every_state_changing_route_has_a_case(world):
    missing = unsafe_routes(world.app) - {k for k, c in ALL_CASES.items() if c.kind in KINDS}
    assert sorted(missing) == [], "add a case to tests/security/cases*.py"


@pytest.mark.parametrize("kind", KINDS)
def test_no_csrf_token_is_refused_and_changes_nothing(world, kind):
    problems = []
    for key in sorted(unsafe_routes(world.app)):
        case = ALL_CASES[key]
        if case.kind != kind:
            continue
        method, rule = key.split(" ", 1)
        probe = rightful(case, method)[0]
        url, form, _ = build(case, rule, probe, world.ids)
        before = baseline()
        response = world.client(probe.actor).open(url, method=method, data=form or None)
        if response.status_code != 400:
            problems.append(f"{key} as {probe.actor}: {response.status_code}, not 400")
        response.close()
        changed = changes_since(before)
        if changed:
            problems.append(f"{key} as {probe.actor} without a token changed {changed}")
    assert problems == [], "\n".join(problems)
