"""Every message catalog is complete: Chinese is the default language, English the fallback."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

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
