"""The import's fast checks answer exactly as the validators and clean_proposal do:
portal.services.fast_validators on generated input, import_clean on import files."""
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from portal import enumerations as enums
from portal import sample_data
from portal import validators as v
from portal.errors import FormErrors, ValidationError
from portal.services import fast_validators as fast
from portal.services.import_clean import ImportLists, clean_filing
from portal.services.import_format import build_proposal, group_filings, parse_file
from portal.services.proposals import clean_proposal
from portal.states import Kind
from tests.portal.test_imports import BASE, import_row, to_csv

LABEL = st.text(alphabet="abxn019-ZÄ中", min_size=0, max_size=6)
DOMAIN = st.one_of(st.lists(LABEL, min_size=1, max_size=4).map(".".join),
                   st.from_regex(r"[a-z0-9-]{1,8}(\.[a-z0-9-]{1,8}){1,3}", fullmatch=True),
                   st.text(alphabet="ab.-:/ 1Z", max_size=12))
PATH = st.sampled_from(["", "/", "/a/b.html", "/?q=1", "/#top", "/%E4", ":8080/", ":80/x",
                        "/a b", "/~u/x-y_z"])


def same(fast_call, canonical_call):
    """Both return the same value, or both raise the same message."""
    try:
        expected = canonical_call()
    except ValidationError as exc:
        with pytest.raises(ValidationError) as caught:
            fast_call()
        assert str(caught.value.message) == str(exc.message)
        return
    assert fast_call() == expected


@given(DOMAIN)
@example("xn--fiqs8s.cn")
@example("ab--cd.example")
@example("a.123")
@example("a.1b2")
@example("Site.EXAMPLE")
@example("a" * 63 + ".cn")
@example("a" * 64 + ".cn")
@example(("abcdefghi." * 26)[:254])
@example("example.cn.")
def test_domains(text):
    same(lambda: fast.normalise_domain(text), lambda: v.normalise_domain(text))


@given(st.text(alphabet="aZ09._+-@xnç", max_size=14), DOMAIN)
@example("info", "mail.example")
@example("Info", "Mail.Example")
@example("a..b", "mail.example")
@example("a", "localhost")
@example("a", "x.test")
@example("a" * 65, "mail.example")
@example("a" * 64, ("b" * 60 + ".") * 3 + "cn")
@example("x", "xn--fiqs8s.cn")
def test_emails(local, domain):
    text = f"{local}@{domain}"
    checker = fast.EmailChecker()
    same(lambda: checker(text), lambda: v.validate_email(text))
    same(lambda: checker(text), lambda: v.validate_email(text))      # the cached host


@given(st.sampled_from(["http://", "https://", "HTTP://", "ftp://", ""]), DOMAIN, PATH,
       st.lists(DOMAIN, max_size=2))
@example("http://", "site1.example", "/", ["site1.example"])
@example("https://", "xn--fiqs8s.cn", "/", ["xn--fiqs8s.cn"])
@example("http://", "site1.example", ":80/", ["site1.example"])
def test_homepages(scheme, host, path, domains):
    url = scheme + host + path
    try:
        domains = [v.normalise_domain(d) for d in domains + [host]]
    except ValidationError:
        domains = []
    same(lambda: fast.validate_homepage(url, domains), lambda: v.validate_homepage(url, domains))
    same(lambda: fast.homepage_host(url), lambda: v.homepage_host(url))


@given(st.one_of(st.text(alphabet="美食分享网站abc.中国1 ", max_size=12), DOMAIN),
       st.lists(DOMAIN, max_size=2), st.sampled_from(["企业", "个人"]))
@example("site1.example", ["site1.example"], "企业")
@example("SITE1.example", ["site1.example"], "企业")
@example("中国.cn", ["xn--fiqs8s.cn"], "企业")
@example("美食分享网站", ["site1.example"], "个人")
def test_service_names(name, domains, nature):
    rules = enums.DEFAULTS["naming_rules"]
    try:
        domains = [v.normalise_domain(d) for d in domains]
    except ValidationError:
        domains = []
    same(lambda: fast.check_service_name(name, rules, nature, domains=domains),
         lambda: v.check_service_name(name, rules, nature, domains=domains))


def variants() -> list[dict]:
    """Rows the fast check should take (plain ones) and rows it must leave alone."""
    person = sample_data.person(BASE + 7)
    return [import_row(BASE), import_row(BASE + 1, subject_nature="个人",
                                         subject_name=person["name"],
                                         subject_cert_type="",
                                         subject_cert_number=person["cert_number"]),
            import_row(BASE + 2, website_domains=f"a{BASE}.example;b{BASE}.example;a{BASE}.example",
                       website_ips="", subject_mailing_address=""),
            import_row(BASE + 3, email=f"Info@Mail{BASE}.Example",
                       subject_responsible_email="Info@mail.example"),
            import_row(BASE + 4, website_domains="中国.cn", website_homepage="http://中国.cn/"),
            import_row(BASE + 5, website_location="其它"),
            import_row(BASE + 6, website_content_category="新闻"),
            import_row(BASE + 7, website_homepage=f"https://site{BASE + 7}.example:443/x?y=1"),
            import_row(BASE + 8, website_name=f"site{BASE + 8}.example"),
            import_row(BASE + 9, subject_cert_type="护照"),
            import_row(BASE + 10, website_responsible_name="李四",
                       website_responsible_cert_number=person["cert_number"],
                       website_responsible_mobile="+86 139 1234 5678",
                       website_responsible_email="li@mail.example")]


@pytest.mark.parametrize("index", range(11))
def test_clean_filing_is_clean_proposal_or_leaves_it_the_decision(app, isp, index):
    rows, _ = parse_file(to_csv([variants()[index]]), "csv")
    (filing,) = group_filings(rows)
    proposed = build_proposal(filing, isp.id)
    fast_answer = clean_filing(proposed, ImportLists.load(isp.id))
    try:
        expected = clean_proposal(Kind.FIRST_FILING, proposed)
    except FormErrors:
        assert fast_answer is None
        return
    assert fast_answer is None or fast_answer == expected
    if index in (0, 1, 2, 10):               # plain rows: the fast check answers itself
        assert fast_answer == expected


def test_a_suspended_isp_is_left_to_clean_proposal(app, isp):
    isp.is_suspended = True
    isp.save()
    rows, _ = parse_file(to_csv([import_row(BASE)]), "csv")
    proposed = build_proposal(group_filings(rows)[0], isp.id)
    assert clean_filing(proposed, ImportLists.load(isp.id)) is None
