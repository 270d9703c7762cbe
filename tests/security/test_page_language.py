"""Every page in both languages, and a label on every input (issue 8, "Language and
access"). Each GET page of the URL map (the crawl's table) is rendered as its rightful
actor with the world's data:

- in `?lang=en` its visible text has no Chinese (Han) character, once the world's own data
  is taken out: every string stored in any table that contains a Han character (names,
  addresses, proposals, enumeration entries such as "企业" or "网站", announcements, audit
  reasons, settings such as the province abbreviation; JSON fields walked to their
  strings) is data someone typed, not page chrome, so it is removed before the check
  (single characters only where they are a whole text); so are filing numbers
  ("晋ICP备20260001号-1", a legal format), masked names of the public lookup (data with
  "*" in it) and the "中文" of the language switch. Full-width punctuation ("：", "（）")
  is not counted (a Han character is);
- in `?lang=zh_CN` it has no untranslated English word: Latin words outside code
  (code/kbd/samp/pre), commands ("flask worker"), HTTP header names (X-ICP-Timestamp),
  URLs, e-mail addresses, domain names and file extensions, codes
  (anything with a digit, "_" or "."), words that occur in the world's data (status
  codes, usernames) and the technical names and brands of ALLOWED are reported;
- every visible input, select and textarea has a label (label[for], a wrapping label,
  aria-label or aria-labelledby).
"""
import json
import re

import pytest

from portal.models import ALL_MODELS
from tests.security.crawl import ALL_CASES, build, cases_of, rightful, route_keys
from tests.security.html_text import parse

KINDS = ("public", "filer", "isp", "bureau")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FILING_NUMBER = re.compile(r"[\u3400-\u9fff]ICP备\d+号(-\d+)?")
MASKED = re.compile(r"[\u3400-\u9fff\w]*\*+[\u3400-\u9fff\w*]*")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
NOT_WORDS = re.compile(r"flask [\w-]+|X-[\w-]+|https?://[\w./?=&%#:-]*|[\w.+-]+@[\w.-]+"
                       r"|[\w-]*(\.[\w-]+)+|\S*[\d_]\S*")
# Technical names and brands, written the same in Chinese text.
ALLOWED = {
    "API", "APP", "APPs", "IP", "IPv", "ICP", "HTTP", "HTTPS", "URL", "JSON", "CSV", "PDF",
    "PNG", "JPG", "JPEG", "UTF", "BOM", "SMS", "Webhook", "Webhooks", "HMAC", "SHA", "PEM",
    "English", "OpenAPI", "Bearer", "Android", "iOS", "HarmonyOS", "TOTP", "QR", "ID", "DNS",
    "TXT", "Excel", "Ed", "Token", "ISP", "CA", "X-ICP-Event-Id", "Authorization", "Content-Type",
    "Chrome", "Edge", "Firefox", "Safari", "WiFi", "Wi-Fi", "WeChat", "App", "POST", "GET",
    "Ctrl", "Mac", "KB", "MB", "http", "https", "BA", "AppID", "SDK", "Unix", "Google",
    "Microsoft", "Authenticator",
}


def data_strings() -> list[str]:
    """Every string stored in the world's tables (JSON walked), longest first."""
    found = set()

    def walk(value):
        if isinstance(value, str):
            if value[:1] in "[{":
                try:
                    return walk(json.loads(value))
                except ValueError:
                    pass
            if value.strip():
                found.add(value.strip())
                found.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 2)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
    for model in ALL_MODELS:
        for row in model.select().tuples():
            walk(list(row))
    return sorted(found, key=len, reverse=True)


def han_chrome(texts: list[str], data: list[str]) -> list[str]:
    """The texts with the world's Chinese data taken out (see the module docstring)."""
    han = [v for v in data if HAN.search(v)]
    left = []
    for text in texts:
        if text in han or text in ("中文",) or text in SINGLE:
            continue
        for value in han:
            if len(value) >= 2 and value in text:
                text = text.replace(value, " ")
        left.append(MASKED.sub(" ", FILING_NUMBER.sub(" ", text)))
    return [t.strip() for t in left if HAN.search(t)]


def data_words(data: list[str]) -> set:
    return {w for v in data for w in LATIN_WORD.findall(v)}


SINGLE = set()   # filled per test by test_english_pages_have_no_chinese_chrome


def pages(world, kind):
    """(key, actor, url) of each GET HTML page of this kind, for one rightful actor."""
    routes = route_keys(world.app)
    for key in cases_of(kind):
        case = ALL_CASES[key]
        if key not in routes or key.startswith("GET /static") or "/testing/" in key:
            continue
        probe = rightful(case)[0]
        url, _, _ = build(case, key.split(" ", 1)[1], probe, world.ids)
        yield key, probe.actor, url


def render(world, actor, url, lang):
    response = world.client(actor).get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    html = response.get_data(as_text=True)
    response.close()
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    return parse(html)


@pytest.mark.parametrize("kind", KINDS)
def test_english_pages_have_no_chinese_chrome(world, kind):
    data, problems = data_strings(), []
    SINGLE.clear()
    SINGLE.update(v for v in data if len(v) == 1)
    for key, actor, url in pages(world, kind):
        page = render(world, actor, url, "en")
        if page is None:
            continue
        chinese = sorted(set(han_chrome(page.texts, data)))
        if chinese:
            problems.append(f"{key} ({actor}): {chinese}")
    assert problems == [], "Chinese in English pages:\n" + "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS)
def test_chinese_pages_have_no_english_chrome(world, kind):
    known, problems = data_words(data_strings()) | ALLOWED, []
    for key, actor, url in pages(world, kind):
        page = render(world, actor, url, "zh_CN")
        if page is None:
            continue
        words = set()
        for text in page.texts:
            words.update(w for w in LATIN_WORD.findall(NOT_WORDS.sub(" ", text))
                         if w not in known)
        if words:
            problems.append(f"{key} ({actor}): {sorted(words)}")
    assert problems == [], "English in Chinese pages:\n" + "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS)
def test_every_input_has_a_label(world, kind):
    problems = []
    for key, actor, url in pages(world, kind):
        for lang in ("zh_CN",):
            page = render(world, actor, url, lang)
            if page is not None and page.unlabelled():
                problems.append(f"{key} ({actor}): {page.unlabelled()}")
    assert problems == [], "inputs without a label:\n" + "\n".join(problems)


def test_the_label_check_can_fail():
    page = parse('<label for="a">A</label><input id="a" name="a"><label>B <select name="b">'
                 '</select></label><input type="hidden" name="h"><textarea name="c"></textarea>'
                 '<input name="d" aria-label="D"><span id="e">E</span>'
                 '<input name="f" aria-labelledby="e"><input name="g" aria-labelledby="zz">')
    assert page.unlabelled() == ["<textarea name='c' id=None>", "<input name='g' id=None>"]
