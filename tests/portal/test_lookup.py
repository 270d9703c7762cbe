"""The public lookup (是否备案): approved, active services only, found by domain, number,
subject name or service name; individuals masked; no personal contact data."""
import json

import pytest

from portal import sample_data, record_decisions, workflow
from portal.errors import ValidationError
from portal.models import Service, Subject
from portal.services.lookup import lookup, mask_name
from portal.states import Kind, State
from tests.factories import confirm_all_sms, next_n, push_through


def filed(make_application, proposal=None, **kwargs) -> Subject:
    app = make_application(state=State.APPROVED, proposal=proposal, **kwargs)
    return Subject.get(Subject.account == app.account_id)


def numbers(result) -> list[str]:
    return [r["service_filing_number"] for r in result.results]


def service_of(subject: Subject) -> Service:
    return subject.services.order_by(Service.id).first()


@pytest.fixture
def site(make_application):
    """An approved company website."""
    return service_of(filed(make_application))


@pytest.mark.parametrize("spelling", ["{d}", "{D}", "{d}.", "  {d}  ", "www.{d}", "WWW.{D}.",
                                      "a.b.c.{d}"])
def test_lookup_by_domain_spellings(site, spelling):
    domain = site.details["domains"][0]
    q = spelling.format(d=domain, D=domain.upper())
    result = lookup(q)
    assert result.type == "domain"
    assert numbers(result) == [site.filing_number]


def test_lookup_by_domain_does_not_match_lookalikes(site):
    domain = site.details["domains"][0]
    for q in ("x" + domain, domain.replace(".example", ".test"), "example.example"):
        assert lookup(q, type_="domain").total == 0, q


def test_lookup_by_idn_domain(make_application, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    unicode_domain = f"测试{n}.example"
    proposal["services"][0].update(domains=[unicode_domain], homepage=f"http://{unicode_domain}/")
    subject = filed(make_application, proposal)
    stored = service_of(subject).details["domains"][0]
    assert stored.startswith("xn--")
    for q in (unicode_domain, stored, f"www.{unicode_domain}", f"WWW.{stored.upper()}."):
        assert numbers(lookup(q)) == [service_of(subject).filing_number], q
    ideographic = f"测试{n}。example"
    assert numbers(lookup(ideographic, type_="domain")) == [service_of(subject).filing_number]


@pytest.mark.parametrize("spelling", ["ideographic_stop", "full_width"])
def test_lookup_guesses_domain_for_cjk_punctuation(site, spelling):
    domain = site.details["domains"][0]
    q = (domain.replace(".", "。") if spelling == "ideographic_stop"
         else domain.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}))
    assert numbers(lookup(q, type_="domain")) == [site.filing_number]
    assert numbers(lookup(q)) == [site.filing_number]


def test_lookup_by_subject_and_service_number(make_application, isp):
    n = next_n()
    subject = filed(make_application, sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.app_service(n, [isp.id])]))
    site, app_service = list(subject.services.order_by(Service.id))
    by_subject = lookup(subject.filing_number)
    assert by_subject.type == "number"
    assert numbers(by_subject) == [site.filing_number, app_service.filing_number]
    assert numbers(lookup(app_service.filing_number)) == [app_service.filing_number]
    assert numbers(lookup(f" {site.filing_number} ")) == [site.filing_number]
    assert lookup(f"{subject.filing_number}-9").total == 0


def test_lookup_by_number_accepts_what_the_parser_accepts(make_application, isp):
    n = next_n()
    subject = filed(make_application, sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.app_service(n, [isp.id])]))
    app_number = service_of(subject).filing_number.replace("-1", "-2A")
    for q in (app_number.replace("A", "a"), app_number.replace("-", "－"),
              app_number.replace("ICP备", "ICP 备")):
        assert numbers(lookup(q)) == [app_number], q


def test_lookup_by_subject_name_prefix(make_application, isp):
    subject = filed(make_application)
    name = subject.name
    assert numbers(lookup(name)) == [service_of(subject).filing_number]
    prefix = name[:-3]
    result = lookup(prefix, type_="subject")
    assert service_of(subject).filing_number in numbers(result)
    assert lookup(name + "不存在", type_="subject").total == 0
    assert lookup("不相干的名称", type_="subject").total == 0


def test_lookup_by_service_name(make_application, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["services"][0]["name"] = f"晋味独家美食网{n}"
    subject = filed(make_application, proposal)
    other = filed(make_application)
    result = lookup("晋味独家美食", type_="service")
    assert result.type == "service"
    assert numbers(result) == [service_of(subject).filing_number]
    assert service_of(other).filing_number not in numbers(result)
    assert lookup("晋味独家美食").total == 0  # without the type, it is a subject name


def test_kind_filter(make_application, isp):
    n = next_n()
    subject = filed(make_application, sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.app_service(n, [isp.id]),
        sample_data.mini_service(n, [isp.id]),
        sample_data.mini_service(n, [isp.id], kind="quickapp")]))
    for kind in ("website", "app", "miniprogram", "quickapp"):
        result = lookup(subject.filing_number, kind=kind)
        assert [r["service_kind"] for r in result.results] == [kind]
        assert result.total == 1
    with pytest.raises(ValidationError):
        lookup(subject.filing_number, kind="podcast")


def test_pagination(make_application, isp):
    n = next_n()
    services = [sample_data.website(n + k * 100000, [isp.id]) for k in range(5)]
    subject = filed(make_application, sample_data.first_filing(n, [isp.id], services=services))
    all_numbers = [s.filing_number for s in subject.services.order_by(Service.id)]
    page1 = lookup(subject.filing_number, per_page=2)
    page2 = lookup(subject.filing_number, page=2, per_page=2)
    page3 = lookup(subject.filing_number, page=3, per_page=2)
    assert (page1.total, page2.total, page2.page, page2.per_page) == (5, 5, 2, 2)
    assert numbers(page1) + numbers(page2) + numbers(page3) == all_numbers
    assert numbers(page2) == all_numbers[2:4]
    assert lookup(subject.filing_number, page=4, per_page=2).results == []
    assert lookup(subject.filing_number, page=0).page == 1
    assert lookup(subject.filing_number, per_page=10_000).per_page == 50


def test_result_fields(site):
    [row] = lookup(site.details["domains"][0]).results
    subject = site.subject
    assert row["subject_name"] == subject.name and row["subject_nature"] == "企业"
    assert row["subject_filing_number"] == subject.filing_number
    assert row["service_name"] == site.name and row["service_kind"] == "website"
    assert row["homepage"] == site.homepage and row["domains"] == site.details["domains"]
    assert row["restricted"] is False and row["pre_approvals"] == []
    assert len(row["approved_on"]) == 10


def individual_filing(n, isp_id):
    proposal = sample_data.first_filing(n, [isp_id], nature="个人")
    proposal["services"][0]["name"] = f"读书笔记个人网站{n}"
    return proposal


def test_individual_name_is_masked(make_application, isp):
    n = next_n()
    subject = filed(make_application, individual_filing(n, isp.id))
    assert subject.nature == "个人"
    [row] = lookup(subject.filing_number).results
    assert row["subject_name"] == subject.name[0] + "*" * (len(subject.name) - 1)
    assert row["subject_name"] == mask_name(subject.name)
    assert subject.name not in json.dumps(lookup(subject.filing_number).results,
                                          ensure_ascii=False)


def test_mask_name():
    assert mask_name("王伟") == "王*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"


@pytest.mark.parametrize("nature", ["企业", "个人"])
def test_no_personal_contact_data_in_results(make_application, isp, nature):
    n = next_n()
    proposal = (individual_filing(n, isp.id) if nature == "个人"
                else sample_data.first_filing(n, [isp.id]))
    subject = filed(make_application, proposal)
    text = json.dumps(lookup(subject.filing_number).results, ensure_ascii=False)
    people = [subject.responsible] + [s.details["responsible"] for s in subject.services]
    secrets = {p[field] for p in people for field in ("mobile", "email", "cert_number", "name")}
    secrets.add(subject.address)
    if nature == "个人":
        secrets.add(subject.cert_number)
    for value in secrets:
        assert value not in text
    assert "responsible" not in text and "mobile" not in text and "email" not in text


@pytest.mark.parametrize("q, type_", [("", None), ("   ", None), ("a" * 254, None),
                                      ("site.example", "bogus"), ("foo..bar", None),
                                      ("http://site.example/", "domain"), ("晋ICP备123号", None),
                                      ("localhost", "domain")])
def test_malformed_query_is_validation_error(app, q, type_):
    with pytest.raises(ValidationError):
        lookup(q, type_=type_)


def test_pending_application_is_not_found(make_application):
    pending = make_application(state=State.REVIEW)
    domain = pending.proposed["services"][0]["domains"][0]
    assert lookup(domain).total == 0
    assert lookup(pending.proposed["subject"]["name"]).total == 0
    assert lookup(pending.proposed["services"][0]["name"], type_="service").total == 0


def test_pending_change_keeps_showing_the_approved_data(site, isp, reviewer):
    filer = site.subject.account
    new_domain = f"moved{next_n()}.example"
    data = dict(site.subject.applications.get().proposed["services"][0], service_id=site.id,
                domains=[new_domain], homepage=f"http://{new_domain}/")
    app = workflow.create_application(Kind.CHANGE_SERVICE, account=filer, actor=filer,
                                      proposed={"services": [data]}, service_id=site.id)
    workflow.submit_application(app.id, filer)
    old_domain = site.details["domains"][0]
    assert numbers(lookup(old_domain)) == [site.filing_number]
    assert lookup(new_domain).total == 0
    workflow.verify_application(app.id, isp.operator)
    confirm_all_sms(workflow.load_application(app.id))
    workflow.approve_application(app.id, reviewer)
    assert numbers(lookup(new_domain)) == [site.filing_number]
    assert lookup(old_domain).total == 0


def test_cancelled_and_revoked_services_are_not_found(make_application, isp, reviewer):
    cancelled, revoked = service_of(filed(make_application)), service_of(filed(make_application))
    app = workflow.create_application(Kind.CANCEL_SERVICE, account=cancelled.subject.account,
                                      actor=cancelled.subject.account,
                                      proposed={"reason": "关闭"}, service_id=cancelled.id)
    push_through(app.id, cancelled.subject.account, isp, reviewer)
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=revoked.subject_id)
    for service in (cancelled, revoked):
        assert lookup(service.details["domains"][0]).total == 0
        assert lookup(service.filing_number).total == 0
        assert lookup(service.subject.filing_number).total == 0
    assert lookup(revoked.subject.name).total == 0


def test_site_matching_several_of_its_domains_is_listed_once(make_application, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["services"][0]["domains"].append(f"www.site{n}.example")
    subject = filed(make_application, proposal)
    result = lookup(f"www.site{n}.example")
    assert result.total == 1 and numbers(result) == [service_of(subject).filing_number]


def test_approved_subject_rename_updates_the_lookup(make_application, isp, reviewer):
    subject = filed(make_application)
    old_name, new_name = subject.name, "晋阳新名称科技有限公司"
    data = dict(subject.applications.get().proposed["subject"], name=new_name)
    app = workflow.create_application(Kind.CHANGE_SUBJECT, account=subject.account,
                                      actor=subject.account, proposed={"subject": data})
    push_through(app.id, subject.account, isp, reviewer)
    assert numbers(lookup(new_name)) == [service_of(subject).filing_number]
    assert lookup(old_name, type_="subject").total == 0
    assert lookup(subject.filing_number).results[0]["subject_name"] == new_name


def test_name_prefix_search_finds_rare_characters(make_application, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["subject"]["name"] = f"晋源𠮷祥科技有限公司{n}"
    proposal["services"][0]["name"] = f"晋源𠮷祥美食网站{n}"
    subject = filed(make_application, proposal)
    assert numbers(lookup(proposal["subject"]["name"])) == [service_of(subject).filing_number]
    assert lookup("晋源", type_="subject").total == 1
    assert lookup("晋源", type_="service").total == 1


def test_json_api_has_no_personal_data(make_application, isp, client):
    n = next_n()
    subject = filed(make_application, individual_filing(n, isp.id))
    response = client.get("/api/v1/lookup", query_string={"q": subject.filing_number})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert json.loads(text)["total"] == 1
    person = subject.responsible
    for value in (person["mobile"], person["email"], person["cert_number"], subject.name):
        assert value not in text
    etag = response.headers["ETag"].strip('"')
    again = client.get("/api/v1/lookup", query_string={"q": subject.filing_number},
                       headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
    bad = client.get("/api/v1/lookup", query_string={"q": ""})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_query"


# -- the hot path: totals without a count query, compiled plans, index use -------

def test_totals_are_exact_on_every_page(make_application, isp):
    """The count query is skipped when the page tells the total; it must still be exact."""
    n = next_n()
    services = [sample_data.website(n + k * 100000, [isp.id]) for k in range(5)]
    subject = filed(make_application, sample_data.first_filing(n, [isp.id], services=services))
    for per_page in (1, 2, 4, 5, 6):
        for page in range(1, 8):
            result = lookup(subject.filing_number, page=page, per_page=per_page)
            assert result.total == 5, (per_page, page)
            assert len(result.results) == max(0, min(per_page, 5 - (page - 1) * per_page))
    assert lookup("absent.example", page=3).total == 0


@pytest.mark.parametrize("q", ["example.cn", "WWW.Example.CN.", "a-b.c-d.cn", "xn--fiqs8s.cn",
                               "ab--cd.cn", "a.1", "1.a", "a.-b", "a..cn", "x." + "a" * 63,
                               "x." + "a" * 64, "中国.cn", "a_b.cn", "Ｅxample．cn"])
def test_plain_domain_short_cut_agrees_with_normalise_domain(app, q):
    from portal.services.lookup import _normal_domain
    from portal.validators import normalise_domain

    def outcome(normalise):
        try:
            return normalise(q)
        except ValidationError as exc:
            return ("error", str(exc.message))
    assert outcome(_normal_domain) == outcome(normalise_domain)


def test_each_query_shape_is_compiled_once(site, monkeypatch):
    from portal.services import lookup as module
    lookup(site.details["domains"][0])
    built = []
    monkeypatch.setattr(module, "_query", lambda *a: built.append(a) or pytest.fail("rebuilt"))
    for _ in range(3):
        assert lookup(site.details["domains"][0]).total == 1
    assert built == []


@pytest.mark.parametrize("shape, n_args", [("domain", 2), ("service", 2), ("subject", 2),
                                           ("service_number", 1), ("subject_number", 1)])
def test_lookup_keys_drive_every_plan_without_statistics(app, shape, n_args):
    """A database never ANALYZEd must not scan the records: no full scan, and never the
    status or application indexes (which match nearly every row)."""
    from portal.db import db, is_sqlite
    from portal.services.lookup import _plan
    if not is_sqlite():
        pytest.skip("SQLite's planner")
    db.execute_sql("DROP TABLE IF EXISTS sqlite_stat1")
    db.execute_sql("ANALYZE sqlite_schema")     # reload: no statistics at all
    for count in (False, True):
        plan = _plan(db.obj, shape, n_args, False, count)
        values = ["x"] * n_args + ([] if count else [20, 0])
        steps = " | ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + plan.sql,
                                                             plan.params(values)))
        assert "SCAN" not in steps and "status" not in steps and "application" not in steps, steps


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_written_out_lookup_form_matches_the_form_class(app, client, lang):
    """lookup_form.html writes the fields out by hand: same labels, same choices."""
    import re

    from flask_babel import force_locale
    from tenants.public.forms import LookupForm
    html = client.get(f"/lookup?q=example.cn&kind=app&lang={lang}").get_data(as_text=True)
    options = re.findall(r'<option( selected)? value="([^"]*)">([^<]*)</option>', html)
    with app.test_request_context(), force_locale(lang):
        form = LookupForm()
        expected = [(" selected" if c.value == "app" else "", c.value, str(c.label))
                    for c in form.kind.choices]
        labels = [str(form.q.label.text), str(form.kind.label.text)]
    assert options == expected
    for label in labels:
        assert f">{label}</label>" in html
