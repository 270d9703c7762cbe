"""Deterministic building blocks of the bench data set (bench/make_data.py): Chinese
person and organisation names, pinyin domain labels, identity numbers, mobiles.

Unique things (organisation names, credit codes, resident IDs, mobiles) come from a
bijection of an index onto a large space (`Permutation`), so they never repeat and need
no lookup table; everything else is drawn from a seeded random.Random. Identity numbers
carry correct check characters but belong to nobody; domains are under the reserved
test TLDs (.example, .test) so nothing the portal fetches ever leaves the machine.
"""
import math
from datetime import date, timedelta

from portal.validators import make_credit_code, make_resident_id

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
    ("韩", "han"), ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("程", "cheng"),
    ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("许", "xu"), ("傅", "fu"), ("沈", "shen"),
    ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"), ("苏", "su"), ("卢", "lu"), ("蒋", "jiang"),
    ("蔡", "cai"), ("贾", "jia"), ("丁", "ding"), ("魏", "wei"), ("薛", "xue"), ("叶", "ye"),
    ("阎", "yan"), ("潘", "pan"), ("杜", "du"), ("戴", "dai"), ("夏", "xia"), ("田", "tian"),
    ("任", "ren"), ("姜", "jiang"), ("范", "fan"), ("方", "fang"), ("石", "shi"), ("姚", "yao"),
    ("郝", "hao"), ("孔", "kong"), ("白", "bai"), ("崔", "cui"), ("康", "kang"), ("毛", "mao"),
    ("秦", "qin"), ("史", "shi"), ("侯", "hou"), ("孟", "meng"), ("段", "duan"), ("雷", "lei"),
    ("武", "wu"), ("乔", "qiao"), ("贺", "he"), ("常", "chang"), ("温", "wen"), ("牛", "niu"),
]
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("兰", "lan"), ("萍", "ping"), ("红", "hong"), ("鹏", "peng"), ("辉", "hui"), ("建", "jian"),
    ("国", "guo"), ("海", "hai"), ("波", "bo"), ("宇", "yu"), ("浩", "hao"), ("博", "bo"),
    ("文", "wen"), ("斌", "bin"), ("晨", "chen"), ("欣", "xin"), ("婷", "ting"), ("雪", "xue"),
    ("琳", "lin"), ("慧", "hui"), ("佳", "jia"), ("丹", "dan"), ("颖", "ying"), ("思", "si"),
    ("雨", "yu"), ("子", "zi"), ("轩", "xuan"), ("涵", "han"), ("睿", "rui"), ("晓", "xiao"),
    ("志", "zhi"), ("俊", "jun"), ("凯", "kai"), ("鑫", "xin"), ("昊", "hao"), ("瑞", "rui"),
    ("泽", "ze"), ("嘉", "jia"), ("晶", "jing"), ("亮", "liang"), ("飞", "fei"), ("倩", "qian"),
    ("彤", "tong"), ("悦", "yue"), ("璐", "lu"), ("峰", "feng"), ("宁", "ning"), ("成", "cheng"),
]
# Trade names (字号) are two of these; none starts a forbidden prefix (中国, 人民 ...).
BRAND = [
    ("恒", "heng"), ("泰", "tai"), ("瑞", "rui"), ("华", "hua"), ("鑫", "xin"), ("源", "yuan"),
    ("博", "bo"), ("达", "da"), ("宏", "hong"), ("盛", "sheng"), ("嘉", "jia"), ("禾", "he"),
    ("晋", "jin"), ("汇", "hui"), ("通", "tong"), ("联", "lian"), ("创", "chuang"), ("新", "xin"),
    ("锐", "rui"), ("智", "zhi"), ("宇", "yu"), ("星", "xing"), ("辰", "chen"), ("昊", "hao"),
    ("天", "tian"), ("润", "run"), ("丰", "feng"), ("泽", "ze"), ("诚", "cheng"), ("信", "xin"),
    ("德", "de"), ("安", "an"), ("康", "kang"), ("和", "he"), ("兴", "xing"), ("隆", "long"),
    ("佳", "jia"), ("美", "mei"), ("优", "you"), ("卓", "zhuo"), ("越", "yue"), ("凯", "kai"),
    ("旭", "xu"), ("东", "dong"), ("方", "fang"), ("远", "yuan"), ("航", "hang"), ("腾", "teng"),
    ("飞", "fei"), ("龙", "long"), ("云", "yun"), ("峰", "feng"), ("海", "hai"), ("川", "chuan"),
    ("山", "shan"), ("林", "lin"), ("森", "sen"), ("金", "jin"), ("宝", "bao"), ("亿", "yi"),
    ("万", "wan"), ("顺", "shun"), ("利", "li"), ("福", "fu"), ("祥", "xiang"), ("富", "fu"),
    ("永", "yong"), ("长", "chang"), ("明", "ming"), ("光", "guang"), ("辉", "hui"), ("蓝", "lan"),
    ("青", "qing"), ("易", "yi"), ("捷", "jie"), ("迅", "xun"), ("驰", "chi"), ("骏", "jun"),
    ("鹏", "peng"), ("展", "zhan"), ("拓", "tuo"), ("启", "qi"), ("元", "yuan"), ("正", "zheng"),
    ("品", "pin"), ("尚", "shang"), ("雅", "ya"), ("致", "zhi"), ("精", "jing"), ("艺", "yi"),
    ("文", "wen"), ("思", "si"), ("维", "wei"), ("乐", "le"), ("享", "xiang"), ("家", "jia"),
    ("邦", "bang"), ("策", "ce"), ("融", "rong"), ("聚", "ju"), ("力", "li"), ("道", "dao"),
]
TRADES = [
    ("科技", "keji"), ("网络科技", "wangluo"), ("信息技术", "xinxi"), ("文化传媒", "chuanmei"),
    ("商贸", "shangmao"), ("教育科技", "jiaoyu"), ("农业开发", "nongye"), ("建筑工程", "jianzhu"),
    ("餐饮管理", "canyin"), ("物流", "wuliu"), ("旅游开发", "lvyou"), ("医药", "yiyao"),
    ("电子商务", "dianshang"), ("广告", "guanggao"), ("软件", "ruanjian"), ("煤业", "meiye"),
    ("能源", "nengyuan"), ("机械制造", "jixie"), ("食品", "shipin"), ("房地产开发", "fangchan"),
]
CITIES = [("太原", "taiyuan", "140100"), ("大同", "datong", "140200"),
          ("阳泉", "yangquan", "140300"), ("长治", "changzhi", "140400"),
          ("晋城", "jincheng", "140500"), ("朔州", "shuozhou", "140600"),
          ("晋中", "jinzhong", "140700"), ("运城", "yuncheng", "140800"),
          ("忻州", "xinzhou", "140900"), ("临汾", "linfen", "141000"),
          ("吕梁", "lvliang", "141100")]
DISTRICTS = ["小店区", "迎泽区", "杏花岭区", "万柏林区", "尖草坪区", "晋源区", "平城区", "城区",
             "榆次区", "盐湖区", "尧都区", "离石区", "忻府区", "潞州区", "朔城区"]
STREETS = ["迎泽大街", "长风街", "府西街", "并州路", "五一路", "解放路", "建设路", "体育路",
           "南内环街", "学府街", "平阳路", "滨河东路", "新建路", "康乐街", "龙城大街"]
# Resident ID divisions: Shanxi counties and districts (140105 Taiyuan Xiaodian ...).
ID_DIVISIONS = ["140105", "140106", "140107", "140108", "140109", "140110", "140213", "140302",
                "140403", "140525", "140602", "140702", "140802", "140902", "141002", "141102"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150",
                   "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "176",
                   "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189",
                   "191", "198", "199"]
MAIL_HOSTS = ["qq.example", "163.example", "126.example", "sina.example", "mail.example"]
# (credit code prefix, nature, name endings) of organisations; endings never overlap,
# so names of different natures never collide.
ORG_NATURES = {
    "企业": ("91", ["有限公司", "有限责任公司", "股份有限公司"]),
    "事业单位": ("12", ["职业技术学校", "中心医院", "科学研究院"]),
    "政府机关": ("11", ["街道办事处", "镇人民政府", "乡人民政府"]),
    "社会团体": ("51", ["行业协会", "商会", "研究会"]),
    "民办非企业单位": ("52", ["培训学校", "养老服务中心", "幼儿园"]),
}
# In names of public bodies the trade's place is taken by a place word (20, like TRADES).
PLACES = ["第一", "第二", "第三", "东城", "西城", "南关", "北关", "新区", "开发区", "高新区",
          "经济区", "滨河", "城南", "城北", "城东", "城西", "长青", "光明", "红旗", "和平"]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
BIRTH_START, BIRTH_DAYS = date(1955, 1, 1), 18262     # born 1955-01-01 .. 2004-12-31


class Permutation:
    """i -> (a*i + b) mod n with gcd(a, n) = 1: a bijection that looks random."""

    def __init__(self, n: int, seed: int):
        self.n = n
        self.a = (0x9E3779B1 + 2 * seed) % n or 1
        while math.gcd(self.a, n) != 1:
            self.a += 1
        self.b = (seed * 7919) % n

    def __call__(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise ValueError(f"index {i} outside the space of {self.n}")
        return (self.a * i + self.b) % self.n


def digits(value: int, base: int, width: int) -> list[int]:
    out = []
    for _ in range(width):
        value, rest = divmod(value, base)
        out.append(rest)
    return out[::-1]


class Names:
    """Unique organisations and people for one seed."""

    def __init__(self, seed: int):
        self.brand_pairs = len(BRAND) ** 2
        self.org_space = len(CITIES) * 2 * self.brand_pairs * len(TRADES) * 3
        self.org = Permutation(self.org_space, seed)
        self.credit = Permutation(31 ** 7, seed + 1)
        self.resident = Permutation(len(ID_DIVISIONS) * BIRTH_DAYS * 1000, seed + 2)
        self.mobile = Permutation(len(MOBILE_PREFIXES) * 10 ** 8, seed + 3)

    def organisation(self, index: int, nature: str) -> dict:
        """Name parts of organisation `index` (unique per index and nature)."""
        city, city_form, brand, trade, ending = self._split(self.org(index))
        city_name, city_pinyin, division = CITIES[city]
        b1, b2 = divmod(brand, len(BRAND))
        brand_text = BRAND[b1][0] + BRAND[b2][0]
        brand_pinyin = BRAND[b1][1] + BRAND[b2][1]
        trade_text, trade_pinyin = TRADES[trade]
        prefix = "山西" if city_form == 0 else city_name + "市"
        endings = ORG_NATURES[nature][1]
        middle = {"企业": trade_text, "社会团体": trade_text[:2]}.get(nature, PLACES[trade])
        name = f"{prefix}{brand_text}{middle}{endings[ending]}"
        return {"name": name, "brand": brand_text, "middle": middle, "brand_pinyin": brand_pinyin,
                "trade": trade_text, "trade_pinyin": trade_pinyin, "city": city_name,
                "city_pinyin": city_pinyin, "division": division}

    def _split(self, value: int) -> tuple:
        value, ending = divmod(value, 3)
        value, trade = divmod(value, len(TRADES))
        value, brand = divmod(value, self.brand_pairs)
        city, city_form = divmod(value, 2)
        return city, city_form, brand, trade, ending

    def credit_code(self, index: int, nature: str, division: str) -> str:
        body = "".join(CREDIT_ALPHABET[d] for d in digits(self.credit(index), 31, 7))
        return make_credit_code(f"{ORG_NATURES[nature][0]}{division}MA{body}")

    def resident_id(self, index: int) -> tuple[str, date]:
        value, seq = divmod(self.resident(index), 1000)
        division, day = divmod(value, BIRTH_DAYS)
        born = BIRTH_START + timedelta(days=day)
        return make_resident_id(f"{ID_DIVISIONS[division]}{born:%Y%m%d}{seq:03d}"), born

    def mobile_number(self, index: int) -> str:
        prefix, rest = divmod(self.mobile(index), 10 ** 8)
        return f"{MOBILE_PREFIXES[prefix]}{rest:08d}"


def person_name(rng) -> tuple[str, str]:
    """A Chinese name and its pinyin (surnames weighted towards the common ones)."""
    surname, s_py = SURNAMES[min(int(rng.expovariate(1 / 14)), len(SURNAMES) - 1)]
    first, f_py = rng.choice(GIVEN)
    if rng.random() < 0.25:
        return surname + first, s_py + f_py
    second, g_py = rng.choice(GIVEN)
    return surname + first + second, s_py + f_py + g_py


def address(rng, city: str) -> str:
    return (f"山西省{city}市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}"
            f"{rng.randint(1, 399)}号")


def landline(rng) -> str:
    return f"0351-{rng.randint(2000000, 8999999)}"
