"""Word lists the demo company is generated from.

The parts are ordinary Chinese business vocabulary combined at random, so a generated name,
number or code may still match a real one by chance. The short word lists are kept several to
a line, outside the formatter, to stay readable.
"""

import dataclasses

from kehu.customers.choices import DecisionRole, Industry


@dataclasses.dataclass(frozen=True)
class City:
    name: str  # short name as it appears in company names: 杭州
    code: str  # GB/T 2260 city code; municipalities use the synthetic "<province>01"
    area_code: str  # landline prefix
    team: str  # "east" or "south": the sales team that usually owns customers there
    weight: int


CITIES = [
    City("杭州", "3301", "0571", "east", 14),
    City("宁波", "3302", "0574", "east", 6),
    City("温州", "3303", "0577", "east", 4),
    City("上海", "3101", "021", "east", 12),
    City("苏州", "3205", "0512", "east", 7),
    City("南京", "3201", "025", "east", 6),
    City("无锡", "3202", "0510", "east", 4),
    City("合肥", "3401", "0551", "east", 4),
    City("深圳", "4403", "0755", "south", 10),
    City("广州", "4401", "020", "south", 9),
    City("东莞", "4419", "0769", "south", 5),
    City("佛山", "4406", "0757", "south", 5),
    City("厦门", "3502", "0592", "south", 4),
    City("福州", "3501", "0591", "south", 3),
    City("北京", "1101", "010", "east", 4),
    City("成都", "5101", "028", "south", 3),
    City("武汉", "4201", "027", "east", 3),
]

# Two-character trade names (字号) of the kind Chinese SMEs register.
# fmt: off
BRANDS = [
    "星辰", "华信", "恒达", "博远", "鼎盛", "金诚", "瑞丰", "嘉禾", "汇通", "天成", "永泰", "宏图",
    "中科", "云帆", "联创", "蓝海", "启明", "德润", "致远", "锦程", "新元", "东方", "盛世", "安捷",
    "优品", "佳和", "伟业", "众邦", "同创", "华美", "正禾", "卓越", "润达", "凯旋", "远航", "朗润",
    "青禾", "华辰", "广源", "泰和", "万象", "聚力", "明德", "信诚", "汇泽", "海纳", "思源", "创新",
    "立达", "精工", "百川", "诚信", "利华", "金桥", "银峰", "和顺", "宏发", "天润", "晨光", "绿源",
    "睿智", "昌盛", "春晖", "四海", "长青", "久安", "兴隆", "华屹", "鸿运", "融通",
]
# fmt: on


@dataclasses.dataclass(frozen=True)
class Trade:
    words: str  # the business-scope part of a company name: 网络科技
    industry: str
    # Common company sizes for the trade, as CompanySize values.
    sizes: tuple[str, ...]


_SMALL = ("1-20", "21-100", "21-100", "101-500")
_FACTORY = ("21-100", "101-500", "101-500", "501-1000", "1000+")

TRADES = [
    Trade("网络科技", Industry.IT, _SMALL),
    Trade("信息技术", Industry.IT, _SMALL),
    Trade("软件技术", Industry.IT, _SMALL),
    Trade("智能科技", Industry.IT, _SMALL),
    Trade("电子商务", Industry.RETAIL, _SMALL),
    Trade("商贸", Industry.RETAIL, _SMALL),
    Trade("贸易", Industry.RETAIL, _SMALL),
    Trade("进出口", Industry.RETAIL, _SMALL),
    Trade("机械制造", Industry.MANUFACTURING, _FACTORY),
    Trade("精密机械", Industry.MANUFACTURING, _FACTORY),
    Trade("电子", Industry.MANUFACTURING, _FACTORY),
    Trade("新材料", Industry.MANUFACTURING, _FACTORY),
    Trade("包装材料", Industry.MANUFACTURING, _FACTORY),
    Trade("汽车零部件", Industry.MANUFACTURING, _FACTORY),
    Trade("五金制品", Industry.MANUFACTURING, _FACTORY),
    Trade("塑胶制品", Industry.MANUFACTURING, _FACTORY),
    Trade("物流", Industry.LOGISTICS, _SMALL),
    Trade("供应链管理", Industry.LOGISTICS, _SMALL),
    Trade("国际货运代理", Industry.LOGISTICS, _SMALL),
    Trade("建筑工程", Industry.CONSTRUCTION, _FACTORY),
    Trade("装饰工程", Industry.CONSTRUCTION, _SMALL),
    Trade("食品", Industry.FOOD, _FACTORY),
    Trade("餐饮管理", Industry.FOOD, _SMALL),
    Trade("教育科技", Industry.EDUCATION, _SMALL),
    Trade("职业技能培训", Industry.EDUCATION, _SMALL),
    Trade("医疗器械", Industry.HEALTHCARE, _FACTORY),
    Trade("生物科技", Industry.HEALTHCARE, _SMALL),
    Trade("健康管理", Industry.HEALTHCARE, _SMALL),
    Trade("文化传媒", Industry.MEDIA, _SMALL),
    Trade("广告", Industry.MEDIA, _SMALL),
    Trade("会展服务", Industry.MEDIA, _SMALL),
    Trade("企业管理咨询", Industry.BUSINESS_SERVICES, _SMALL),
    Trade("人力资源", Industry.BUSINESS_SERVICES, _SMALL),
    Trade("财务咨询", Industry.BUSINESS_SERVICES, _SMALL),
    Trade("物业管理", Industry.REAL_ESTATE, _SMALL),
    Trade("房地产经纪", Industry.REAL_ESTATE, _SMALL),
    Trade("新能源科技", Industry.ENERGY, _FACTORY),
    Trade("节能科技", Industry.ENERGY, _SMALL),
    Trade("农业科技", Industry.AGRICULTURE, _SMALL),
    Trade("生态农业", Industry.AGRICULTURE, _SMALL),
    Trade("融资租赁", Industry.FINANCE, _SMALL),
]

# The most common surnames, roughly in order of frequency; earlier ones are drawn more often.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭"
    "曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
)

# fmt: off
GIVEN_NAMES_TWO = [
    "建华", "丽娟", "志强", "晓明", "海燕", "俊杰", "秀英", "文涛", "静怡", "子轩", "国庆", "春梅",
    "建军", "晓燕", "玉兰", "永刚", "雪梅", "德明", "宇航", "思远", "佳琪", "浩然", "欣怡", "嘉豪",
    "梦琪", "立新", "红霞", "振华", "凤英", "世杰", "明辉", "婷婷", "晓东", "丽萍", "志刚", "慧敏",
    "海涛", "少华", "云飞", "雅琴",
]
# fmt: on
GIVEN_NAMES_ONE = list("伟芳娜敏静磊洋勇军杰涛超明霞平刚丹鹏辉玲燕斌波宁琳")


@dataclasses.dataclass(frozen=True)
class Title:
    name: str
    decision_role: str


TITLES = [
    Title("总经理", DecisionRole.DECISION_MAKER),
    Title("董事长", DecisionRole.DECISION_MAKER),
    Title("副总经理", DecisionRole.DECISION_MAKER),
    Title("采购经理", DecisionRole.PURCHASER),
    Title("采购主管", DecisionRole.PURCHASER),
    Title("财务总监", DecisionRole.INFLUENCER),
    Title("技术总监", DecisionRole.INFLUENCER),
    Title("IT经理", DecisionRole.INFLUENCER),
    Title("运营经理", DecisionRole.USER),
    Title("仓库主管", DecisionRole.USER),
    Title("销售总监", DecisionRole.USER),
    Title("行政主管", DecisionRole.GATEKEEPER),
    Title("总经理助理", DecisionRole.GATEKEEPER),
    Title("办公室主任", DecisionRole.GATEKEEPER),
]

# Mobile number prefixes in use by the three mainland carriers.
# fmt: off
MOBILE_PREFIXES = [
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159",
    "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "198", "199",
]

ROADS = [
    "人民路", "解放路", "中山路", "建设路", "长江路", "新华路", "科技路", "创业大道",
    "滨江大道", "学院路", "文化路", "工业大道", "环城北路",
]
BUILDINGS = [
    "科技园", "创业园", "商务中心", "大厦", "产业园", "国际广场",
]

TAGS = [
    "重点客户", "老客户转介绍", "展会线索", "价格敏感", "需要报价",
    "已签合同", "多门店", "有上市计划", "决策慢", "已试用",
]

# Products of the demo company, named in follow-up notes.
PRODUCTS = [
    "进销存系统", "财务软件", "客户管理系统", "OA办公系统", "生产管理系统",
]
# fmt: on
