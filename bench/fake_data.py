"""Realistic Chinese customers and contacts for the benchmark database, as ready-to-insert rows.

Every chunk of customers comes from its own seeded random generator, so a chunk is the same on
every run and chunks can be built in parallel processes. Rows are tuples in the column order of
the INSERT statements in bench/generate.py, with values already in SQLite's stored form
(UUIDs as 32 hex digits, datetimes as UTC text).
"""

import dataclasses
import datetime as dt
import functools
import random
import uuid

from pypinyin import lazy_pinyin

from kehu.core import regions
from kehu.customers.models import Contact, Customer
from kehu.customers.normalize import credit_check_character, name_core, name_key
from kehu.customers.search import customer_values, document_text

CUSTOMER_COLUMNS = (
    "id",
    "public_id",
    "kind",
    "name",
    "name_key",
    "name_core",
    "short_name",
    "credit_code",
    "industry",
    "size",
    "province_code",
    "city_code",
    "district_code",
    "address",
    "grade",
    "source",
    "status",
    "owner_id",
    "creator_id",
    "created_at",
    "updated_at",
    "last_follow_up_at",
    "next_follow_up_on",
    "notes",
    "custom",
    "version",
)
CONTACT_COLUMNS = (
    "public_id",
    "customer_id",
    "name",
    "title",
    "decision_role",
    "mobile",
    "phone",
    "email",
    "wechat",
    "is_primary",
    "notes",
    "custom",
    "created_at",
    "updated_at",
    "version",
)

# Surnames roughly in order of frequency; the weight of rank r is 1 / (r + 4).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = [1 / (rank + 4) for rank in range(len(SURNAMES))]
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚辉玲华飞桂英梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣"
    "婷雪琳晨阳佳慧倩颖鹏亮峰建国志红文云海燕博雨萱子涵梓轩诗怡思睿嘉欣雅"
)
BRAND_CHARACTERS = (
    "星辰华瑞泰鑫恒宏达盛天海金源博远新创中安嘉德信诚和丰永隆汇通佳美优合正宇晟昊锦翔鼎悦凯"
    "腾领航聚百万方东南西北江山云峰林森润祥福康乐惠明光智慧睿思捷迅飞龙凤麒麟宝顺昌利兴旺晶"
    "蓝绿青紫朗逸弘毅卓越尚品致远万象启明易美诺华蓉泽坤乾元亨道"
)
INDUSTRY_WORDS = {
    "it": ("网络科技", "信息技术", "软件", "智能科技", "数据科技", "电子商务"),
    "finance": ("投资管理", "融资租赁", "资产管理", "财富管理"),
    "real_estate": ("房地产开发", "置业", "物业管理", "房产经纪"),
    "business_services": ("企业管理咨询", "人力资源", "财务咨询", "知识产权代理"),
    "logistics": ("物流", "供应链管理", "货运代理", "运输"),
    "manufacturing": ("机械制造", "精密机械", "电子", "新材料", "五金制品", "塑胶制品"),
    "retail": ("商贸", "贸易", "百货", "进出口"),
    "government": ("发展服务中心", "公共资源交易中心"),
    "media": ("文化传媒", "广告", "影视文化", "会展服务"),
    "education": ("教育科技", "职业培训", "文化艺术培训"),
    "healthcare": ("医疗器械", "医药", "健康管理", "生物科技"),
    "construction": ("建筑工程", "建设工程", "装饰工程", "市政工程"),
    "food": ("餐饮管理", "食品", "农副产品"),
    "agriculture": ("农业科技", "生态农业", "种业"),
    "energy": ("新能源", "能源科技", "电力工程", "光伏科技"),
    "other": ("实业", "发展", "综合服务"),
}
INDUSTRIES = tuple(INDUSTRY_WORDS)
SIZES = ("1-20", "21-100", "101-500", "501-1000", "1000+")
SIZE_WEIGHTS = (40, 30, 18, 7, 5)
# "" is a blank grade; most customers of a small business are never graded.
GRADES = ("", "A", "B", "C", "D")
GRADE_WEIGHTS = (35, 8, 25, 22, 10)
SOURCES = (
    "",
    "promotion",
    "search",
    "advertising",
    "referral",
    "website",
    "inquiry",
    "visit",
    "cold_call",
    "phone",
    "email",
    "exhibition",
    "other",
)
STATUSES = ("lead", "following", "won", "dormant", "lost")
STATUS_WEIGHTS = (40, 25, 20, 10, 5)
TITLES = (
    "总经理",
    "副总经理",
    "采购经理",
    "采购主管",
    "财务总监",
    "技术总监",
    "行政主管",
    "销售经理",
    "董事长",
    "项目经理",
    "运营经理",
    "店长",
    "办公室主任",
    "",
)
DECISION_ROLES = ("", "decision_maker", "influencer", "user", "purchaser", "gatekeeper", "other")
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
MAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "foxmail.com", "139.com")
AREA_CODES = ("010", "021", "020", "0755", "0571", "025", "027", "028", "023", "029", "0512")
ROADS = (
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "长江路",
    "黄河路",
    "文化路",
    "胜利路",
    "新华路",
    "朝阳路",
    "科技路",
    "创业大道",
    "滨江大道",
    "学院路",
)
TAG_NAMES = (
    "重点跟进",
    "老客户",
    "展会",
    "价格敏感",
    "需要报价",
    "已拜访",
    "渠道",
    "政府项目",
    "续约",
    "转介绍",
)
# Cities where most customers of a Chinese SME sit; the rest are drawn from every district.
MAJOR_CITIES = ("3301", "3101", "1101", "4403", "4401", "3205", "3201", "5101", "4201", "6101")


@dataclasses.dataclass(frozen=True)
class ChunkSpec:
    """Which customers one chunk builds, and what the rows depend on."""

    index: int
    first_id: int
    count: int
    seed: int
    # Share of customers owned by `big_owner_id`; the rest go to `other_owner_ids` in turn.
    big_owner_id: int
    big_owner_share: float
    other_owner_ids: tuple[int, ...]
    creator_id: int
    # The generation time; created_at values spread over the five years before it.
    end: dt.datetime
    total_customers: int
    tag_ids: tuple[int, ...]


@dataclasses.dataclass
class Chunk:
    """Rows for one chunk of customers, ready for executemany."""

    customers: list[tuple[object, ...]] = dataclasses.field(default_factory=list)
    contacts: list[tuple[object, ...]] = dataclasses.field(default_factory=list)
    customer_tags: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    documents: list[tuple[int, str]] = dataclasses.field(default_factory=list)


@functools.cache
def _districts() -> tuple[tuple[str, str, str, str], ...]:
    """Return (province, city, district, label) for every district."""
    rows = []
    for province in regions.provinces():
        for city in regions.children_of(province.code):
            for district in regions.children_of(city.code):
                label = regions.label(province.code, city.code, district.code)
                rows.append((province.code, city.code, district.code, label))
    return tuple(rows)


@functools.cache
def _major_districts() -> tuple[tuple[str, str, str, str], ...]:
    return tuple(row for row in _districts() if row[1] in MAJOR_CITIES)


@functools.cache
def _syllable(character: str) -> str:
    return "".join(lazy_pinyin(character))


def _pinyin(text: str) -> str:
    return "".join(_syllable(character) for character in text)


def _city_prefix(province_code: str, city_code: str) -> str:
    if regions.is_municipality(province_code):
        return regions.short_name(regions.name_of(province_code))
    return regions.short_name(regions.name_of(city_code))


def _stored(value: dt.datetime) -> str:
    """Format an aware datetime as Django stores it in SQLite: naive UTC text."""
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


class _Builder:
    def __init__(self, spec: ChunkSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.start = spec.end - dt.timedelta(days=5 * 365)
        self.span = (spec.end - self.start).total_seconds()

    def uuid_hex(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def person_name(self) -> tuple[str, str, str]:
        """Return (name, surname pinyin, given-name pinyin)."""
        rng = self.rng
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        length = 1 if rng.random() < 0.35 else 2
        given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(length))
        return surname + given, _pinyin(surname), _pinyin(given)

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def company(self, industry: str, district: tuple[str, str, str, str]) -> tuple[str, str]:
        """Return (name, short name) of a company in `district`."""
        rng = self.rng
        brand = rng.choice(BRAND_CHARACTERS) + rng.choice(BRAND_CHARACTERS)
        word = rng.choice(INDUSTRY_WORDS[industry])
        city = _city_prefix(district[0], district[1])
        roll = rng.random()
        if roll < 0.05:
            name = f"{brand}（{city}）{word}有限公司"
        elif roll < 0.15:
            name = f"{city}{brand}{word}股份有限公司"
        elif roll < 0.20:
            name = f"{city}{brand}{word}有限责任公司"
        elif roll < 0.23:
            name = f"{city}{brand}集团有限公司"
        elif roll < 0.28:
            branch = rng.choice(_districts())
            name = f"{city}{brand}{word}有限公司{_city_prefix(branch[0], branch[1])}分公司"
        elif roll < 0.33:
            name = f"{city}市{brand}{word}经营部"
        else:
            name = f"{city}{brand}{word}有限公司"
        short_name = brand + word[:2] if rng.random() < 0.6 else ""
        return name, short_name

    def credit_code(self, district_code: str) -> str:
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "91" + district_code + "".join(self.rng.choice(alphabet) for _ in range(9))
        return body + credit_check_character(body)

    def created_at(self, customer_id: int) -> dt.datetime:
        # Creation time grows with the id, with up to ten days of jitter as imports and back-dated
        # entries give in real data.
        position = (customer_id - 1) / max(self.spec.total_customers, 1)
        seconds = position * self.span - self.rng.uniform(0, 10 * 86400)
        return max(self.start, self.start + dt.timedelta(seconds=seconds))

    def owner_id(self) -> int:
        if self.rng.random() < self.spec.big_owner_share:
            return self.spec.big_owner_id
        return self.rng.choice(self.spec.other_owner_ids)

    def customer(self, customer_id: int, chunk: Chunk) -> None:
        rng = self.rng
        district = (
            rng.choice(_major_districts()) if rng.random() < 0.6 else rng.choice(_districts())
        )
        industry = rng.choice(INDUSTRIES)
        is_company = rng.random() < 0.92
        if is_company:
            name, short_name = self.company(industry, district)
            credit_code = self.credit_code(district[2]) if rng.random() < 0.85 else ""
        else:
            name, short_name, credit_code = self.person_name()[0], "", ""
        created = self.created_at(customer_id)
        age = (self.spec.end - created).total_seconds()
        updated = created + dt.timedelta(seconds=rng.uniform(0, age))
        last_follow_up = (
            created + dt.timedelta(seconds=rng.uniform(0, age)) if rng.random() < 0.7 else None
        )
        next_follow_up = (
            (self.spec.end + dt.timedelta(days=rng.randint(-30, 60))).date()
            if rng.random() < 0.4
            else None
        )
        address = f"{district[3]}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        chunk.customers.append(
            (
                customer_id,
                self.uuid_hex(),
                "company" if is_company else "individual",
                name,
                name_key(name),
                name_core(name),
                short_name,
                credit_code,
                industry if rng.random() < 0.8 else "",
                rng.choices(SIZES, SIZE_WEIGHTS)[0] if is_company else "",
                district[0],
                district[1],
                district[2],
                address,
                rng.choices(GRADES, GRADE_WEIGHTS)[0],
                rng.choice(SOURCES),
                rng.choices(STATUSES, STATUS_WEIGHTS)[0],
                self.owner_id(),
                self.spec.creator_id,
                _stored(created),
                _stored(updated),
                _stored(last_follow_up) if last_follow_up else None,
                next_follow_up.isoformat() if next_follow_up else None,
                "",
                "{}",
                1,
            )
        )
        if rng.random() < 0.2:
            for tag_id in rng.sample(self.spec.tag_ids, rng.randint(1, 2)):
                chunk.customer_tags.append((customer_id, tag_id))

        contacts = self.contacts(customer_id, created, chunk)
        values = customer_values(
            Customer(name=name, short_name=short_name, credit_code=credit_code), contacts
        )
        chunk.documents.append((customer_id, document_text(values)))

    def contacts(self, customer_id: int, created: dt.datetime, chunk: Chunk) -> list[Contact]:
        """Append 1 to 3 contacts (1.5 on average) and return them for the search index."""
        rng = self.rng
        roll = rng.random()
        # 55 % of customers have one contact, 40 % two and 5 % three.
        count = 3
        if roll < 0.55:
            count = 1
        elif roll < 0.95:
            count = 2
        made = []
        for position in range(count):
            name, surname, given = self.person_name()
            mobile = self.mobile() if rng.random() < 0.9 else ""
            phone = (
                f"{rng.choice(AREA_CODES)}-{rng.randrange(10**7, 10**8)}"
                if rng.random() < 0.2
                else ""
            )
            email = ""
            if rng.random() < 0.6:
                local = rng.choice(
                    (
                        f"{given}.{surname}",
                        f"{surname}{given}",
                        f"{surname}{given}{rng.randint(1, 99)}",
                    )
                )
                email = f"{local}@{rng.choice(MAIL_DOMAINS)}"
            wechat = f"{surname}{given}{rng.randint(100, 9999)}" if rng.random() < 0.3 else ""
            stamp = _stored(created + dt.timedelta(minutes=position))
            chunk.contacts.append(
                (
                    self.uuid_hex(),
                    customer_id,
                    name,
                    rng.choice(TITLES),
                    rng.choice(DECISION_ROLES),
                    mobile,
                    phone,
                    email,
                    wechat,
                    position == 0,
                    "",
                    "{}",
                    stamp,
                    stamp,
                    1,
                )
            )
            made.append(Contact(name=name, mobile=mobile, phone=phone, email=email, wechat=wechat))
        return made


def build_chunk(spec: ChunkSpec) -> Chunk:
    """Build the rows of customers first_id .. first_id + count - 1."""
    builder = _Builder(spec)
    chunk = Chunk()
    for customer_id in range(spec.first_id, spec.first_id + spec.count):
        builder.customer(customer_id, chunk)
    return chunk
