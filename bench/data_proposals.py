"""People, subjects and services of the bench data set, in the shape a cleaned proposal
has (portal/services/proposals.py): the approved records copy them, the applications in
flight propose them. One `World` per build holds the seeded generator and what must
stay unique (domain labels).
"""
import hashlib
import random

from data_names import CITIES, MAIL_HOSTS, Names, address, landline, person_name
from portal.validators import normalise_domain

PROVINCE = "山西"
TLDS = ["example", "com.example", "test", "net.example", "cn.test", "org.test"]
TLD_WEIGHTS = [45, 20, 15, 8, 7, 5]
NATURES = ["企业", "个人", "事业单位", "政府机关", "社会团体", "民办非企业单位"]
NATURE_WEIGHTS = [56, 36, 3, 1, 2, 2]
SITE_WORDS = {"shop": "网上商城", "mall": "购物商城", "edu": "在线教育平台", "yun": "云服务平台",
              "tech": "技术博客", "news": "资讯网", "bbs": "交流社区", "hr": "人才招聘网",
              "info": "信息服务网", "data": "数据服务平台", "online": "在线服务平台",
              "club": "会员俱乐部", "home": "家居生活馆", "zixun": "咨询服务网"}
PERSONAL_SITES = {"blog": "的个人博客", "photo": "的摄影作品", "read": "的读书笔记",
                  "food": "美食分享站", "travel": "旅行日记", "note": "的学习笔记本"}
CATEGORIES = ["网络购物", "生活服务", "综合门户", "工具软件", "企业官网"]
PRE_APPROVALS = ["教育", "医疗保健", "文化", "出版"]
OTHER_LOCATIONS = ["北京", "上海", "广东", "浙江", "江苏"]


class World:
    """The seeded generator, the unique-name spaces and the ISPs of one build.

    `isps`: list of dicts {"id", "operator_id", "prefixes", "local"} (see make_data)."""

    def __init__(self, seed: int, isps: list[dict], until):
        self.rng = random.Random(seed)
        self.until = until            # records are approved up to this moment (naive UTC)
        self.names = Names(seed)
        self.isps = isps
        weights = [1 / (rank + 1) ** 1.1 for rank in range(len(isps))]
        self.isp_cum = [sum(weights[:i + 1]) for i in range(len(weights))]
        self.labels: set[str] = set()
        self.idn: set[str] = set()
        self.next_person = 0

    # -- people ------------------------------------------------------------------

    def person(self) -> dict:
        """A responsible person (负责人): unique ID number and mobile."""
        rng, index = self.rng, self.next_person
        self.next_person += 1
        name, pinyin = person_name(rng)
        cert, born = self.names.resident_id(index)
        return {"name": name, "cert_type": "居民身份证", "cert_number": cert,
                "mobile": self.names.mobile_number(index), "phone": landline(rng),
                "email": f"{pinyin}{born:%y}{index % 1000:03d}@{rng.choice(MAIL_HOSTS)}",
                "emergency_contact": self.names.mobile_number(index + 7_000_000),
                "_pinyin": pinyin, "_born": born}

    # -- subjects ----------------------------------------------------------------

    def subject(self, index: int) -> dict:
        """Subject `index` (unique name and certificate) as a proposal's "subject"."""
        rng = self.rng
        nature = rng.choices(NATURES, NATURE_WEIGHTS)[0]
        if nature == "个人":
            who = self.person()
            data = {"nature": nature, "name": who["name"], "cert_type": "居民身份证",
                    "cert_number": who["cert_number"], "province": PROVINCE,
                    "address": address(rng, rng.choice(CITIES)[0]), "mailing_address": "",
                    "investor": "", "licence_number": "", "responsible": public(who)}
            return {**data, "_label": f"{who['_pinyin']}{who['_born']:%y}", "_brand": "",
                    "_middle": ""}
        org = self.names.organisation(index, nature)
        place = address(rng, org["city"])
        data = {"nature": nature, "name": org["name"], "cert_type": "统一社会信用代码",
                "cert_number": self.names.credit_code(index, nature, org["division"]),
                "province": PROVINCE, "address": place, "mailing_address": place,
                "investor": "", "licence_number": self._licence(nature, index),
                "responsible": public(self.person())}
        return {**data, "_label": self._org_label(org, nature), "_brand": org["brand"],
                "_middle": org["middle"]}

    def _licence(self, nature: str, index: int) -> str:
        if nature == "企业" and self.rng.random() < 0.02:
            return f"晋B2-2{self.rng.randint(10, 25):02d}{index % 100000:05d}"
        return ""

    def _org_label(self, org: dict, nature: str) -> str:
        roll = self.rng.random()
        if nature == "企业" and roll < 0.7:
            return org["brand_pinyin"] + org["trade_pinyin"]
        if roll < 0.85:
            return org["brand_pinyin"] + org["city_pinyin"]
        return org["city_pinyin"] + org["brand_pinyin"]

    # -- services ----------------------------------------------------------------

    def unique_label(self, label: str) -> str:
        """`label`, or `label2`, `label3` ... when taken (as registrants do)."""
        candidate, n = label, 1
        while candidate in self.labels:
            n += 1
            candidate = f"{label}{n}"
        self.labels.add(candidate)
        return candidate

    def pick_isps(self) -> list:
        """One ISP mostly, sometimes two (Zipf-like market shares); [None] = abroad."""
        roll = self.rng.random()
        if roll < 0.01:
            return [None]
        count = 2 if roll > 0.93 and len(self.isps) > 1 else 1
        chosen = set()
        while len(chosen) < count:
            pick = self.rng.choices(self.isps, cum_weights=self.isp_cum)[0]
            chosen.add(pick["id"])
        return sorted(chosen)

    def website(self, subject: dict, nth: int) -> dict:
        """The `nth` website of a subject, in proposal form (kind, name, homepage ...)."""
        rng = self.rng
        word = "" if nth == 0 else rng.choice(
            list(PERSONAL_SITES if subject["nature"] == "个人" else SITE_WORDS))
        label = self.unique_label(subject["_label"] + word)
        tlds = _pick_tlds(rng)
        domains = [f"{label}.{tld}" for tld in tlds]
        if rng.random() < 0.005 and subject["_brand"]:
            domains += self._idn(subject)
        isps = self.pick_isps()
        scheme = "https" if rng.random() < 0.6 else "http"
        return {"kind": "website", "name": self._site_name(subject, word),
                "homepage": f"{scheme}://{domains[0]}/", "domains": domains,
                "ips": self._ips(isps), "location": self._location(isps), "isps": isps,
                **self._content(subject, nth), "responsible": self._responsible(subject),
                "extra": {}}

    def _idn(self, subject: dict) -> list[str]:
        text = subject["_brand"] + subject["_middle"][:2] + ".example"
        if text in self.idn:
            return []
        self.idn.add(text)
        return [normalise_domain(text)]

    def _site_name(self, subject: dict, word: str) -> str:
        if subject["nature"] == "个人":
            return subject["name"] + PERSONAL_SITES[word or "blog"]
        if not word:
            return (subject["_brand"] + subject["_middle"] + "官网" if subject["nature"] == "企业"
                    else subject["name"] + "网站")
        return subject["_brand"] + SITE_WORDS[word]

    def _ips(self, isps: list) -> list[str]:
        rng = self.rng
        pool = [p for i in isps if i for p in self.isp(i)["prefixes"]] or ["45.76"]
        return [f"{rng.choice(pool)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                for _ in range(2 if rng.random() < 0.15 else 1)]

    def isp(self, isp_id: int) -> dict:
        return next(i for i in self.isps if i["id"] == isp_id)

    def _location(self, isps: list) -> str:
        if isps == [None]:
            return "其它"
        if self.isp(isps[0])["local"] or self.rng.random() < 0.5:
            return PROVINCE
        return self.rng.choice(OTHER_LOCATIONS)

    def _content(self, subject: dict, nth: int) -> dict:
        rng = self.rng
        languages = ["中文简体", "英语"] if rng.random() < 0.1 else ["中文简体"]
        if subject["nature"] == "个人":
            return {"content_category": "个人空间/博客", "languages": languages,
                    "pre_approvals": []}
        if rng.random() < 0.02:
            category = rng.choice(PRE_APPROVALS)
            number = f"晋{category[:1]}审〔20{rng.randint(15, 25)}〕{rng.randint(1, 999)}号"
            return {"content_category": category, "languages": languages,
                    "pre_approvals": [{"category": category, "document_number": number,
                                       "document": ""}]}
        category = "企业官网" if nth == 0 else rng.choice(CATEGORIES)
        return {"content_category": category, "languages": languages, "pre_approvals": []}

    def _responsible(self, subject: dict) -> dict:
        if self.rng.random() < 0.7:
            return subject["responsible"]
        return public(self.person())

    def other_service(self, subject: dict, kind: str, first_domain: str) -> dict:
        """An APP (backend domain under the first website's) or a mini program."""
        rng = self.rng
        isps = self.pick_isps()
        word = rng.choice(["商城", "生活", "助手", "出行", "学堂", "健康"])
        base = {"kind": kind, "homepage": "", "location": self._location(isps), "isps": isps,
                "content_category": "生活服务", "languages": ["中文简体"],
                "pre_approvals": [], "responsible": self._responsible(subject)}
        digest = hashlib.md5(f"{first_domain}/{kind}".encode()).hexdigest()
        if kind == "app":
            package = "com." + first_domain.split(".")[0].replace("-", "")
            platforms = [{"platform": "Android", "package": package, "fingerprint": digest},
                         {"platform": "iOS", "package": package,
                          "fingerprint": hashlib.sha1(digest.encode()).hexdigest()}]
            return {**base, "name": subject["_brand"] + word, "domains": [f"api.{first_domain}"],
                    "ips": self._ips(isps), "extra": {"platforms": platforms}}
        return {**base, "name": subject["_brand"] + word + "小程序", "domains": [], "ips": [],
                "extra": {"app_id": "wx" + digest[:16]}}


def public(person: dict) -> dict:
    """A person without the generator's private fields (those start with '_')."""
    return {k: v for k, v in person.items() if not k.startswith("_")}


def _pick_tlds(rng) -> list[str]:
    first = rng.choices(TLDS, TLD_WEIGHTS)[0]
    count = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3)
    others = [t for t in TLDS if t != first]
    return [first] + rng.sample(others, count - 1)
