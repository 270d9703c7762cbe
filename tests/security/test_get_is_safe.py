"""No GET changes anything (issue 8): every GET route of the URL map, requested by each of
its rightful actors with their own objects (the crawl's table, tests/security/cases*.py),
leaves every table as it was.

Allowed, and only these: audit events that log the request itself. Every ISP API call is
audited (`api.call`, and the token's `last_used_at`, see crawl.IGNORED), and the bureau's
filer search and filer view are audited on purpose (`account.search`, `account.view`:
looking up a person's data is itself an act the audit log must show, ASVS 16.2/L3), as is
an ISP's lookup of a customer's username by filing number (`customer.username_lookup`).
Nothing else (no state, no counters, no queued task rows) may change on a GET."""
import pytest

from tests.security.crawl import (ALL_CASES, baseline, cases_of, changes_since, rightful,
                                  route_keys, send)

AUDITED_READS = ("account.search", "account.view", "customer.username_lookup")
KINDS = ("public", "open_api", "filer", "isp", "api", "bureau")


def test_every_get_route_is_covered(world):
    gets = {k for k in route_keys(world.app) if k.startswith("GET ")}
    assert sorted(gets - set(ALL_CASES)) == []
    assert sorted(gets - {k for kind in KINDS for k in cases_of(kind)}) == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_get_changes_the_database(world, kind):
    routes, problems = route_keys(world.app), []
    for key in cases_of(kind):
        if key not in routes:
            continue
        case = ALL_CASES[key]
        for probe in rightful(case):
            before = baseline()
            response = send(world, case, key, probe)
            if response.status_code >= 500:
                problems.append(f"{key} as {probe.actor}: {response.status_code}")
            response.close()
            changed = changes_since(before, AUDITED_READS)
            if changed:
                problems.append(f"{key} as {probe.actor} changed {changed}")
    assert problems == [], "\n".join(problems)
