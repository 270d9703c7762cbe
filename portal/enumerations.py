"""Bureau-editable lists (natures, certificate types, categories, the SMS matrix,
naming rules …). Stored versioned in the database; the defaults below seed them."""
from portal.clock import utcnow
from portal.models import Enumeration

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


def get_enumeration(name: str):
    """The current version of a list (the default when the bureau never edited it)."""
    row = (Enumeration.select(Enumeration.data).where(Enumeration.name == name)
           .order_by(Enumeration.version.desc()).first())
    return row.data if row else DEFAULTS[name]


def all_enumerations() -> dict:
    return {name: get_enumeration(name) for name in DEFAULTS}


def save_enumeration(name: str, data, actor=None) -> Enumeration:
    """Store a new version; the old ones stay for the record."""
    if name not in DEFAULTS:
        raise KeyError(name)
    latest = (Enumeration.select(Enumeration.version).where(Enumeration.name == name)
              .order_by(Enumeration.version.desc()).first())
    return Enumeration.create(name=name, version=(latest.version + 1) if latest else 1,
                              data=data, created_at=utcnow(),
                              created_by=actor.id if actor else None)


def seed_enumerations() -> None:
    for name, data in DEFAULTS.items():
        if not Enumeration.select().where(Enumeration.name == name).exists():
            save_enumeration(name, data)


def is_organisation(nature: str) -> bool:
    return nature != "个人"


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
