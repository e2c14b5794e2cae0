"""search.pinyin_forms converts word by word with a cache; it must match whole-text conversion."""

import pytest
from pypinyin import lazy_pinyin

from kehu.customers.search import pinyin_forms


def _whole_text_forms(text: str) -> tuple[str, str]:
    syllables = [s.lower() for s in lazy_pinyin(text, errors="ignore") if s.strip()]
    syllables = [s for s in syllables if s.isascii() and s.isalnum()]
    return "".join(syllables), "".join(s[0] for s in syllables)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("杭州星月科技有限公司", ("hangzhouxingyuekejiyouxiangongsi", "hzxykjyxgs")),
        ("重庆银行股份有限公司", ("chongqingyinhanggufenyouxiangongsi", "cqyhgfyxgs")),
        ("长沙长江行长", ("changshachangjianghangzhang", "cscjhz")),
        ("ABC科技(上海)有限公司", ("kejishanghaiyouxiangongsi", "kjshyxgs")),
        ("王芳", ("wangfang", "wf")),
        ("", ("", "")),
    ],
)
def test_pinyin_forms_values(text: str, expected: tuple[str, str]) -> None:
    assert pinyin_forms(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "中国银行重庆分行",
        "了解了不了了之",
        "厦门ＸＹＺ贸易有限公司",
        "Kehu 客户 CRM 2026",
        "🙂阿里巴巴网络技术有限公司",
        "上海浦东发展银行股份有限公司长春分行",
        "单于长乐",
        "   ",
    ],
)
def test_pinyin_forms_match_whole_text(text: str) -> None:
    assert pinyin_forms(text) == _whole_text_forms(text)
