"""Normalisation of the values used for duplicate checks and search.

Each function is pure and total: it returns "" for a value that has nothing to compare, and the
validators raise ValueError with a message for people.
"""

import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext as _

# Longest first, so 有限责任公司 is stripped whole rather than leaving 有限责任.
LEGAL_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "公司",
        "合伙企业",
        "有限合伙",
        "普通合伙",
        "个体工商户",
        "co.,ltd.",
        "co.,ltd",
        "co.ltd",
        "co. ltd",
        "company limited",
        "limited",
        "ltd.",
        "ltd",
        "inc.",
        "inc",
        "corp.",
        "corporation",
        "llc",
        "gmbh",
    ],
    key=len,
    reverse=True,
)

_BRACKETED = re.compile(r"\([^()]*\)")
_NOT_WORD = re.compile(r"[\s\W_]+", re.UNICODE)
# The suffixes as `name_key` compares them: without spaces and punctuation, in the same order.
_COMPACT_SUFFIXES = tuple(dict.fromkeys(_NOT_WORD.sub("", suffix) for suffix in LEGAL_SUFFIXES))


def fold_width(value: str) -> str:
    """Fold full-width letters, digits, brackets and spaces to their half-width forms."""
    return unicodedata.normalize("NFKC", value)


def name_key(name: str) -> str:
    """Return the exact-duplicate key of a company name.

    Width, case, spaces, punctuation and bracket style are ignored, and one legal-form suffix is
    dropped, so 杭州星星科技有限公司 and 杭州星星科技（有限责任公司） do not both get created.
    """
    text = fold_width(name).lower().strip()
    text = text.replace("(", "").replace(")", "")
    text = _NOT_WORD.sub("", text)
    for compact in _COMPACT_SUFFIXES:
        if text.endswith(compact) and len(text) > len(compact):
            text = text[: -len(compact)]
            break
    return text


def without_legal_form(name: str) -> str:
    """Return a company name without one trailing Chinese legal-form suffix such as 有限公司.

    Search indexes the pinyin of names without it: nearly every company has one, so its pinyin
    (youxiangongsi) would match every customer and only make the index bigger.
    """
    text = name.strip()
    for suffix in LEGAL_SUFFIXES:
        if suffix.isascii():
            continue
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].rstrip()
    return text


def name_core(name: str) -> str:
    """Return the close-match key: the exact key without any bracketed part such as a city.

    澳妆（上海）国际贸易有限公司 and 澳妆国际贸易有限公司 share a core, so creating one while
    the other exists warns instead of blocking.
    """
    text = fold_width(name).lower()
    text = _BRACKETED.sub("", text)
    for marker in ("分公司", "办事处", "branch"):
        index = text.find(marker)
        if index > 0:
            head = text[:index]
            # Drop the branch's own city name in front of the marker: 有限公司合肥分公司.
            for suffix in ("有限公司", "公司"):
                cut = head.rfind(suffix)
                if cut > 0:
                    head = head[: cut + len(suffix)]
                    break
            text = head
            break
    key = name_key(text)
    if key.endswith("集团") and len(key) > 2:
        key = key[:-2]
    return key


# GB 32100-2015: the 31 characters of the code alphabet and the weights of positions 1-17.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_character(first17: str) -> str:
    total = sum(
        _CREDIT_ALPHABET.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """Return an 18-character unified social credit code, or raise ValueError.

    The last character is a check character over the first 17 (GB 32100-2015), which catches
    almost every typo.
    """
    code = fold_width(value).strip().upper().replace(" ", "").replace("-", "")
    if not code:
        return ""
    if len(code) != 18:
        raise ValueError(
            _("A unified social credit code has 18 characters, this one has %(count)d.")
            % {"count": len(code)}
        )
    invalid = [ch for ch in code if ch not in _CREDIT_ALPHABET]
    if invalid:
        raise ValueError(
            _("The character “%(char)s” cannot appear in a unified social credit code.")
            % {"char": invalid[0]}
        )
    if credit_check_character(code[:17]) != code[17]:
        raise ValueError(
            _(
                "The check character of this unified social credit code is wrong; "
                "please check for a typo."
            )
        )
    return code


def normalize_mobile(value: str) -> str:
    """Return a mobile number in its stored form, or raise ValueError.

    Mainland numbers (with or without +86, 0086, spaces or dashes) become 11 digits starting
    with 1; others become E.164 such as +85291234567.
    """
    raw = fold_width(value).strip()
    if not raw:
        return ""
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("0086"):
        digits = "+86" + digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = "+" + digits
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if digits.startswith("+"):
        try:
            parsed = phonenumbers.parse(digits, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and phonenumbers.is_valid_number(parsed):
            if parsed.country_code == 86:
                national = str(parsed.national_number)
                if re.fullmatch(r"1[3-9]\d{9}", national):
                    return national
            else:
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    raise ValueError(_("“%(value)s” is not a valid mobile number.") % {"value": value})


_PHONE_TEXT = re.compile(r"[0-9+\-() ,;#*/转分机extEXT.]*")


def normalize_phone(value: str) -> str:
    """Tidy a landline number for display, or raise ValueError for text that is no number.

    Extensions stay as typed (0571-8888 6666 转 801), so only digits, separators and the usual
    extension words are allowed, with at least five digits.
    """
    text = re.sub(r"\s+", " ", fold_width(value)).strip()
    if text and (not _PHONE_TEXT.fullmatch(text) or len(phone_digits(text)) < 5):
        raise ValueError(_("“%(value)s” is not a valid phone number.") % {"value": value})
    return text


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def normalize_email(value: str) -> str:
    return fold_width(value).strip().lower()


def normalize_wechat(value: str) -> str:
    """WeChat IDs are case-insensitive and may not contain spaces."""
    return fold_width(value).strip().lower()
