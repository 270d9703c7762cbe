"""Validators: real-format examples, one refusal per rule, and fuzzing for stray exceptions."""
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from portal.errors import ValidationError
from portal.validators import (
    FilingNumber, check_service_name, display_domain, division_code_of, format_service_number,
    format_subject_number, homepage_host, is_filing_number_like, make_credit_code,
    make_resident_id, normalise_cert_number, normalise_domain, normalise_name,
    parse_filing_number, parse_licence_number, validate_address_in_province,
    validate_certificate, validate_credit_code, validate_email, validate_homepage, validate_ip,
    validate_landline, validate_mobile, validate_resident_id)

TODAY = date(2026, 1, 1)
CREDIT = make_credit_code("91140100MA0K12345")
RULES = {"min_chinese_chars": 3, "forbidden_prefixes": ["中国", "中华", "中央", "人民", "国家"],
         "individual_forbidden_words": ["公司", "企业", "政府", "官方", "协会", "中心", "门户"],
         "examples": {"accepted": ["张三的个人博客", "山西美食分享"],
                      "refused": ["中国新闻网", "abc123", "www.example.cn"]}}


def refused(func, *args, match=None, **kwargs):
    with pytest.raises(ValidationError, match=match):
        func(*args, **kwargs)


def test_credit_alphabet_has_31_symbols():
    """Mod 31 needs 31 check symbols: M is in, I O S V Z are out; index 30 is Y."""
    assert make_credit_code("91140100700000005") == "91140100700000005Y"


# Real codes from business licences (Huawei, Alibaba) and the GB 32100 example (with M).
@pytest.mark.parametrize("code", [
    "914403001922038216", "91330100716105852F", "91350100M000100Y43", CREDIT,
    make_credit_code("12140000012345678"), " ９１３３０１００７１６１０５８５２ｆ "])
def test_credit_code_valid(code):
    assert validate_credit_code(code) == normalise_cert_number(code)


@pytest.mark.parametrize("code, reason", [
    ("", "请填写"), ("91330100716105852", "18位"), ("91330100716105852FF", "18位"),
    ("91330100716105852G", "校验位"), ("9133010071610585IF", "不允许的字符"),
    ("0" + CREDIT[1:], "第1位"), ("90" + CREDIT[2:], "第2位"),
    (make_credit_code("9114AB00MA0K12345"), "第3至8位")])
def test_credit_code_invalid(code, reason):
    refused(validate_credit_code, code, match=reason)


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x",
                                    make_resident_id("14010519000101123"),
                                    make_resident_id("14010520000229123"),
                                    make_resident_id("14010520260101123")])
def test_resident_id_valid(number):
    assert validate_resident_id(number, today=TODAY) == number.upper()


@pytest.mark.parametrize("number, reason", [
    ("110105194912310021", "校验位"), ("1101051949123100", "18位"), ("11010519491231002Y", "17位数字"),
    (make_resident_id("14010520010229123"), "不是有效日期"),
    (make_resident_id("14010520260102123"), "不合理"), (make_resident_id("14010518991231123"), "不合理")])
def test_resident_id_invalid(number, reason):
    refused(validate_resident_id, number, today=TODAY, match=reason)


@pytest.mark.parametrize("cert_type, number, expected", [
    ("统一社会信用代码", CREDIT.lower(), CREDIT), ("居民身份证", "11010519491231002x", "11010519491231002X"),
    ("护照", " e12345678 ", "E12345678"), ("港澳居民来往内地通行证", "H1234567801", "H1234567801"),
    ("外国人永久居留身份证", "USA110012345678", "USA110012345678"),
    ("事业单位法人证书", "114010001234", "114010001234"),
    ("台湾居民来往大陆通行证", "ｔ-01234567", "T-01234567")])
def test_certificate_dispatch(cert_type, number, expected):
    assert validate_certificate(cert_type, number) == expected


@pytest.mark.parametrize("cert_type, number", [
    ("护照", "E12"), ("护照", "E1234-5678"), ("护照", "E" * 21), ("军官证", "1234"),
    ("军官证", "军字第12345号"), ("组织机构代码证", "1" * 31), ("统一社会信用代码", "11010519491231002X")])
def test_certificate_dispatch_invalid(cert_type, number):
    refused(validate_certificate, cert_type, number)


@pytest.mark.parametrize("cert_type, number, expected", [
    ("统一社会信用代码", CREDIT, "140100"), ("居民身份证", "11010519491231002X", "110105"),
    ("护照", "E12345678", None), ("居民身份证", "1101", None)])
def test_division_code_of(cert_type, number, expected):
    assert division_code_of(cert_type, number) == expected


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "0086-13812345678",
                                   "8613812345678", "１３８１２３４５６７８"])
def test_mobile_valid(value):
    assert validate_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", ["", "12812345678", "1381234567", "138123456789",
                                   "+8513812345678",
                                   "0351-8788032", "1381234567a"])
def test_mobile_invalid(value):
    refused(validate_mobile, value)


@pytest.mark.parametrize("value, expected", [
    ("0351-8788032", "0351-8788032"), ("03518788032", "0351-8788032"),
    ("(010) 62345678", "010-62345678"), ("010-62345678-801", "010-62345678-801"),
    ("0351-8788032转8", "0351-8788032-8"), ("8788032", "8788032")])
def test_landline_valid(value, expected):
    assert validate_landline(value) == expected


@pytest.mark.parametrize("value", ["", "0351-878803", "0351-187880321", "13812345678",
                                   "351-8788032"])
def test_landline_invalid(value):
    refused(validate_landline, value)


def test_email():
    assert validate_email(" li.lei@Example.CN ") == "li.lei@example.cn"
    for bad in ["", "li.lei", "li lei@example.cn", "li@@example.cn", "li@example"]:
        refused(validate_email, bad, match="电子邮箱")


def test_address_in_province():
    assert validate_address_in_province(" 山西省太原市小店区 长风街1号 ", "山西省") == "山西省太原市小店区 长风街1号"
    refused(validate_address_in_province, "太原市小店区长风街1号", "山西省", match="居住证")
    refused(validate_address_in_province, "山西", "山西省", match="5至200")
    refused(validate_address_in_province, "  ", "山西省", match="请填写")


@pytest.mark.parametrize("value, expected", [
    ("中国.cn", "xn--fiqs8s.cn"), ("Example.COM.", "example.com"),
    ("ＷＷＷ．例子。中国", "www.xn--fsqu00a.xn--fiqs8s"),
    ("xn--fiqs8s.cn", "xn--fiqs8s.cn"), ("a-b.1c.cn", "a-b.1c.cn"),
    ("a" * 63 + ".cn", "a" * 63 + ".cn")])
def test_normalise_domain(value, expected):
    assert normalise_domain(value) == expected


@pytest.mark.parametrize("value, reason", [
    ("", "请填写"), ("http://example.cn", "协议"), ("example.cn/a", "路径"), ("example.cn:8080", "端口"),
    ("a@example.cn", "@"), ("exa mple.cn", "空格"), ("localhost", "两级"), ("example..cn", "空的"),
    ("-ab.cn", "开头或结尾"), ("ab-.cn", "开头或结尾"), ("a_b.cn", "字母、数字"), ("a" * 64 + ".cn", "63"),
    ("1.2.3.4", "顶级域"), (("a" * 60 + ".") * 5 + "cn", "253"), ("ab--cd.cn", "不是有效")])
def test_normalise_domain_invalid(value, reason):
    refused(normalise_domain, value, match=reason)


def test_display_domain():
    assert display_domain("xn--fiqs8s.cn") == "中国.cn"
    assert display_domain("xn--zz.cn") == "xn--zz.cn"


@pytest.mark.parametrize("value, expected", [
    ("1.1.1.1", "1.1.1.1"), (" 8.8.4.4 ", "8.8.4.4"), ("240E:0000:0000::0001", "240e::1"),
    ("2400:3200::1", "2400:3200::1")])
def test_ip_public(value, expected):
    assert validate_ip(value) == expected


@pytest.mark.parametrize("value", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "240.0.0.1", "192.0.2.10", "198.51.100.7", "203.0.113.5", "::1", "fe80::1",
    "fc00::1", "ff02::1", "2001:db8::1", "::ffff:10.0.0.1", "::"])
def test_ip_not_public(value):
    refused(validate_ip, value, match="公网")
    assert validate_ip(value, allow_private=True)


@pytest.mark.parametrize("value", ["", "1.2.3", "256.1.1.1", "01.2.3.4", "fe80::1%eth0",
                                   "example.cn"])
def test_ip_malformed(value):
    refused(validate_ip, value, allow_private=True, match="不是有效的IP地址")


@pytest.mark.parametrize("url, expected", [
    ("www.example.cn", "http://www.example.cn"), ("HTTPS://WWW.Example.CN:443/index.html?x=1",
                                                 "https://www.example.cn/index.html"),
    ("http://中国.cn:8080/", "http://xn--fiqs8s.cn:8080/"),
    ("www.example.cn/go?to=http://x.cn", "http://www.example.cn/go")])
def test_homepage_valid(url, expected):
    assert validate_homepage(url, ["www.example.cn", "中国.cn"]) == expected


@pytest.mark.parametrize("url, reason", [
    ("http://other.cn/", "不是本网站的域名"), ("ftp://www.example.cn/", "http"),
    ("http://user:pw@www.example.cn/", "用户名"), ("http://[::1]/", "有效的域名"),
    ("http://www.example.cn:99999/", "格式不正确"), ("http://www.example .cn", "空格"), ("", "请填写")])
def test_homepage_invalid(url, reason):
    refused(validate_homepage, url, ["www.example.cn"], match=reason)


def test_homepage_host():
    assert homepage_host("https://WWW.中国.cn/a") == "www.xn--fiqs8s.cn"


@pytest.mark.parametrize("value, expected", [
    ("晋ICP备2026000123号", FilingNumber("晋", 2026, 123)),
    (" 晋ICP备2026000123号-1 ", FilingNumber("晋", 2026, 123, 1, "website")),
    ("晋ICP备2026000123号－2a", FilingNumber("晋", 2026, 123, 2, "app")),
    ("晋ICP备２０２６０００１２３号-3X", FilingNumber("晋", 2026, 123, 3, "miniprogram")),
    ("晋icp备2026000123号-4K", FilingNumber("晋", 2026, 123, 4, "quickapp")),
    ("晋ICP备05001234号", FilingNumber("晋", None, 5001234))])
def test_parse_filing_number(value, expected):
    assert parse_filing_number(value) == expected


@pytest.mark.parametrize("value", [
    "", "晋ICP备2026000123", "ICP备2026000123号", "晋ICP备202600012号", "晋ICP备20260001234号",
    "晋ICP证2026000123号", "晋ICP备2026000123号-0", "晋ICP备2026000123号-1B", "晋ICP备2026000123号-",
    "JICP备2026000123号", "晋ICP备٢٠٢٦000123号"])
def test_parse_filing_number_invalid(value):
    refused(parse_filing_number, value, match="备案号格式不正确")


@pytest.mark.parametrize("kind, suffix", [("website", ""), ("app", "A"), ("miniprogram", "X"),
                                          ("quickapp", "K"), (None, "")])
def test_format_numbers_round_trip(kind, suffix):
    subject = format_subject_number("晋", 2026, 123)
    assert subject == "晋ICP备2026000123号"
    number = format_service_number(subject, 7, kind)
    assert number == f"{subject}-7{suffix}"
    assert parse_filing_number(number).subject_number == subject
    assert format_subject_number("晋", None, 5001234) == "晋ICP备05001234号"


@pytest.mark.parametrize("value, expected", [
    ("京ICP证030173号", "京ICP证030173号"), (" b2-20090001 ", "B2-20090001"),
    ("粤B2-20090059", "粤B2-20090059")])
def test_licence_number(value, expected):
    assert parse_licence_number(value) == expected


@pytest.mark.parametrize("value", ["", "京ICP备030173号", "C2-20090001", "B2-2009001", "京ICP证03017号"])
def test_licence_number_invalid(value):
    refused(parse_licence_number, value, match="经营许可证")


def test_is_filing_number_like():
    assert is_filing_number_like("晋ICP备2026000123号-1")
    assert is_filing_number_like("晋ｉｃｐ备")
    assert not is_filing_number_like("山西美食分享") and not is_filing_number_like(None)


@pytest.mark.parametrize("name", RULES["examples"]["accepted"] + ["山西省人民医院官网", "晋味 Food 分享"])
def test_service_name_accepted(name):
    assert check_service_name(f" {name} ", RULES, "企业") == name


@pytest.mark.parametrize("name, nature, kwargs, reason", [
    ("", "企业", {}, "请填写"), ("山", "企业", {}, "2至50"), ("山" * 51, "企业", {}, "2至50"),
    ("12345", "企业", {"registered_name": True}, "只由数字"), ("abc123", "企业", {}, "字母或数字"),
    ("山西a", "企业", {}, "3个汉字"), ("example.cn", "企业", {"domains": ["example.cn"]}, "直接使用域名"),
    ("中国.cn", "企业", {"domains": ["xn--fiqs8s.cn"]}, "直接使用域名"),
    ("www.example.cn", "企业", {}, "域名或网址"), ("http://山西美食", "企业", {}, "域名或网址"),
    ("中国新闻网", "企业", {}, "“中国”开头"), ("国家美食分享", "个人", {}, "“国家”开头"),
    ("张三的美食公司", "个人", {}, "“公司”"), ("张三官方门户网", "个人", {}, "“官方”")])
def test_service_name_refused(name, nature, kwargs, reason):
    refused(check_service_name, name, RULES, nature, match=reason, **kwargs)


def test_service_name_exceptions():
    assert check_service_name("中国科学院网站", RULES, "事业单位", is_national_body=True) == "中国科学院网站"
    assert check_service_name("Lenovo", RULES, "企业", registered_name=True) == "Lenovo"
    assert check_service_name("美食中心分享", RULES, "企业") == "美食中心分享"


def test_service_name_rule_examples():
    for name in RULES["examples"]["refused"]:
        refused(check_service_name, name, RULES, "个人")


def test_normalise_name():
    assert normalise_name("  山西　美食\t分享 ＡＢＣ ") == "山西 美食 分享 abc"


VALIDATORS = [validate_credit_code, validate_resident_id, validate_mobile, validate_landline,
              validate_email, normalise_domain, validate_ip, parse_filing_number,
              parse_licence_number, lambda v: validate_homepage(v, ["www.example.cn"]),
              lambda v: validate_address_in_province(v, "山西省"),
              lambda v: check_service_name(v, RULES, "个人", domains=["example.cn"]),
              lambda v: validate_certificate("护照", v), lambda v: validate_certificate("军官证", v)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.sampled_from(VALIDATORS))
def test_validators_raise_only_validation_error(text, validator):
    try:
        validator(text)
    except ValidationError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9A-Za-z中国.\-。：/@ ]{0,40}", fullmatch=True))
def test_domain_like_text(text):
    try:
        assert normalise_domain(text) == normalise_domain(normalise_domain(text))
    except ValidationError:
        pass
