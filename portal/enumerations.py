"""Bureau-editable lists (natures, certificate types, categories, the SMS matrix,
naming rules …). Stored versioned in the database; the defaults below seed them.

Every save is checked against the list's shape (and against the lists it refers to), so
a bad edit is refused with a message naming the entry at fault and nothing is stored; a
good one becomes a new version with an audit event. Old versions stay for the record.
"""
import json

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Forbidden, NotFound, Refused, ValidationError
from portal.models import Account, Enumeration
from portal.states import is_bureau_admin

ORGANISATION_NATURES = ["企业", "事业单位", "政府机关", "社会团体", "民办非企业单位", "基金会",
                        "律师执业机构", "群众性团体组织"]
PERSONAL_CERTS = ["居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
                  "外国人永久居留身份证"]
PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏",
             "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南",
             "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆"]

PRE_APPROVALS = [
    ("新闻", "省委网信办"), ("出版", "省新闻出版局"), ("教育", "省教育厅"),
    ("医疗保健", "省卫生健康委员会"), ("药品和医疗器械", "省药品监督管理局"),
    ("文化", "省文化和旅游厅"), ("广播电影电视节目", "省广播电视局"),
    ("金融", "省地方金融管理局"), ("网络预约车", "省交通运输厅"), ("宗教", "省民族宗教事务委员会"),
    ("银行", "国家金融监督管理总局山西监管局"),
]

DEFAULTS = {
    "subject_natures": [{"name": n, "national_body": False} for n in ORGANISATION_NATURES]
    + [{"name": "个人", "national_body": False}],
    "certificate_types": [{"name": "统一社会信用代码", "natures": ORGANISATION_NATURES}]
    + [{"name": c, "natures": ["个人"]} for c in PERSONAL_CERTS],
    "service_kinds": [{"code": "website", "name": "网站", "suffix": ""},
                      {"code": "app", "name": "APP", "suffix": "A"},
                      {"code": "miniprogram", "name": "小程序", "suffix": "X"},
                      {"code": "quickapp", "name": "快应用", "suffix": "K"}],
    "service_categories": ["企业官网", "个人空间/博客", "综合门户", "网络购物", "网址导航", "搜索引擎",
                           "即时通信", "网络游戏", "生活服务", "工具软件"] + [p[0] for p in PRE_APPROVALS],
    "pre_approval_categories": [{"name": name, "authority": authority, "contact": ""}
                                for name, authority in PRE_APPROVALS],
    "sms_matrix": {"first_filing": ["subject", "service"], "add_service": ["subject", "service"],
                   "add_access": ["service"], "change_subject": ["subject"],
                   "change_service": ["service"], "change_access": ["service"],
                   "cancel_subject": ["subject"], "cancel_service": ["subject"],
                   "cancel_access": [], "conflict_resolution": [], "annual_review": []},
    "naming_rules": {"min_chinese_chars": 3,
                     "forbidden_prefixes": ["中国", "中华", "中央", "人民", "国家"],
                     "individual_forbidden_words": ["公司", "企业", "政府", "官方", "协会", "中心",
                                                    "门户", "新闻", "论坛"],
                     "examples": {"accepted": ["张三的个人博客", "山西美食分享", "太原某某科技官网"],
                                  "refused": ["中国新闻网", "abc123", "www.example.cn"]}},
    "languages": ["中文简体", "中文繁体", "英语", "日语", "韩语", "俄语", "法语", "德语", "其它"],
    "app_platforms": ["Android", "iOS", "HarmonyOS", "其它"],
    "server_locations": PROVINCES + ["其它"],
}


LABELS = {
    "subject_natures": _l("主办单位性质"),
    "certificate_types": _l("证件类型及适用的主办单位性质"),
    "service_kinds": _l("服务类型"),
    "service_categories": _l("服务内容类别"),
    "pre_approval_categories": _l("前置审批类别（主管部门及联系方式）"),
    "sms_matrix": _l("短信核验矩阵"),
    "naming_rules": _l("网站/APP命名规则（含示例）"),
    "languages": _l("网站语言"),
    "app_platforms": _l("APP平台"),
    "server_locations": _l("服务器所在地"),
}
# Plain lists of words: edited one item per line; the others as JSON.
TEXT_LISTS = frozenset({"service_categories", "languages", "app_platforms", "server_locations"})
SMS_ROLES = ("subject", "service")
ABROAD = "其它"
INDIVIDUAL = "个人"
MAX_TEXT, MAX_ITEMS, MAX_TEXT_SIZE = 200, 1000, 200_000


def get_enumeration(name: str):
    """The current version of a list (the default when the bureau never edited it)."""
    row = (Enumeration.select(Enumeration.data).where(Enumeration.name == name)
           .order_by(Enumeration.version.desc()).first())
    return row.data if row else DEFAULTS[name]


def all_enumerations() -> dict:
    return {name: get_enumeration(name) for name in DEFAULTS}


def current_version(name: str) -> int:
    """The number of the current version; 0 while only the built-in default exists."""
    row = (Enumeration.select(Enumeration.version).where(Enumeration.name == name)
           .order_by(Enumeration.version.desc()).first())
    return row.version if row else 0


def save_enumeration(name: str, data, actor=None, expected_version: int | None = None
                     ) -> Enumeration:
    """Check `data` against the list's shape and store it as a new version, audited.

    `actor` None is the system (the CLI); a person must be a bureau admin.
    `expected_version` is the version the editor started from: a save on top of
    someone else's newer version is refused instead of silently overwriting it.
    """
    if name not in DEFAULTS:
        raise KeyError(name)
    if actor is not None and not is_bureau_admin(actor):
        raise Forbidden(_l("只有管局管理员可以修改字典数据"))
    from portal.enumeration_shapes import validate_enumeration  # the shapes read this module
    data = validate_enumeration(name, data)
    with transaction():
        latest = current_version(name)
        if expected_version is not None and expected_version != latest:
            raise Refused(_l("该列表已被他人修改（当前为第 %(v)d 版），请在最新版本上重新编辑",
                             v=latest))
        old = get_enumeration(name)
        if latest and data == old:
            raise Refused(_l("内容没有变化，未保存新版本"))
        row = _store(name, data, latest + 1, actor)
        record_event("enumeration.save", row, actor=actor,
                     before={"version": latest, "data": old},
                     after={"version": row.version, "data": data})
    return row


def save_enumeration_text(name: str, text: str, actor, expected_version: int | None = None
                          ) -> Enumeration:
    """Save a list edited as text: one item per line for plain lists, JSON otherwise."""
    if name not in DEFAULTS:
        raise NotFound(_l("没有这个字典"))
    return save_enumeration(name, parse_enumeration_text(name, text), actor, expected_version)


def parse_enumeration_text(name: str, text: str):
    """The data in `text`; a JSON syntax error names its line and column."""
    text = text or ""
    if len(text) > MAX_TEXT_SIZE:
        raise ValidationError(_l("内容过长（不能超过 %(n)d 个字符）", n=MAX_TEXT_SIZE), field="data")
    if name in TEXT_LISTS:
        return [line.strip() for line in text.splitlines() if line.strip()]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(_l("JSON 格式错误：第 %(line)d 行第 %(col)d 列附近（%(msg)s）",
                                 line=exc.lineno, col=exc.colno, msg=exc.msg),
                              field="data") from None


def format_enumeration_text(name: str, data) -> str:
    """The text an editor starts from (the inverse of `parse_enumeration_text`)."""
    if name in TEXT_LISTS:
        return "\n".join(data)
    return json.dumps(data, ensure_ascii=False, indent=2)


def enumeration_versions(name: str):
    """Every stored version of a list, newest first, with who saved it (a query)."""
    return (Enumeration.select(Enumeration.id, Enumeration.name, Enumeration.version,
                               Enumeration.created_at, Enumeration.created_by,
                               Account.username.alias("author"))
            .join(Account, JOIN.LEFT_OUTER, on=(Enumeration.created_by == Account.id))
            .where(Enumeration.name == name)
            .order_by(Enumeration.version.desc()).objects())


def get_enumeration_version(name: str, version: int) -> Enumeration:
    row = Enumeration.get_or_none(Enumeration.name == name, Enumeration.version == version)
    if row is None:
        raise NotFound(_l("没有这个版本"))
    return row


def seed_enumerations() -> None:
    """The defaults as version 1 of every list not stored yet (at `init`; not audited
    one by one: `instance.init` is)."""
    for name, data in DEFAULTS.items():
        if not Enumeration.select().where(Enumeration.name == name).exists():
            _store(name, data, 1, None)


def _store(name: str, data, version: int, actor) -> Enumeration:
    return Enumeration.create(name=name, version=version, data=data, created_at=utcnow(),
                              created_by=actor.id if actor else None)


def is_organisation(nature: str) -> bool:
    return nature != INDIVIDUAL


def certificate_types_for(nature: str) -> list[str]:
    return [t["name"] for t in get_enumeration("certificate_types") if nature in t["natures"]]


def pre_approval_for(category: str) -> dict | None:
    for item in get_enumeration("pre_approval_categories"):
        if item["name"] == category:
            return item
    return None


def sms_roles_for(kind: str) -> list[str]:
    return list(get_enumeration("sms_matrix").get(kind, []))


def kind_suffix(kind: str) -> str:
    return {k["code"]: k["suffix"] for k in get_enumeration("service_kinds")}[kind]
