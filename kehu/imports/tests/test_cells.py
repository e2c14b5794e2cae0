import datetime as dt

import pytest
from django.utils import timezone

from kehu.imports.cells import to_bool, to_date, to_datetime, to_text
from kehu.imports.regions import SplitRegion, split_region


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (13800138000.0, "13800138000"),
        ("013800138000", "013800138000"),
        (" 王芳 ", "王芳"),
        (1100.04, "1100.04"),
        (2822.0, "2822"),
        (True, "是"),
        (dt.date(2024, 3, 5), "2024-03-05"),
        (dt.datetime(2024, 3, 5, 13, 14, 15), "2024-03-05 13:14:15"),
        (999999999999999.0, "999999999999999"),
    ],
)
def test_to_text(value: object, expected: str) -> None:
    assert to_text(value) == expected  # type: ignore[arg-type]


def test_long_number_that_lost_digits_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"holds the number 9.11101081234568e\+17, which has lost"):
        to_text(911101081234567895.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45356.0, dt.date(2024, 3, 5)),
        (45356, dt.date(2024, 3, 5)),
        ("45356", dt.date(2024, 3, 5)),
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024/3/5", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        (dt.datetime(2024, 3, 5, 8, 0), dt.date(2024, 3, 5)),
        ("", None),
    ],
)
def test_to_date(value: object, expected: dt.date | None) -> None:
    assert to_date(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["2024-02-30", "next week", 45356.5, True, "03/05/2024"])
def test_to_date_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="is not a valid date"):
        to_date(value)  # type: ignore[arg-type]


def test_to_datetime_reads_serials_text_and_cells() -> None:
    shanghai = timezone.get_current_timezone()

    assert to_datetime(45356.5) == dt.datetime(2024, 3, 5, 12, 0, tzinfo=shanghai)
    assert to_datetime("2020-02-02 13:13:13") == dt.datetime(
        2020, 2, 2, 13, 13, 13, tzinfo=shanghai
    )
    assert to_datetime("2024/3/5 9:30") == dt.datetime(2024, 3, 5, 9, 30, tzinfo=shanghai)
    assert to_datetime(dt.date(2024, 3, 5)) == dt.datetime(2024, 3, 5, 0, 0, tzinfo=shanghai)
    with pytest.raises(ValueError, match="is not a valid date and time"):
        to_datetime("2024-03-05 25:00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("是", True), ("否", False), (1.0, True), (0.0, False), ("TRUE", True), ("", None)],
)
def test_to_bool(value: object, expected: bool | None) -> None:
    assert to_bool(value) is expected  # type: ignore[arg-type]


def test_to_bool_rejects_other_words() -> None:
    with pytest.raises(ValueError, match="is not yes or no"):
        to_bool("maybe")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浙江省杭州市西湖区", SplitRegion("33", "3301", "330106")),
        ("浙江杭州西湖", SplitRegion("33", "3301", "330106")),
        ("浙江省 杭州市 西湖区", SplitRegion("33", "3301", "330106")),
        ("浙江/杭州", SplitRegion("33", "3301")),
        ("杭州市西湖区", SplitRegion("33", "3301", "330106")),
        ("广东", SplitRegion("44")),
        ("北京市朝阳区", SplitRegion("11", "1101", "110105")),
        ("北京北京市朝阳区", SplitRegion("11", "1101", "110105")),
        ("上海市市辖区浦东新区", SplitRegion("31", "3101", "310115")),
        ("内蒙古呼和浩特市新城区", SplitRegion("15", "1501", "150102")),
        ("广西壮族自治区南宁市", SplitRegion("45", "4501")),
        ("福建省福州市鼓楼区", SplitRegion("35", "3501", "350102")),
        ("江苏省南京市鼓楼区", SplitRegion("32", "3201", "320106")),
    ],
)
def test_split_region(text: str, expected: SplitRegion) -> None:
    assert split_region(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("火星", "“火星” is not a known region."),
        ("浙江省广州市", "“浙江省广州市”: “广州市” is not a city of 浙江省."),
        ("浙江省杭州市鼓楼区", "“浙江省杭州市鼓楼区”: “鼓楼区” is not a district of 浙江省杭州市."),
        (
            "浙江省杭州市西湖区文三路90号",
            "“浙江省杭州市西湖区文三路90号”: “西湖区文三路90号” is not a district of 浙江省杭州市.",
        ),
        ("鼓楼区", "“鼓楼区” is not a known region."),
    ],
)
def test_split_region_rejects_what_does_not_fit(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        split_region(text)

    assert str(raised.value) == message
