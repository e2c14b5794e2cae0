"""Random but realistic values for the demo company: names, codes, addresses, contacts.

Every draw comes from one seeded generator, and values the duplicate check compares (company
names, credit codes, mobiles, emails, WeChat IDs) are never handed out twice.
"""

import datetime as dt
import random
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from pypinyin import lazy_pinyin

from kehu.core import regions
from kehu.customers import normalize
from kehu.customers.choices import CustomerKind, DecisionRole
from kehu.demo import names

# Letters of generated WeChat IDs, without the easily confused i, l, o, 0 and 1.
_WXID_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"
# GB 11714: weights of the eight body characters of an organisation code.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Letters that a unified social credit code may contain (no I, O, S, V, Z).
_CODE_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"


def org_code_check_character(body: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(ch, 36) * weight for ch, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text))


class Generator:
    """Draws demo values from one seeded generator, never handing out a compared value twice.

    Uniqueness matters because the services reject exact and close duplicates.
    """

    def __init__(self, seed: int, start: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.start = start
        self.today = start.astimezone(self.zone).date()
        self.name_cores: set[str] = set()
        self.credit_codes: set[str] = set()
        self.mobiles: set[str] = set()
        self.emails: set[str] = set()
        self.wechats: set[str] = set()

    # Dates and times

    def weekdays(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days = []
        day = first
        while day <= last:
            if day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def office_time(self, day: dt.date, earliest: int = 9) -> dt.datetime:
        """Return a moment between `earliest` o'clock and 18:30 local time on `day`."""
        minutes = self.rng.randint(earliest * 60, 18 * 60 + 30)
        local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(dt.UTC)

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    # People

    def person_name(self) -> str:
        # Earlier surnames are more common, as in the population.
        surname = self.rng.choices(names.SURNAMES, weights=range(len(names.SURNAMES), 0, -1))[0]
        if self.rng.random() < 0.6:
            return surname + self.rng.choice(names.GIVEN_NAMES_TWO)
        return surname + self.rng.choice(names.GIVEN_NAMES_ONE)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(names.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def claim(self, pool: set[str], candidates: Sequence[str]) -> str:
        """Return the first unused candidate, else the first one numbered; mark it used."""
        for candidate in candidates:
            if candidate not in pool:
                pool.add(candidate)
                return candidate
        local, at, domain = candidates[0].partition("@")
        while True:
            numbered = f"{local}{self.rng.randint(2, 999)}{at}{domain}"
            if numbered not in pool:
                pool.add(numbered)
                return numbered

    def contact(
        self, name: str, title: names.Title | None, domain: str, area_code: str
    ) -> dict[str, Any]:
        """Return contact values; `domain` is the company's mail domain, "" for none."""
        syllables = lazy_pinyin(name)
        full = "".join(syllables)
        initials = "".join(syllable[0] for syllable in syllables)
        values: dict[str, Any] = {"name": name, "mobile": self.mobile()}
        if title is not None:
            values["title"] = title.name
            values["decision_role"] = title.decision_role
        if self.rng.random() < 0.3:
            values["phone"] = f"{area_code}-{self.rng.randint(5, 8)}{self.rng.randrange(10**7):07d}"
        roll = self.rng.random()
        if domain and roll < 0.45:
            values["email"] = self.claim(self.emails, [f"{full}@{domain}", f"{initials}@{domain}"])
        elif roll < 0.7:
            mailbox = self.rng.choice(["163.com", "126.com", "qq.com", "sina.com"])
            local = f"{self.rng.randint(10**7, 10**10)}" if mailbox == "qq.com" else full
            values["email"] = self.claim(self.emails, [f"{local}@{mailbox}"])
        if self.rng.random() < 0.75:
            wechat = self.rng.choice(
                [
                    f"{full}{self.rng.randint(70, 99)}",
                    f"{initials}_{self.rng.randint(1000, 9999)}",
                    "wxid_" + "".join(self.rng.choices(_WXID_LETTERS, k=12)),
                ]
            )
            values["wechat"] = self.claim(self.wechats, [wechat])
        return values

    def contacts(self, domain: str, area_code: str, count: int) -> list[dict[str, Any]]:
        decision_makers = [
            t for t in names.TITLES if t.decision_role == DecisionRole.DECISION_MAKER
        ]
        others = [t for t in names.TITLES if t.decision_role != DecisionRole.DECISION_MAKER]
        titles = [self.rng.choice(decision_makers if self.rng.random() < 0.6 else others)]
        titles.extend(self.rng.sample([t for t in others if t not in titles], count - 1))
        return [self.contact(self.person_name(), title, domain, area_code) for title in titles]

    # Companies

    def company(self) -> tuple[dict[str, Any], names.City, str]:
        """Return customer values, the city and an email domain for a new company."""
        while True:
            city = self.rng.choices(names.CITIES, weights=[c.weight for c in names.CITIES])[0]
            brand = self.rng.choice(names.BRANDS)
            trade = self.rng.choice(names.TRADES)
            name = self.company_name(city, brand, trade.words)
            core = normalize.name_core(name)
            if core not in self.name_cores:
                self.name_cores.add(core)
                break

        city_division = regions.get(city.code)
        assert city_division is not None, city.code
        districts = regions.children_of(city.code)
        district = self.rng.choice(districts) if districts else None
        values: dict[str, Any] = {
            "name": name,
            "kind": CustomerKind.COMPANY,
            "credit_code": self.credit_code(district.code if district else city.code + "00"),
            "industry": trade.industry,
            "size": self.rng.choice(trade.sizes),
            "province": city_division.parent,
            "city": city.code,
            "address": self.address(district.name if district else "", brand),
        }
        if district:
            values["district"] = district.code
        if self.rng.random() < 0.4:
            # Short names are the trade name, alone or after the city: 星辰, 杭州星辰.
            values["short_name"] = self.rng.choice([brand, city.name + brand])

        city_initials = "".join(s[0] for s in lazy_pinyin(city.name))
        domain = f"{_pinyin(brand)}{city_initials}.com"
        return values, city, domain

    def company_name(self, city: names.City, brand: str, trade: str) -> str:
        form = self.rng.choices(range(6), weights=[55, 12, 10, 8, 5, 10])[0]
        if form == 1:
            return f"{city.name}市{brand}{trade}有限公司"
        if form == 2:
            return f"{brand}{trade}（{city.name}）有限公司"
        if form == 3:
            province = regions.get(city.code[:2])
            assert province is not None
            return f"{regions.short_name(province.name)}{brand}{trade}股份有限公司"
        if form == 4:
            return f"{city.name}{brand}{trade}集团有限公司"
        if form == 5:
            return f"{city.name}{brand}{trade}有限责任公司"
        return f"{city.name}{brand}{trade}有限公司"

    def credit_code(self, division: str) -> str:
        """Return a new code with valid check characters (GB 32100-2015 and GB 11714).

        Layout: 9 (registered by market regulation), 1 (enterprise), the 6-digit division,
        the 9-character organisation code, the check character.
        """
        while True:
            if self.rng.random() < 0.7:
                body = "MA" + "".join(self.rng.choices("0123456789" + _CODE_LETTERS, k=6))
            else:
                body = f"{self.rng.randrange(10**8):08d}"
            first17 = "91" + division + body + org_code_check_character(body)
            code = first17 + normalize.credit_check_character(first17)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def address(self, district: str, brand: str) -> str:
        street = f"{district}{self.rng.choice(names.ROADS)}{self.rng.randint(1, 999)}号"
        if self.rng.random() < 0.5:
            building = self.rng.choice(names.BUILDINGS)
            street += f"{brand}{building}{self.rng.randint(1, 12)}号楼{self.rng.randint(1, 20)}层"
        return street

    def individual(self) -> tuple[dict[str, Any], names.City]:
        """Return customer values and the city of a person who buys for themselves."""
        while True:
            name = self.person_name()
            core = normalize.name_core(name)
            if core not in self.name_cores:
                self.name_cores.add(core)
                break
        city = self.rng.choices(names.CITIES, weights=[c.weight for c in names.CITIES])[0]
        city_division = regions.get(city.code)
        assert city_division is not None
        values = {
            "name": name,
            "kind": CustomerKind.INDIVIDUAL,
            "province": city_division.parent,
            "city": city.code,
        }
        return values, city
