from kehu.core import regions


def test_province_found_by_short_and_full_name() -> None:
    assert [d.code for d in regions.match_child("", "浙江")] == ["33"]
    assert [d.code for d in regions.match_child("", "浙江省")] == ["33"]
    assert [d.code for d in regions.match_child("", "内蒙古")] == ["15"]


def test_municipality_has_synthetic_city() -> None:
    assert regions.is_municipality("11") is True
    assert [d.code for d in regions.children_of("11")] == ["1101"]
    assert regions.match_child("1101", "朝阳区")[0].code == "110105"


def test_same_district_name_under_two_cities() -> None:
    assert [d.code for d in regions.match_child("3201", "鼓楼区")] == ["320106"]
    assert regions.match_child("3501", "鼓楼")[0].code == "350102"


def test_label_skips_municipality_city() -> None:
    assert regions.label("11", "1101", "110105") == "北京市朝阳区"
    assert regions.label("33", "3301", "330106") == "浙江省杭州市西湖区"
