"""The bureau's site-check page: the latest finding of every approved website, problems
first, paginated, for every bureau role; nobody else."""
from datetime import datetime

import pytest

from portal.models import Service, SiteCheckFinding
from portal.states import State

CHECKED = datetime(2026, 3, 2, 19, 0)


@pytest.fixture
def findings(make_application):
    def website():
        return Service.get(Service.subject == make_application(state=State.APPROVED).subject_id)
    good, bad = website(), website()
    SiteCheckFinding.create(service=good, domain=good.details["domains"][0], ok=True,
                            checked_at=CHECKED, problems=[])
    SiteCheckFinding.create(service=bad, domain=bad.details["domains"][0], ok=False,
                            checked_at=CHECKED, problems=[
                                {"domain": bad.details["domains"][0], "check": "certificate",
                                 "message": "电子证书签名无效"}])
    return good, bad


@pytest.mark.parametrize("role", ["admin", "reviewer", "auditor"])
def test_every_bureau_role_sees_problems_first(client, login, make_account, findings, role):
    good, bad = findings
    login(make_account("bureau", role).username, tenant="bureau")
    html = client.get("/bureau/site-checks").get_data(as_text=True)
    assert "电子证书签名无效" in html and "有问题" in html and "正常" in html
    assert html.index(bad.filing_number) < html.index(good.filing_number)
    assert "2026-03-03 03:00" in html             # shown in Beijing time


def test_only_problems(client, login, auditor, findings):
    good, bad = findings
    login(auditor.username, tenant="bureau")
    html = client.get("/bureau/site-checks?problems=1").get_data(as_text=True)
    assert bad.filing_number in html and good.filing_number not in html


def test_the_list_is_paginated(app, client, login, auditor, findings):
    good, bad = findings
    app.config["PAGE_SIZE"] = 1
    login(auditor.username, tenant="bureau")
    first = client.get("/bureau/site-checks").get_data(as_text=True)
    second = client.get("/bureau/site-checks?page=2").get_data(as_text=True)
    assert bad.filing_number in first and good.filing_number not in first
    assert good.filing_number in second


def test_empty(client, login, auditor):
    login(auditor.username, tenant="bureau")
    assert "还没有检查结果" in client.get("/bureau/site-checks").get_data(as_text=True)


def test_other_tenants_and_anonymous_are_kept_out(client, login, isp, findings):
    assert client.get("/bureau/site-checks").status_code == 302
    login(isp.admin.username, tenant="isp")
    assert client.get("/bureau/site-checks").status_code == 404
