"""A password validator for Chinese display names, listed in AUTH_PASSWORD_VALIDATORS.

Django's UserAttributeSimilarityValidator compares the whole password with each attribute. A
two-character name such as 王伟 is too short for that ratio to catch 王伟123456, and the name
usually goes into a password as its pinyin (wangwei2024), which that validator does not try.
"""

import itertools
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import Style, pinyin

# Characters a password may put between or around the parts of a name: "Wang.Wei", "wang_wei".
_SEPARATORS = re.compile(r"[\s._\-·]+")
# Readings tried per name, because a surname such as 单 or 曾 has several.
MAX_READINGS = 32


def name_forms(name: str) -> set[str]:
    """Return the forms of a display name a password may contain, lowercase, without separators.

    These are the name as written, its pinyin in every combination of readings, and the pinyin
    with the surname last ("weiwang"), the order of Western forms such as "Wei Wang". Forms of
    one character or fewer than three letters are left out, because they occur in passwords
    by chance.
    """
    text = _SEPARATORS.sub("", name).lower()
    if not text:
        return set()
    readings = [
        [reading.lower() for reading in choices]
        for choices in pinyin(text, style=Style.NORMAL, heteronym=True)
    ]
    forms = {text}
    for syllables in itertools.islice(itertools.product(*readings), MAX_READINGS):
        forms.add("".join(syllables))
        if len(syllables) > 1:
            forms.add("".join([*syllables[1:], syllables[0]]))
    return {form for form in forms if len(form) >= (3 if form.isascii() else 2)}


_NOT_LETTERS = re.compile(r"[^a-z\u3400-\u9fff]+")


def _without_tone_marks(text: str) -> str:
    """Return pinyin without its tone marks: "wángwěi" reads "wangwei"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class DisplayNameValidator:
    """Reject a password that is the user's display name, in characters or pinyin, plus little.

    A password that contains a form of the name (see `name_forms`) must keep at least
    `min_rest` other characters. So 王伟123456 and wangwei2024 are rejected, while a long
    password that happens to contain the name passes.
    """

    def __init__(self, min_rest: int = 8) -> None:
        self.min_rest = min_rest

    def validate(self, password: str, user: Any = None) -> None:
        name = str(getattr(user, "display_name", "") or "")
        compact = _without_tone_marks(_SEPARATORS.sub("", password).lower())
        # The name split by digits or signs ("wang2024wei") still reads as the name.
        letters = _NOT_LETTERS.sub("", compact)
        for form in sorted(name_forms(name), key=len, reverse=True):
            rest = len(compact.replace(form, "")) if form in compact else None
            if rest is None and form in letters:
                rest = len(compact) - len(form)
            if rest is not None and rest < self.min_rest:
                raise ValidationError(
                    _(
                        "The password is too close to the name “%(name)s”, because fewer than "
                        "%(count)d characters remain without the name or its pinyin. Choose a "
                        "password that does not build on the name."
                    )
                    % {"name": name, "count": self.min_rest},
                    code="password_too_similar",
                )

    def get_help_text(self) -> str:
        return _("Your password can't be your name or its pinyin with a few characters added.")
