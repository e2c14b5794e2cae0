import ast
from pathlib import Path

import pytest
from django.test import Client

from kehu.conftest import Personas
from kehu.web.tests.conftest import ClientFor, MakeCustomer

CATALOGS = [
    Path(__file__).resolve().parents[1] / "locale/zh_Hans/LC_MESSAGES/django.po",
    Path(__file__).resolve().parents[2] / "fields/locale/zh_Hans/LC_MESSAGES/django.po",
]


def _entries(path: Path) -> list[tuple[str, str, bool]]:
    """Return (msgid, msgstr, is_fuzzy) of every live entry of a .po file but the header."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        parts: dict[str, str] = {}
        current = ""
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                parts[current] += ast.literal_eval(line)
            else:
                current, _space, quoted = line.partition(" ")
                parts[current] = ast.literal_eval(quoted)
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if parts["msgid"]:
            entries.append((parts["msgid"], parts.get("msgstr", parts.get("msgstr[0]", "")), fuzzy))
    return entries


@pytest.mark.parametrize("catalog", CATALOGS, ids=["web", "fields"])
def test_every_message_has_chinese(catalog: Path) -> None:
    entries = _entries(catalog)

    assert len(entries) > 10
    assert [msgid for msgid, msgstr, _fuzzy in entries if not msgstr] == []
    assert [msgid for msgid, _msgstr, fuzzy in entries if fuzzy] == []


def test_list_page_in_chinese(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司")

    client = client_for(personas.rep)
    response = client.get("/")
    count = client.get("/customers/count/")

    assert "<h1>客户</h1>" in response.text
    assert "新建客户" in response.text
    assert "正在统计…" in response.text
    assert "共 1 个客户" in count.text
    assert "今日待跟进" in response.text


def test_language_switch_shows_english(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司")
    make_customer("宁波海风贸易有限公司")
    client = client_for(personas.rep)

    switched = client.post("/language/", {"language": "en", "next": "/"})
    response = client.get("/")
    count = client.get("/customers/count/")

    assert switched.status_code == 302
    assert switched["Location"] == "/"
    assert '<html lang="en">' in response.text
    assert "<h1>Customers</h1>" in response.text
    assert "Counting…" in response.text
    assert "2 customers" in count.text
    assert "Due for follow-up today" in response.text


def test_english_from_browser_language(personas: Personas) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/login/")

    assert "<h1>Log in</h1>" in response.text
