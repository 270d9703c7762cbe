"""Valid, realistic-looking filing data for the demo and the tests.

Domains are under .example and .test, IPs are never contacted, identity numbers
carry correct check characters but belong to nobody.
"""
from portal.validators import make_credit_code, make_resident_id

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
CITIES = [("太原市", "140100"), ("大同市", "140200"), ("长治市", "140400"), ("晋中市", "140700"),
          ("运城市", "140800"), ("临汾市", "141000")]
TRADES = ["科技", "文化传媒", "网络", "信息技术", "商贸", "教育咨询", "农业发展", "物流"]
TOPICS = ["美食分享", "旅游攻略", "读书笔记", "摄影作品", "技术博客", "产品展示", "企业官网",
          "招聘信息", "社区服务", "文创商城"]


def person(n: int) -> dict:
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n // 7) % len(GIVEN)]
    body = f"140105{1970 + n % 35}{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n % 1000:03d}"
    return {"name": name, "cert_type": "居民身份证", "cert_number": make_resident_id(body),
            "mobile": f"139{n % 100000000:08d}", "email": f"person{n}@mail.example",
            "phone": "0351-8788032", "emergency_contact": "13800000000"}


def subject(n: int, nature: str = "企业") -> dict:
    city, code = CITIES[n % len(CITIES)]
    if nature == "个人":
        who = person(n)
        return {"nature": "个人", "name": who["name"], "cert_type": "居民身份证",
                "cert_number": who["cert_number"], "address": f"山西省{city}迎泽大街{n}号",
                "responsible": who}
    name = f"山西{city[:2]}{TRADES[n % len(TRADES)]}有限公司{n:04d}号"
    return {"nature": nature, "name": name, "cert_type": "统一社会信用代码",
            "cert_number": make_credit_code(f"91{code}MA{n:07d}"[:17].ljust(17, "0")),
            "address": f"山西省{city}长风街{n}号", "mailing_address": f"山西省{city}长风街{n}号",
            "responsible": person(n)}


def website(n: int, isp_ids: list, abroad: bool = False, tld: str = "example") -> dict:
    domain = f"site{n}.{tld}"
    return {"kind": "website", "name": f"{TOPICS[n % len(TOPICS)]}网站{n}", "domains": [domain],
            "homepage": f"http://{domain}/",
            "ips": [f"58.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 or 1}"],
            "location": "其它" if abroad else "山西", "isps": [] if abroad else isp_ids,
            "content_category": "企业官网", "languages": ["中文简体"],
            "responsible": person(n + 5000)}


def app_service(n: int, isp_ids: list) -> dict:
    return {"kind": "app", "name": f"{TOPICS[n % len(TOPICS)]}应用{n}",
            "domains": [f"api{n}.test"], "ips": [f"59.1.{n // 256 % 256}.{n % 256 or 1}"],
            "location": "山西", "isps": isp_ids, "content_category": "生活服务",
            "platforms": [{"platform": "Android", "package": f"test.app{n}",
                           "fingerprint": f"{n:032x}"}], "responsible": person(n + 6000)}


def mini_service(n: int, isp_ids: list, kind: str = "miniprogram") -> dict:
    label = "小程序" if kind == "miniprogram" else "快应用"
    return {"kind": kind, "name": f"{TOPICS[n % len(TOPICS)]}{label}{n}", "domains": [],
            "location": "山西", "isps": isp_ids, "content_category": "生活服务",
            "app_id": f"wx{n:016d}", "responsible": person(n + 7000)}


def first_filing(n: int, isp_ids: list, nature: str = "企业", services=None) -> dict:
    return {"subject": subject(n, nature), "services": services or [website(n, isp_ids)]}


def import_row(n: int) -> dict:
    """A valid row of the ISP import file (docs/import-format.md), one customer with one
    website, unique by n: username, certificate number, domain."""
    record, site = subject(n), website(n, [])
    responsible = record["responsible"]
    row = {"username": f"cust{n}", "mobile": responsible["mobile"],
           "email": f"cust{n}@mail.example", "subject_nature": record["nature"],
           "subject_name": record["name"], "subject_cert_type": record["cert_type"],
           "subject_cert_number": record["cert_number"], "subject_address": record["address"],
           "subject_mailing_address": record["mailing_address"],
           "website_name": site["name"], "website_domains": ";".join(site["domains"]),
           "website_homepage": site["homepage"], "website_ips": ";".join(site["ips"]),
           "website_location": site["location"],
           "website_content_category": site["content_category"], "customer_ref": f"C{n}"}
    row.update({f"subject_responsible_{k}": responsible[k]
                for k in ("name", "cert_type", "cert_number", "mobile", "email")})
    return row
