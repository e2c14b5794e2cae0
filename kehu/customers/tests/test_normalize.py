import pytest

from kehu.customers import normalize


@pytest.mark.parametrize(
    "name",
    [
        "杭州星星科技有限公司",
        "杭州星星科技有限责任公司",
        "杭州星星科技股份有限公司",
        "杭州 星星 科技 有限公司",
        "杭州星星科技（有限公司）",
        "ＨＡＮＧＺＨＯＵ星星科技有限公司".replace("ＨＡＮＧＺＨＯＵ", "杭州"),
    ],
)
def test_name_key_ignores_legal_form_and_spacing(name: str) -> None:
    assert normalize.name_key(name) == "杭州星星科技"


def test_name_key_folds_width_and_case() -> None:
    assert normalize.name_key("ＡＢＣ Trading Co., Ltd.") == normalize.name_key("abc trading")


def test_brackets_of_either_width_match() -> None:
    assert normalize.name_key("澳妆（上海）国际贸易有限公司") == normalize.name_key(
        "澳妆(上海)国际贸易有限公司"
    )


def test_core_drops_city_branch_and_group() -> None:
    assert normalize.name_core("澳妆（上海）国际贸易有限公司") == "澳妆国际贸易"
    assert normalize.name_core("安徽华源医药有限公司合肥分公司") == "安徽华源医药"
    assert normalize.name_core("万达集团有限公司") == "万达"


@pytest.mark.parametrize("raw", ["+86 138 1234 5678", "0086-138-1234-5678", "138-1234-5678"])
def test_mainland_mobile_normalised(raw: str) -> None:
    assert normalize.normalize_mobile(raw) == "13812345678"


def test_hong_kong_mobile_kept_international() -> None:
    assert normalize.normalize_mobile("+852 9123 4567") == "+85291234567"


@pytest.mark.parametrize("raw", ["1381234567", "23812345678", "phone"])
def test_invalid_mobile_rejected(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize.normalize_mobile(raw)


def test_credit_code_checksum() -> None:
    body = "91330106MA2H0B0X0"
    valid = body + normalize.credit_check_character(body)

    assert normalize.normalize_credit_code(valid.lower()) == valid
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    with pytest.raises(ValueError):
        normalize.normalize_credit_code(wrong)


def test_known_real_credit_code_validates() -> None:
    # The published code of Alibaba (China) Co., Ltd.
    assert normalize.normalize_credit_code("91330100799655058B") == "91330100799655058B"


def test_mobile_with_bare_country_code() -> None:
    assert normalize.normalize_mobile("86-13800138000") == "13800138000"


@pytest.mark.parametrize("raw", ["0571-8888 6666", "0571-88886666 转 801", "(021) 5555-1234"])
def test_landline_forms_accepted(raw: str) -> None:
    assert normalize.normalize_phone(raw) == raw


@pytest.mark.parametrize("raw", ["<b>1</b>", "1234", "call me"])
def test_landline_rejects_text(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize.normalize_phone(raw)
