"""Every message catalog is complete and consistent.

Chinese is the default language, English the fallback.
"""

import ast
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

CATALOGS = sorted(
    Path(__file__).resolve().parent.parent.glob("kehu/*/locale/zh_Hans/LC_MESSAGES/django.po")
)


def test_catalogs_found() -> None:
    apps = {path.parts[-5] for path in CATALOGS}

    assert {"customers", "timeline", "imports", "web", "api"} <= apps


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-5])
def test_catalog_fully_translated(catalog: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt is not None, "install gettext (apt-get install gettext)"

    result = subprocess.run(
        [msgfmt, "--check-format", "--statistics", "-o", "/dev/null", str(catalog)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", summary), result.stderr


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-5])
def test_catalog_addresses_users_politely(catalog: Path) -> None:
    """Chinese messages address the user as 您 throughout, never as the familiar 你."""
    translations = [
        line
        for line in catalog.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("msgid", "#", '"Project')) and "你" in line
    ]

    assert translations == []


# Clashes that read right in every app: (msgctxt or None, msgid) and the reason. Add one only
# when the first app's translation is also correct on the other apps' screens.
HARMLESS_CLASHES: dict[tuple[str | None, str], str] = {}


def _translations(catalog: Path) -> dict[tuple[str | None, str], str]:
    """Return the msgstr (the first form of a plural) of each (msgctxt, msgid) in a PO file.

    Obsolete entries (#~) and the header are left out. Only the PO syntax makemessages
    writes is read: one keyword per line, followed by quoted continuation lines.
    """
    found: dict[tuple[str | None, str], str] = {}
    entry: dict[str, str] = {}
    keyword = ""
    lines = catalog.read_text(encoding="utf-8").splitlines()
    for line in [*lines, ""]:
        if not line.strip():
            if entry.get("msgid"):
                translation = entry.get("msgstr", entry.get("msgstr[0]", ""))
                found[(entry.get("msgctxt"), entry["msgid"])] = translation
            entry, keyword = {}, ""
        elif line.startswith('"'):
            entry[keyword] += ast.literal_eval(line)
        elif not line.startswith("#"):
            keyword, _space, quoted = line.partition(" ")
            entry[keyword] = ast.literal_eval(quoted)
    return found


def test_apps_agree_on_shared_messages() -> None:
    """Two apps that translate one message differently must use a msgctxt (pgettext).

    Django merges the apps' catalogs so that the app listed first in INSTALLED_APPS wins, so
    the other app's screens show a translation that was not written for them.
    """
    order = [app.removeprefix("kehu.") for app in settings.INSTALLED_APPS]
    by_message: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for catalog in CATALOGS:
        app = catalog.parts[-5]
        for message, translation in _translations(catalog).items():
            by_message[message][app] = translation

    clashes = []
    for message, translations in sorted(by_message.items(), key=lambda item: repr(item[0])):
        if len(set(translations.values())) < 2 or message in HARMLESS_CLASHES:
            continue
        winner = min(translations, key=order.index)
        for app, translation in sorted(translations.items()):
            if translation != translations[winner]:
                clashes.append(
                    f"{message}: {app} shows {winner}'s {translations[winner]!r}, "
                    f"not its own {translation!r}"
                )

    assert clashes == []


def test_clash_check_reads_catalogs() -> None:
    translations = _translations(CATALOGS[0])

    assert len(translations) > 10
    assert all(message for _context, message in translations)
