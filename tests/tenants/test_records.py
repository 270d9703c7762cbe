"""The filer's approved record: changes, cancellations, authorisation code, certificate."""
from datetime import timedelta

import pytest

from portal import clock
from portal.models import Account, Application, InstanceSettings, Service
from portal.services.certificates import verify_certificate
from portal.states import Kind, State
from tests.tenants.test_filing import post


@pytest.fixture
def approved(client, login, make_application):
    app = make_application(state=State.APPROVED)
    login(Account.get_by_id(app.account_id).username)
    return Service.get(Service.subject == app.subject_id)


def test_record_page_shows_numbers_snippet_and_actions(client, approved):
    html = client.get("/record").get_data(as_text=True)
    assert approved.filing_number in html and "bazs.cert" in html
    assert InstanceSettings.get().public_site_url in html


def test_certificate_download_verifies(client, approved):
    response = client.get(f"/record/services/{approved.id}/bazs.cert")
    assert "attachment" in response.headers["Content-Disposition"]
    domain = approved.details["domains"][0]
    assert verify_certificate(response.get_data(as_text=True), domain=domain).valid


def test_change_service_opens_a_prefilled_draft(client, approved):
    response = post(client, f"/record/services/{approved.id}/change", page="/record")
    app = Application.get(Application.kind == Kind.CHANGE_SERVICE)
    assert response.location.endswith(f"/filing/{app.id}/services")
    assert app.proposed["services"][0]["service_id"] == approved.id
    html = client.get(f"/filing/{app.id}/services/0").get_data(as_text=True)
    assert approved.name in html


def test_change_subject_keeps_the_certificate_number_immutable(client, approved):
    post(client, "/record/change-subject", page="/record")
    app = Application.get(Application.kind == Kind.CHANGE_SUBJECT)
    data = dict(app.proposed["subject"])
    assert data["cert_number"] == approved.subject.cert_number


def test_cancel_service_goes_straight_to_the_bureau(client, approved):
    url = f"/record/services/{approved.id}/cancel"
    assert "请确认" in post(client, url, {"reason": "停止运营"}).get_data(as_text=True)
    response = post(client, url, {"reason": "停止运营", "confirm": "y"})
    app = Application.get(Application.kind == Kind.CANCEL_SERVICE)
    assert response.location.endswith(f"/applications/{app.id}")
    assert app.state in (State.SMS, State.REVIEW)


def test_authorisation_code_is_shown_once(client, approved):
    html = post(client, f"/record/services/{approved.id}/authorisation-code", page="/record"
                ).get_data(as_text=True)
    assert "7 天内有效" in html
    from portal.models import AuthorisationCode
    assert AuthorisationCode.select().count() == 1


def test_annual_review_only_inside_the_window(client, approved):
    html = post(client, "/record/annual-review", page="/record", follow_redirects=True
                ).get_data(as_text=True)
    assert "不在年度审核期内" in html
    today = clock.local_today()
    InstanceSettings.update(annual_review_start=today - timedelta(days=1),
                            annual_review_end=today + timedelta(days=30)).execute()
    response = post(client, "/record/annual-review", page="/record")
    app = Application.get(Application.kind == Kind.ANNUAL_REVIEW)
    assert response.location.endswith(f"/filing/{app.id}/subject")


def test_another_filers_service_is_not_found(client, login, make_application, make_filer):
    app = make_application(state=State.APPROVED)
    service = Service.get(Service.subject == app.subject_id)
    login(make_filer().username)
    assert client.get("/record").status_code == 404
    assert client.get(f"/record/services/{service.id}/bazs.cert").status_code == 404
    assert post(client, f"/record/services/{service.id}/change", page="/home").status_code == 404


def test_the_site_check_button_says_what_is_missing(app, client, approved, monkeypatch):
    from portal import outbound
    from portal.models import Certificate
    from tests.sites import LocalSite, local_fetcher
    site = LocalSite()
    try:
        domain = approved.details["domains"][0]
        page = (f'<html><body><a href="{InstanceSettings.get().public_site_url}">'
                f'{approved.filing_number}</a></body></html>')
        site.routes[(domain, "/")] = (200, {"Content-Type": "text/html"}, page.encode())
        monkeypatch.setattr(outbound, "fetch", local_fetcher(site))
        app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
        html = post(client, f"/record/services/{approved.id}/check-site", page="/record"
                    ).get_data(as_text=True)
        assert "符合" in html and "需处理" in html      # footer fine, certificate missing
        cert = Certificate.get(Certificate.service == approved, Certificate.voided_at.is_null())
        site.routes[(domain, "/cert/bazs.cert")] = (200, {}, cert.document.encode())
        html = post(client, f"/record/services/{approved.id}/check-site", page="/record"
                    ).get_data(as_text=True)
        assert "需处理" not in html
    finally:
        site.close()
