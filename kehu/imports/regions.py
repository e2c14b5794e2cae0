"""Split a combined region cell such as 浙江省杭州市西湖区 or 浙江杭州西湖 into division codes.

The text is matched against the division tree from the top: a province by its full or short
name, then one of its cities, then one of that city's districts. Nothing is guessed: text that
is left over, or a name that fits no division, is an error.
"""

import dataclasses
import functools
import re

from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.core.regions import Division

_SEPARATORS = re.compile(r"[\s,，/、\-|>]+")


@dataclasses.dataclass(frozen=True)
class SplitRegion:
    province: str
    city: str = ""
    district: str = ""


def _names(division: Division) -> list[str]:
    names = [division.name, regions.short_name(division.name)]
    return sorted({name for name in names if name}, key=len, reverse=True)


@functools.cache
def _name_table(parent: str) -> tuple[dict[str, Division], tuple[int, ...]]:
    """Return {full or short name: division} of the children of `parent`, and the name lengths.

    A name shared by two children (rare at one level) keeps the first child, as the tree lists
    them.
    """
    table: dict[str, Division] = {}
    for division in regions.children_of(parent):
        for name in _names(division):
            table.setdefault(name, division)
    lengths = tuple(sorted({len(name) for name in table}, reverse=True))
    return table, lengths


def _match_prefix(text: str, parent: str) -> tuple[Division, str] | None:
    """Return the child of `parent` whose name starts `text` (longest name first) and the rest."""
    table, lengths = _name_table(parent)
    for length in lengths:
        division = table.get(text[:length]) if length <= len(text) else None
        if division is not None:
            return division, text[length:]
    return None


def _skip_municipality_repeat(text: str, province: Division) -> str:
    """Drop 市辖区 or a repeated municipality name: 北京市北京市朝阳区 -> 朝阳区."""
    for name in ("市辖区", *_names(province)):
        if text.startswith(name):
            return text[len(name) :]
    return text


def split_region(raw: str) -> SplitRegion:
    """Return the codes of the divisions named in `raw`, or raise ValueError."""
    found = _split_cached(raw, translation.get_language())
    if isinstance(found, str):
        raise ValueError(found)
    return found


# A file repeats the same few hundred regions thousands of times; errors are cached as messages
# in the language they were written in.
@functools.lru_cache(maxsize=8192)
def _split_cached(raw: str, language: str | None) -> SplitRegion | str:
    try:
        return _split(raw)
    except ValueError as error:
        return str(error)


def _split(raw: str) -> SplitRegion:
    text = _SEPARATORS.sub("", raw)
    if not text:
        raise ValueError(_("The region is empty."))
    found = _match_prefix(text, "")
    if found is None:
        return _split_without_province(raw, text)
    province, rest = found
    return _split_below(raw, province, rest)


def _split_below(raw: str, province: Division, rest: str) -> SplitRegion:
    if not rest:
        return SplitRegion(province.code)
    cities = regions.children_of(province.code)
    if regions.is_municipality(province.code):
        city = cities[0]
        rest = _skip_municipality_repeat(rest, province)
    else:
        found_city = _match_prefix(rest, province.code)
        if found_city is None:
            # Counties directly under a province (省直辖县级行政区划) are found one level down.
            for candidate in cities:
                found_district = _match_prefix(rest, candidate.code)
                if found_district is not None and not found_district[1]:
                    return SplitRegion(province.code, candidate.code, found_district[0].code)
            raise ValueError(
                _("“%(value)s”: “%(rest)s” is not a city of %(province)s.")
                % {"value": raw, "rest": rest, "province": province.name}
            )
        city, rest = found_city
    if not rest:
        return SplitRegion(province.code, city.code)
    found_district = _match_prefix(rest, city.code)
    if found_district is None or found_district[1]:
        raise ValueError(
            _("“%(value)s”: “%(rest)s” is not a district of %(city)s.")
            % {"value": raw, "rest": rest, "city": regions.label(province.code, city.code, "")}
        )
    return SplitRegion(province.code, city.code, found_district[0].code)


def _split_without_province(raw: str, text: str) -> SplitRegion:
    """Match a city first (杭州市西湖区) when the province was left out; it must be unique."""
    matches = []
    for province in regions.provinces():
        if regions.is_municipality(province.code):
            continue
        found = _match_prefix(text, province.code)
        if found is not None:
            matches.append((province, found[0], found[1]))
    if len(matches) != 1:
        raise ValueError(_("“%(value)s” is not a known region.") % {"value": raw})
    province, city, rest = matches[0]
    return _split_below(raw, province, city.name + rest if rest else city.name)
