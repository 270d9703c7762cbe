"""Every state-changing route writes its audit events, one per changed domain object, in
the transaction of the change (tests/route_audit_support.py says how this is checked).
The cases come from the URL map: a new POST/PUT/PATCH/DELETE route without a case, or a
case whose route is gone, fails `test_every_state_changing_route_has_a_case`. The probes at
the end prove the check fails a route that gets it wrong."""
import re

import pytest

from portal.audit import record_event
from portal.db import transaction
from portal.models import ALL_MODELS, Announcement
from tests.route_audit_cases_api import CASES as API
from tests.route_audit_cases_bureau import CASES as BUREAU
from tests.route_audit_cases_bureau_admin import CASES as BUREAU_ADMIN
from tests.route_audit_cases_isp import CASES as ISP
from tests.route_audit_cases_public import CASES as PUBLIC
from tests.route_audit_cases_two_factor import CASES as TWO_FACTOR
from tests.route_audit_support import (
    DERIVED,
    DOMAIN,
    NO_STATE_CHANGE,
    Req,
    World,
    check_request,
)
from tests.route_audit_trace import recorder_fixture  # noqa: F401 -- the `recorder` fixture

CASES = {**PUBLIC, **ISP, **BUREAU, **BUREAU_ADMIN, **API, **TWO_FACTOR}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def state_changing_rules(app) -> set[str]:
    """The rules, written without converter arguments (<int(max=...):id> is <int:id>)."""
    return {re.sub(r"<(\w+)\([^)>]*\):", r"<\1:", r.rule) for r in app.url_map.iter_rules()
            if r.methods & CHANGING}


def test_every_state_changing_route_has_a_case(app):
    rules = state_changing_rules(app)
    assert sorted(rules - set(CASES)) == [], "add a route-audit case for the new route"
    assert sorted(set(CASES) - rules) == [], "this case's route no longer exists"
    assert set(NO_STATE_CHANGE) <= set(CASES)


def test_every_table_is_classified():
    tables = {m._meta.table_name for m in ALL_MODELS}
    assert tables == set(DOMAIN) | set(DERIVED) and not set(DOMAIN) & set(DERIVED)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_route_audits_what_it_changes(request, client, login, recorder, rule):
    req = CASES[rule](World(request, client, login))
    check_request(client, recorder, req, NO_STATE_CHANGE.get(rule))


# -- the check itself fails a route that gets it wrong ------------------------------------
def _unaudited():
    with transaction():
        Announcement.create(title="未审计", body="x")


def _split():
    """The event in a later transaction than the change (another event in the first)."""
    with transaction():
        item = Announcement.create(title="分开", body="x")
        record_event("probe.other", object_type="probe", object_id="1")
    with transaction():
        record_event("announcement.create", item)


def _nothing():
    pass


PROBES = {"unaudited": (_unaudited, "without an audit event"),
          "split": (_split, "different transactions"),
          "nothing": (_nothing, "changed no domain object")}


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_the_check_fails_a_route_that_gets_it_wrong(app, client, recorder, probe):
    view, message = PROBES[probe]
    if probe == "split" and recorder is None:
        pytest.skip("grouping statements by transaction is traced on SQLite only")

    def run():
        view()
        return "done"
    app.add_url_rule(f"/testing/audit-probe/{probe}", f"audit_probe_{probe}", run)
    with pytest.raises(AssertionError, match=message):
        check_request(client, recorder, Req(f"/testing/audit-probe/{probe}", method="GET"),
                      None)
