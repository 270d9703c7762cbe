"""The English catalogue: complete, placeholders intact, in step with the source, and
served for ?lang=en (kept in the session) or Accept-Language, Chinese otherwise.

The .mo files are build output (not committed; scripts/install.sh compiles them). The
`compiled_catalogue` fixture compiles the English one here when it is missing or older
than its .po, so these tests also pass on a fresh clone."""
import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:   # Babel < 2.15
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# A %-conversion: optional (name), flags, width, precision, then the conversion
# character; a stray "%" (e.g. "50% off") is caught too, as "%" plus what follows.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?.?", re.S)
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
# Data rather than chrome: the link back to Chinese is labelled in Chinese on purpose,
# and filing numbers (晋ICP备2026000001号-1A, 京ICP证030173号) are Chinese by nature.
SWITCHER = re.compile(r">\s*中文\s*</a>")
FILING_NUMBER = re.compile("[\u4e00-\u9fff]ICP[备证]\\d+号(?:-\\d+[A-Z])?")


@pytest.fixture(scope="session")
def catalogue():
    with PO.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue(catalogue):
    """Compile the .mo if it is missing or stale (atomically: xdist workers may race),
    and drop Flask-Babel's process-wide cache, which may hold an empty catalogue."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        tmp = MO.with_name(f"{MO.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalogue)
        os.replace(tmp, MO)
    from portal.extensions import babel
    domain = vars(babel).get("domain_instance")   # a cached_property, made on first use
    if domain is not None:
        domain.cache.clear()
    return MO


def _placeholders(text: str) -> list:
    return sorted(PLACEHOLDER.findall(text))


def _chrome(html: str) -> str:
    """The page minus the language switcher's 中文 label and filing-number examples."""
    return FILING_NUMBER.sub("", SWITCHER.sub("></a>", html))


def _han(html: str) -> list:
    return sorted(set(HAN.findall(_chrome(html))))


# -- the catalogue ------------------------------------------------------------

def test_catalogue_header_is_english_utf8_with_english_plurals(catalogue):
    assert str(catalogue.locale) == "en"
    assert catalogue.charset.lower() == "utf-8"
    assert catalogue.num_plurals == 2 and catalogue.plural_expr == "(n != 1)"
    assert not catalogue.fuzzy


def test_every_message_is_translated_with_identical_placeholders(catalogue):
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 100
    problems = []
    for m in messages:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            problems.append(("fuzzy", ids[0]))
        for i, string in enumerate(strings):
            source = ids[min(i, len(ids) - 1)]
            if not (string or "").strip():
                problems.append(("empty", source))
            elif _placeholders(string) != _placeholders(source):
                problems.append(("placeholders", source, string))
    assert problems == []
    assert [err for _, errs in catalogue.check() for err in errs] == []


def test_catalogue_covers_every_string_in_the_source(catalogue):
    """Run the extraction babel.cfg describes; every msgid must be in the en catalogue
    (else: extract, update, translate, compile -- see translations/README.md)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {msgid for _, _, msgid, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS)}
    extracted = {m if isinstance(m, str) else m[0] for m in extracted}
    translated = {m.id if isinstance(m.id, str) else m.id[0]
                  for m in catalogue if m.id and m.string}
    assert sorted(extracted - translated) == []


def test_compiled_catalogue_translates(compiled_catalogue):
    from babel.support import Translations
    with compiled_catalogue.open("rb") as f:
        translations = Translations(f)
    assert translations.gettext("是否备案？") == "Is it filed?"
    assert translations.gettext("待管局审核") == "Awaiting bureau review"


# -- pages --------------------------------------------------------------------

def test_home_page_in_english_has_no_chinese_chrome(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Is it filed?" in html and "Filing lookup" in html and "Access provider" in html
    assert 'href="?lang=zh_CN"' in html and "中文" in html
    assert "是否备案" not in html
    assert _han(html) == []


@pytest.mark.parametrize("url,title", [("/login", "Filer login"),
                                       ("/isp/login", "Access provider login"),
                                       ("/bureau/login", "Bureau staff login")])
def test_login_pages_in_english(client, url, title):
    html = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert title in html and "Username" in html and "Password" in html and "Log in" in html
    assert _han(html) == []


def test_messages_from_python_are_translated(client, login):
    _page(client, "/login?lang=en")
    html = login("nobody", "wrong password here").get_data(as_text=True)
    assert "Incorrect username or password" in html and "用户名或密码错误" not in html


def test_home_page_defaults_to_chinese(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "是否备案" in html and "备案查询" in html and 'href="?lang=en">English</a>' in html
    assert "Is it filed" not in html


def test_accept_language_selects_english(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Is it filed?" in html


def _page(client, url):
    return client.get(url).get_data(as_text=True)


def test_language_choice_is_kept_in_the_session(client):
    assert "Is it filed?" in _page(client, "/?lang=en")
    assert "Filer login" in _page(client, "/login")
    assert "Is it filed?" in _page(client, "/")
    assert "是否备案" in _page(client, "/?lang=zh_CN")
    html = _page(client, "/")
    assert "是否备案" in html and "Is it filed" not in html
