"""Factories for tests: accounts of every tenant, ISPs and applications in any state."""
import itertools
from datetime import datetime, timedelta

import pytest

from portal import clock, sample_data, workflow
from portal.demo import confirm_codes
from portal.models import Account, IspOrganisation
from portal.services.accounts import hash_password
from portal.states import Kind, State

PASSWORD = "correct horse battery staple"
CLOCK_START = datetime(2026, 5, 4, 1, 0, 10)
_counter = itertools.count(1)
_hash_cache = {}


@pytest.fixture
def moment():
    """Freeze the portal's clock at CLOCK_START; `moment(minutes=…)` moves it on from there."""
    def at(**delta):
        clock.freeze(CLOCK_START + timedelta(**delta))
    at()
    yield at
    clock.freeze(None)


def process_config(app) -> dict:
    """The test app's settings, for the same app built again in another process (spawn)."""
    config = {key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "DATABASE_URL", "HUEY_URL", "HUEY_IMMEDIATE",
        "SIGNING_KEY_PATH", "LIMITS_URL")}
    config["INSTANCE_PATH"] = app.instance_path
    return config


def next_n() -> int:
    return next(_counter)


def password_hash() -> str:
    if "hash" not in _hash_cache:
        _hash_cache["hash"] = hash_password(PASSWORD)
    return _hash_cache["hash"]


@pytest.fixture
def make_account(app):
    def make(tenant="public", role=None, organisation=None, **fields):
        n = next_n()
        role = role or {"public": "filer", "isp": "operator", "bureau": "reviewer"}[tenant]
        fields.setdefault("username", f"{tenant}{role}{n}")
        fields.setdefault("email", f"user{n}@mail.example")
        fields.setdefault("mobile", f"137{n:08d}")
        fields.setdefault("identity_verified", True)
        return Account.create(tenant=tenant, role=role, organisation=organisation,
                              password_hash=password_hash(), **fields)
    return make


@pytest.fixture
def make_isp(app, make_account):
    def make(name=None):
        isp = IspOrganisation.create(name=name or f"测试接入商{next_n()}")
        isp.admin = make_account("isp", "admin", isp)
        isp.operator = make_account("isp", "operator", isp)
        return isp
    return make


@pytest.fixture
def reviewer(make_account):
    return make_account("bureau", "reviewer")


@pytest.fixture
def bureau_admin(make_account):
    return make_account("bureau", "admin")


@pytest.fixture
def auditor(make_account):
    return make_account("bureau", "auditor")


@pytest.fixture
def isp(make_isp):
    return make_isp()


@pytest.fixture
def make_filer(make_account):
    def make(**fields):
        return make_account("public", **fields)
    return make


@pytest.fixture
def make_application(make_filer, isp, reviewer):
    """make_application(state=..., kind=FIRST_FILING, filer=None, proposal=None)."""
    def make(state=State.REVIEW, filer=None, proposal=None, n=None):
        filer = filer or make_filer()
        n = n or next_n()
        proposal = proposal or sample_data.first_filing(n, [isp.id])
        app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                          proposed=proposal)
        drive(app, state, filer, isp, reviewer)
        return workflow.load_application(app.id)
    return make


def confirm_all_sms(app):
    """Confirm every pending SMS check with the code the outbox holds."""
    confirm_codes(app)


def drive(app, state, filer, isp, reviewer):
    """Move a fresh draft along the happy path until it reaches `state`."""
    if state == State.DRAFT:
        return
    if state in (State.ABANDONED,):
        workflow.abandon_application(app.id, filer)
        return
    workflow.submit_application(app.id, filer)
    if state in (State.SUBMITTED,):
        return
    if state == State.WITHDRAWN:
        workflow.withdraw_application(app.id, filer)
        return
    if state == State.RETURNED:
        workflow.isp_return_application(app.id, isp.operator, "资料不全",
                                        [{"field": "subject.name", "note": "请填写全称"}])
        return
    workflow.verify_application(app.id, isp.operator)
    if state == State.SMS:
        return
    confirm_all_sms(workflow.load_application(app.id))
    if state == State.REVIEW:
        return
    workflow.approve_application(app.id, reviewer)


def push_through(app_id, filer, isp, reviewer, approve=True):
    """Submit an application and take it along the happy path to review (and approval)."""
    workflow.submit_application(app_id, filer)
    if workflow.load_application(app_id).state == State.SUBMITTED:
        workflow.verify_application(app_id, isp.operator)
    if workflow.load_application(app_id).state == State.SMS:
        confirm_all_sms(workflow.load_application(app_id))
    assert workflow.load_application(app_id).state == State.REVIEW
    if approve:
        workflow.approve_application(app_id, reviewer)
    return workflow.load_application(app_id)


def file_application(kind, filer, isp, reviewer, proposed, service_id=None, approve=True):
    app = workflow.create_application(kind, account=filer, actor=filer, proposed=proposed,
                                      service_id=service_id)
    return push_through(app.id, filer, isp, reviewer, approve)


@pytest.fixture
def website(make_application):
    """An approved website (its subject approved with it)."""
    from portal.models import Service
    approved = make_application(state=State.APPROVED)
    return Service.get(Service.subject == approved.subject_id)


@pytest.fixture
def site():
    """A small HTTP site on 127.0.0.1 (tests/sites.py)."""
    from tests.sites import LocalSite
    server = LocalSite()
    yield server
    server.close()


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 (tests/sites.py)."""
    from tests.sites import Receiver
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def bearer(isp):
    """bearer(scopes=("read", "write"), org=isp) → request headers with a fresh API token."""
    from portal.services.api_tokens import create_token

    def make(scopes=("read", "write"), org=None):
        org = org or isp
        _, plain = create_token(org.id, org.admin, "测试令牌", list(scopes))
        return {"Authorization": f"Bearer {plain}"}
    return make
