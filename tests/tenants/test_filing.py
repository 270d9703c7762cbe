"""The filing wizard, task list and application page through the test client."""
import io

import pytest

from portal import sample_data
from portal.models import Account, Application
from portal.states import State
from tests.conftest import csrf_token


def post(client, url, data=None, page=None, **kwargs):
    """POST a form with the CSRF token of the page it lives on."""
    payload = {"csrf_token": csrf_token(client, page or url)}
    payload.update(data or {})
    return client.post(url, data=payload, **kwargs)


def person_fields(person):
    return {f"r_{k}": person.get(k, "") for k in ("name", "cert_type", "cert_number", "mobile",
                                                 "phone", "email", "emergency_contact")}


def subject_fields(n=1):
    s = sample_data.subject(n)
    data = {k: s.get(k, "") for k in ("nature", "name", "cert_type", "cert_number", "address",
                                      "mailing_address", "investor")}
    data.update(person_fields(s["responsible"]))
    return data


def website_fields(n=1, **overrides):
    w = sample_data.website(n, [])
    data = {"kind": "website", "name": w["name"], "domains": "\n".join(w["domains"]),
            "homepage": w["homepage"], "ips": "\n".join(w["ips"]),
            "content_category": "企业官网", "languages": "中文简体"}
    data.update(person_fields(w["responsible"]))
    data.update(overrides)
    return data


@pytest.fixture
def filer(make_filer, login):
    account = make_filer()
    login(account.username)
    return account


def start(client):
    response = post(client, "/filing")
    assert response.status_code == 302 and response.location.endswith("/subject")
    return int(response.location.split("/")[-2])


def fill_all(client, isp, n=1, website=None):
    app_id = start(client)
    assert post(client, f"/filing/{app_id}/subject", subject_fields(n)).status_code == 302
    url = f"/filing/{app_id}/services/new?kind=website"
    assert post(client, url, website or website_fields(n), page=url).status_code == 302
    data = {"entries-0-location": "山西", "entries-0-isps": str(isp.id)}
    assert post(client, f"/filing/{app_id}/access", data).status_code == 302
    return app_id


def test_the_whole_wizard_submits_a_first_filing(client, filer, isp):
    app_id = fill_all(client, isp)
    review = client.get(f"/filing/{app_id}/review").get_data(as_text=True)
    assert "提交备案" in review and "disabled" not in review.split("提交备案")[0][-200:]
    response = post(client, f"/filing/{app_id}/submit", page=f"/filing/{app_id}/review")
    assert response.location.endswith(f"/applications/{app_id}")
    app = Application.get_by_id(app_id)
    assert app.state == State.SUBMITTED and app.proposed["services"][0]["isps"] == [isp.id]
    html = client.get("/home").get_data(as_text=True)
    assert app.reference in html and "等待接入服务商核实" in html


def test_a_step_with_errors_saves_nothing_and_says_why(client, filer):
    app_id = start(client)
    bad = subject_fields()
    good = bad["cert_number"]
    bad["cert_number"] = good[:-1] + ("0" if good[-1] != "0" else "1")   # wrong check character
    html = post(client, f"/filing/{app_id}/subject", bad).get_data(as_text=True)
    assert "校验" in html or "不正确" in html
    assert Application.get_by_id(app_id).proposed == {}


@pytest.mark.parametrize("overrides,message", [
    ({"name": "abc123"}, "字母"), ({"name": "中国新闻网站"}, "中国"),
    ({"domains": "bad..example"}, "域名"), ({"homepage": "http://elsewhere.example/"}, "首页"),
    ({"ips": "10.0.0.1"}, "IP"), ({"r_mobile": "123"}, "手机"),
])
def test_service_errors_are_shown_next_to_the_field(client, filer, overrides, message):
    app_id = start(client)
    post(client, f"/filing/{app_id}/subject", subject_fields())
    url = f"/filing/{app_id}/services/new?kind=website"
    html = post(client, url, website_fields(**overrides), page=url).get_data(as_text=True)
    assert message in html and 'class="error"' in html
    assert not Application.get_by_id(app_id).proposed.get("services")


def test_access_step_requires_an_isp_unless_abroad(client, filer, isp):
    app_id = start(client)
    post(client, f"/filing/{app_id}/subject", subject_fields())
    url = f"/filing/{app_id}/services/new?kind=website"
    post(client, url, website_fields(), page=url)
    html = post(client, f"/filing/{app_id}/access", {"entries-0-location": "山西"}
                ).get_data(as_text=True)
    assert "接入服务商" in html and 'class="error"' in html
    assert post(client, f"/filing/{app_id}/access", {"entries-0-location": "其它"}
                ).status_code == 302
    assert Application.get_by_id(app_id).proposed["services"][0]["isps"] == [None]


def test_pre_approval_needs_a_document_checked_on_content(client, filer, isp):
    app_id = fill_all(client, isp, website=website_fields(content_category="新闻"))
    assert client.get(f"/filing/{app_id}/review").get_data(as_text=True).count("前置审批") >= 1
    url = f"/filing/{app_id}/pre-approval"
    fake = (io.BytesIO(b"MZ not a pdf"), "approval.pdf")
    html = post(client, url, {"entries-0-service_index": "0", "entries-0-document_number": "晋新审2026-1",
                              "entries-0-document": fake},
                content_type="multipart/form-data").get_data(as_text=True)
    assert "PDF" in html
    real = (io.BytesIO(b"%PDF-1.7 approval"), "approval.pdf")
    response = post(client, url, {"entries-0-service_index": "0",
                                  "entries-0-document_number": "晋新审2026-1",
                                  "entries-0-document": real}, content_type="multipart/form-data")
    assert response.status_code == 302
    items = Application.get_by_id(app_id).proposed["services"][0]["pre_approvals"]
    assert items[0]["document_number"] == "晋新审2026-1" and items[0]["document"]["type"] == \
        "application/pdf"


def test_filing_again_before_approval_replaces_the_pending_filing(client, filer, isp):
    first = fill_all(client, isp)
    post(client, f"/filing/{first}/submit", page=f"/filing/{first}/review")
    second = start(client)
    assert second != first
    data = subject_fields()
    data["mailing_address"] = "山西省太原市新地址1号"
    post(client, f"/filing/{second}/subject", data)
    post(client, f"/filing/{second}/submit", page=f"/filing/{second}/review")
    replaced = Application.get_by_id(first)
    assert replaced.revision == 2 and replaced.proposed["subject"]["mailing_address"] == \
        "山西省太原市新地址1号"
    assert Application.get_by_id(second).state == State.ABANDONED


def test_a_returned_application_shows_notes_and_can_be_fixed(client, login, make_application,
                                                              isp):
    app = make_application(state=State.RETURNED)
    login(Account.get_by_id(app.account_id).username)
    html = client.get(f"/applications/{app.id}").get_data(as_text=True)
    assert "请填写全称" in html and 'class="flagged"' in html and "修改并提交" in html
    assert post(client, f"/filing/{app.id}/submit", page=f"/filing/{app.id}/review"
                ).status_code == 302
    assert Application.get_by_id(app.id).state == State.SUBMITTED


def test_another_filers_application_is_not_found(client, login, make_application, make_filer):
    app = make_application(state=State.DRAFT)
    login(make_filer().username)
    for url in (f"/applications/{app.id}", f"/filing/{app.id}/subject",
                f"/filing/{app.id}/review"):
        assert client.get(url).status_code == 404
    assert post(client, f"/applications/{app.id}/abandon", page="/home").status_code == 404


def test_withdraw_and_abandon_from_the_application_page(client, login, make_application):
    app = make_application(state=State.SUBMITTED)
    login(Account.get_by_id(app.account_id).username)
    post(client, f"/applications/{app.id}/withdraw", page=f"/applications/{app.id}")
    assert Application.get_by_id(app.id).state == State.WITHDRAWN


def test_naming_script_is_served(client):
    with client.get("/static/naming.js") as response:
        assert b"naming_rules" in response.data


def test_uploaded_documents_are_served_only_to_the_owner(client, filer, isp, login, make_filer):
    app_id = fill_all(client, isp, website=website_fields(content_category="新闻"))
    url = f"/filing/{app_id}/pre-approval"
    post(client, url, {"entries-0-service_index": "0", "entries-0-document_number": "晋新审1",
                       "entries-0-document": (io.BytesIO(b"%PDF-1.7 x"), "批文.pdf")},
         content_type="multipart/form-data")
    stored = Application.get_by_id(app_id).proposed["services"][0]["pre_approvals"][0][
        "document"]["stored"]
    response = client.get(f"/applications/{app_id}/documents/{stored}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()
    assert client.get(f"/applications/{app_id}/documents/../../etc").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    login(make_filer().username)
    assert client.get(f"/applications/{app_id}/documents/{stored}").status_code == 404
