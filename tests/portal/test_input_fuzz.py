"""Any input, never a crash: the validators and the import parsers return a value or
raise the portal's ValidationError, nothing else.

tests/portal/test_validators.py already feeds short text to the main validators and
test_import_checks.py compares the import's fast checks with them; this adds every
validator, any Unicode (lone surrogates included), huge values, values of the wrong
type (as JSON brings them), and arbitrary bytes in every encoding to the import file
reader, the proposal builder and the whole dry-run import."""
import json
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal import validators as v
from portal.errors import FormErrors, ValidationError
from portal.services import fast_validators as fast
from portal.services.import_format import (
    COLUMNS,
    build_proposal,
    check_duplicates,
    detect_format,
    group_filings,
    parse_file,
    row_domains,
)
from portal.services.imports import run_import
from portal.services.proposals import clean_proposal
from portal.states import Kind

RULES = {"min_chinese_chars": 3, "forbidden_prefixes": ["中国", "国家"],
         "individual_forbidden_words": ["公司", "官方"]}
CERT_TYPES = ["统一社会信用代码", "居民身份证", "护照", "军官证", "", "其他"]
TODAY = date(2026, 3, 2)

def _per(kinds, make) -> dict:
    """{label: validator} for each of `kinds` (a function per kind, bound at once)."""
    return {f"{label} {kind}": func for kind in kinds for label, func in make(kind).items()}


VALIDATORS = {
    "credit_code": v.validate_credit_code, "resident_id": v.validate_resident_id,
    "mobile": v.validate_mobile, "landline": v.validate_landline, "email": v.validate_email,
    "address": lambda x: v.validate_address_in_province(x, "山西省"),
    "domain": v.normalise_domain, "display_domain": v.display_domain,
    "ip": v.validate_ip, "ip_private": lambda x: v.validate_ip(x, allow_private=True),
    "homepage": lambda x: v.validate_homepage(x, ["example.cn", "例子.中国"]),
    "homepage_host": v.homepage_host, "filing_number": v.parse_filing_number,
    "filing_number_like": v.is_filing_number_like, "licence": v.parse_licence_number,
    "cert_number": v.normalise_cert_number, "name": v.normalise_name,
    "fast domain": fast.normalise_domain,
    "fast homepage": lambda x: fast.validate_homepage(x, ["example.cn"]),
    "fast homepage_host": fast.homepage_host,
    "fast service name": lambda x: fast.check_service_name(x, RULES, "个人", ["example.cn"]),
    **_per(CERT_TYPES, lambda t: {
        "certificate": lambda x: v.validate_certificate(t, x),
        "division": lambda x: v.division_code_of(t, x),
        "fast certificate": lambda x: fast.validate_certificate(t, x, TODAY)}),
    **_per(("个人", "企业"), lambda n: {
        "service name": lambda x: v.check_service_name(x, RULES, n, domains=["example.cn"])}),
}
# Values as a JSON body or import brings them: any text, and any other JSON type.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=300)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=12)
HUGE = ["9" * 5000, "a" * 1_000_000, "中" * 200_000, "." * 70_000, "1." * 50_000,
        "http://" + "a." * 40_000 + "cn/", "\x00" * 10_000, "\ud800" * 1000,
        "xn--" + "a" * 100_000, "@" * 100_000, "a@" + "b" * 300_000 + ".cn"]


# Helpers typed for text (they run on values a validator has already made text).
TEXT_ONLY = {"half_width": v.to_half_width}


def never_crashes(func, value):
    try:
        func(value)
    except ValidationError:
        pass


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@settings(max_examples=60, deadline=None)
@given(value=st.one_of(ANY_TEXT, JSON_VALUES))
def test_a_validator_answers_any_value(name, value):
    never_crashes(VALIDATORS[name], value)


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_a_text_helper_answers_any_text(value):
    for func in TEXT_ONLY.values():
        never_crashes(func, value)


@pytest.mark.parametrize("value", HUGE, ids=lambda x: f"{x[:6]!r}x{len(x)}")
def test_every_validator_answers_a_huge_value(value):
    for func in [*VALIDATORS.values(), *TEXT_ONLY.values()]:
        never_crashes(func, value)


# -- the import file ---------------------------------------------------------------

ROW = {c: "" for c in COLUMNS}
CSV_HEADER = ",".join(COLUMNS) + "\n"


def csv_cells(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


TEXT_FILES = st.one_of(
    ANY_TEXT,
    st.lists(st.lists(ANY_TEXT, max_size=len(COLUMNS) + 2), max_size=5).map(
        lambda rows: CSV_HEADER + "\n".join(csv_cells(r) for r in rows)),
    st.lists(st.dictionaries(st.sampled_from(COLUMNS + ("x",)), JSON_VALUES), max_size=4).map(
        lambda items: json.dumps(items, ensure_ascii=False)),
    JSON_VALUES.map(json.dumps))
def _encode(text: str, encoding: str) -> bytes:
    """Lone surrogates kept where UTF can carry them (invalid UTF-8 on disk)."""
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "latin-1"])
FILES = st.one_of(st.binary(max_size=2000),
                  st.tuples(TEXT_FILES, ENCODINGS).map(lambda pair: _encode(*pair)))
BIG_FILES = [
    b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'[{"username": ' * 50_000,
    b"{" * 1000 + b"}", ("[" + "1" * 10_000 + "]").encode(),
    (CSV_HEADER + '"' + "a" * 200_000 + '"\n').encode(),
    (CSV_HEADER + "a," * 100_000 + "\n").encode(), (CSV_HEADER + "\x00,\x00\n").encode(),
    (CSV_HEADER + '"unclosed\n').encode(), b"\xef\xbb\xbf" + b"\xff" * 10,
    json.dumps([{**ROW, "website_domains": ["a"] * 10_000}]).encode(),
    json.dumps([{**ROW, "username": "u", "website_domains": "x." * 20_000 + "cn"}]).encode(),
]


def read_file(data: bytes):
    """The reader and the in-file steps of an import, as run_import runs them."""
    for fmt in ("csv", "json", detect_format(data)):
        rows, errors = parse_file(data, fmt)
        assert all(set(e) == {"row", "field", "message"} for e in errors)
        filings = group_filings(rows)
        check_duplicates(filings)
        for filing in filings:
            row_domains(filing.first)
            build_proposal(filing, 1)


@settings(max_examples=300, deadline=None)
@given(FILES)
@example(b"")
@example("username\n".encode("utf-16"))
def test_the_import_reader_answers_any_file(data):
    read_file(data)


@pytest.mark.parametrize("data", BIG_FILES, ids=lambda d: f"{d[:8]!r}x{len(d)}")
def test_the_import_reader_answers_huge_and_deep_files(data):
    read_file(data)


# -- with the database: the proposal check and the whole dry run --------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={
    "subject": JSON_VALUES | st.fixed_dictionaries({}, optional={
        k: JSON_VALUES for k in ("nature", "name", "cert_type", "cert_number", "address",
                                 "responsible")}),
    "services": JSON_VALUES | st.lists(st.fixed_dictionaries({}, optional={
        k: JSON_VALUES for k in ("kind", "name", "domains", "homepage", "ips", "location",
                                 "isps", "content_category", "responsible")}), max_size=2)})))
def test_a_proposal_of_any_shape_is_cleaned_or_refused(app, proposed):
    with app.test_request_context():
        try:
            clean_proposal(Kind.FIRST_FILING, proposed)
        except FormErrors:
            pass


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(FILES)
def test_a_dry_run_import_of_any_file_reports(app, isp, data):
    with app.test_request_context():
        report = run_import(isp.id, isp.operator, data, dry_run=True)
    assert report.created == 0 and (report.errors or report.total)


@pytest.mark.parametrize("proposed, path", [
    ({"subject": True}, "subject"), ({"services": 5}, "services"),
    ({"services": ["x"]}, "services.0"), ({"services": [{"isps": [":"]}]}, "services.0.isps.0"),
    ({"services": [{"isps": [2**40]}]}, "services.0.isps.0"),
    ({"services": [{"isps": ["²"]}]}, "services.0.isps.0"), ([], "proposal")])
def test_a_wrong_shape_names_its_path(app, proposed, path):
    with app.test_request_context(), pytest.raises(FormErrors) as caught:
        clean_proposal(Kind.FIRST_FILING, proposed)
    assert path in caught.value.errors
