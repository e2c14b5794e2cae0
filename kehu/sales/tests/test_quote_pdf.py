"""The quote PDF on the page route and the API: content, field policy, scope, pages and fonts."""

import json
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings
from fontTools import subset
from fontTools.ttLib import TTFont

from kehu.api import services as api_services
from kehu.conftest import Personas, pdf_pages
from kehu.customers import services as customer_services
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.sales import quotes
from kehu.sales.models import Quote, QuoteVersion
from kehu.sales.tests.conftest import Shop

# Every amount of the quote `_quote` makes, in yuan: prices, line amounts and totals.
AMOUNTS = ("120.50", "482.00", "24.10", "59.53", "517.43", "1,000.00", "1,482.00", "1,517.43")


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _api_get(user: User, path: str) -> tuple[int, str, bytes]:
    token = api_services.issue_token(None, user, "tests")[1]
    response = Client().get(
        "/api/v1" + path,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"},
    )
    return response.status_code, response["Content-Type"], response.content


def _quote(personas: Personas, shop: Shop) -> Quote:
    customer_services.add_contact(
        personas.rep, shop.customer, {"name": "周经理", "mobile": "13905770001"}
    )
    return quotes.create_quote(
        personas.rep,
        shop.customer,
        {"title": "阀门改造报价", "valid_until": "2030-06-30", "notes": "含运费；质保一年。"},
        [
            {
                "product": str(shop.valve.public_id),
                "quantity": "4",
                "unit_price": "120.50",
                "discount_percent": "5",
                "tax_percent": "13",
            },
            {"description": "安装调试服务", "quantity": "1", "unit_price": "1000"},
        ],
    )


def _pdf_text(response: object) -> str:
    content: bytes = response.content  # type: ignore[attr-defined]
    return "\n".join(pdf_pages(content))


def test_pdf_shows_letterhead_lines_and_totals(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)

    response = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{quote.number}.pdf"'
    text = _pdf_text(response)
    assert text.startswith("总公司")
    assert f"报价单 {quote.number}" in text
    assert "阀门改造报价" in text
    assert "温州瓯江阀门有限公司" in text
    assert "周经理 13905770001" in text
    assert "2030-06-30" in text
    assert re.search(r"状态\s*草稿", text)
    assert "客户状态" not in text
    assert "球阀 DN50" in text
    assert "个" in text
    assert "安装调试服务" in text
    # 4 x 120.50 = 482.00, 5 % off: 24.10, 13 % tax on 457.90: 59.53, line total 517.43.
    for amount in ("¥120.50", "¥482.00", "¥59.53", "¥517.43", "¥1,000.00"):
        assert amount in text
    # Subtotal 1,482.00, discount 24.10, tax 59.53, total 1,517.43.
    for label, amount in (("小计", "¥1,482.00"), ("折扣", "¥24.10"), ("合计", "¥1,517.43")):
        assert re.search(label + r"\s*" + re.escape(amount), text), label
    assert "含运费；质保一年。" in text
    assert "第 1 页，共 1 页" in text


def test_pdf_has_what_the_page_shows(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)

    page = _client(personas.rep).get(quote.get_absolute_url())
    pdf = _pdf_text(_client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/"))

    assert f'href="/quotes/{quote.public_id}/pdf/?version=1"' in page.text
    for text in ("总公司", "周经理 13905770001", "¥517.43", "¥1,517.43", "个", "草稿"):
        assert text in page.text
        assert text in pdf


def test_one_page_pdf_is_small(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)

    response = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/")

    # The whole Noto CJK collection is about 19 MB; the subset contains only the glyphs used.
    assert len(response.content) < 100_000


def test_pdf_of_earlier_version(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    lines = [{"description": "闸阀", "quantity": "2", "unit_price": "300"}]
    quotes.revise_quote(personas.rep, quote, {"title": "第二版"}, lines)

    first = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/?version=1")
    current = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/")
    missing = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/?version=3")

    assert first["Content-Disposition"] == f'attachment; filename="{quote.number}-v1.pdf"'
    first_text = _pdf_text(first)
    assert "阀门改造报价" in first_text
    assert "1（历史版本）" in first_text
    assert "闸阀" not in first_text
    current_text = _pdf_text(current)
    assert "第二版" in current_text
    assert "¥600.00" in current_text
    assert "球阀 DN50" not in current_text
    assert missing.status_code == 404


def test_agent_pdf_has_no_price_or_total(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)

    response = _client(personas.agent).get(f"/quotes/{quote.public_id}/pdf/")

    assert response.status_code == 200
    text = _pdf_text(response)
    assert "球阀 DN50" in text
    assert "安装调试服务" in text
    assert "¥" not in text
    for amount in AMOUNTS:
        assert amount not in text
    for label in ("单价", "价税合计", "小计", "合计", "税额"):
        assert label not in text
    # The outside agent preset masks phone numbers.
    assert "13905770001" not in text
    assert "139****0001" in text


def test_masked_money_is_masked_in_pdf(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    role = Role.objects.create(
        name="金额遮盖销售",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.EDIT],
        money_access=FieldAccess.MASKED,
    )
    viewer = User.objects.create_user(
        username="masked", password="test-pass-123", role=role, department=personas.rep.department
    )

    text = _pdf_text(_client(viewer).get(f"/quotes/{quote.public_id}/pdf/"))

    assert "单价" in text
    assert "****" in text
    assert "¥" not in text
    for amount in AMOUNTS:
        assert amount not in text


def test_pdf_outside_scope_is_404(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    before = list(Quote.objects.values_list("status", "current_version"))

    outside = _client(personas.other_rep).get(f"/quotes/{quote.public_id}/pdf/")
    missing = _client(personas.other_rep).get(f"/quotes/{uuid.uuid4()}/pdf/")
    api_outside = _api_get(personas.other_rep, f"/quotes/{quote.public_id}/pdf")
    api_missing = _api_get(personas.other_rep, f"/quotes/{uuid.uuid4()}/pdf")

    assert outside.status_code == 404
    assert outside.content == missing.content
    assert api_outside[0] == 404
    assert api_outside[2] == api_missing[2]
    assert list(Quote.objects.values_list("status", "current_version")) == before
    assert QuoteVersion.objects.count() == 1


def test_api_pdf_matches_page_pdf(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    lines = [{"description": "闸阀", "quantity": "2", "unit_price": "300"}]
    quotes.revise_quote(personas.rep, quote, {"title": "第二版"}, lines)

    status, content_type, content = _api_get(personas.rep, f"/quotes/{quote.public_id}/pdf")
    first = _api_get(personas.rep, f"/quotes/{quote.public_id}/pdf?version=1")
    page_first = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/?version=1")
    missing = _api_get(personas.rep, f"/quotes/{quote.public_id}/pdf?version=0")
    agent = _api_get(personas.agent, f"/quotes/{quote.public_id}/pdf")

    assert status == 200
    assert content_type == "application/pdf"
    assert "第二版" in "".join(pdf_pages(content))
    assert pdf_pages(first[2]) == pdf_pages(page_first.content)
    assert missing[0] == 404
    assert agent[0] == 200
    assert "¥" not in "".join(pdf_pages(agent[2]))


def test_long_table_repeats_heading_on_every_page(personas: Personas, shop: Shop) -> None:
    long_name = "耐高温高压不锈钢法兰连接球阀（含执行机构、定位器与限位开关）" * 3
    lines = [
        {"description": f"{long_name}第{number}项", "quantity": "1", "unit_price": "10"}
        for number in range(1, 61)
    ]
    quote = quotes.create_quote(personas.rep, shop.customer, {"title": "长报价"}, lines)

    pages = pdf_pages(_client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/").content)

    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页，共 {len(pages)} 页" in page
        if number < len(pages):
            assert "单价" in page, number
    text = re.sub(r"\s", "", "".join(pages))
    for number in range(1, 61):
        assert f"{long_name}第{number}项" in text
    assert "¥600.00" in text


def test_pdf_in_english(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas.rep)

    text = _pdf_text(client.get(f"/quotes/{quote.public_id}/pdf/"))

    assert f"Quote {quote.number}" in text
    assert "Unit price" in text
    assert "Page 1 of 1" in text


def test_missing_font_is_503_with_message(personas: Personas, shop: Shop, tmp_path: Path) -> None:
    quote = _quote(personas, shop)
    path = tmp_path / "missing.ttc"

    with override_settings(KEHU_PDF_FONT=path):
        page = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/")
        api = _api_get(personas.rep, f"/quotes/{quote.public_id}/pdf")

    assert page.status_code == 503
    assert f"字体文件 {path} 不存在" in page.text
    assert "fonts-noto-cjk" in page.text
    assert api[0] == 503
    assert f"字体文件 {path} 不存在" in json.loads(api[2])["detail"]


def test_unreadable_font_is_503(personas: Personas, shop: Shop, tmp_path: Path) -> None:
    quote = _quote(personas, shop)
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    # fpdf2 reads fonts by their file name ending only.
    unknown_ending = tmp_path / "noto.font"
    unknown_ending.symlink_to(settings.KEHU_PDF_FONT)

    for path in (broken, unknown_ending):
        with override_settings(KEHU_PDF_FONT=path):
            page = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/")

        assert page.status_code == 503, path
        assert f"字体文件 {path} 无法作为 TrueType 或 OpenType 字体读取" in page.text


def test_font_without_chinese_is_503(personas: Personas, shop: Shop, tmp_path: Path) -> None:
    quote = _quote(personas, shop)
    latin = TTFont(settings.KEHU_PDF_FONT, fontNumber=0)
    subsetter = subset.Subsetter()
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(latin)
    path = tmp_path / "latin.otf"
    latin.save(path)
    latin.close()

    with override_settings(KEHU_PDF_FONT=path):
        page = _client(personas.rep).get(f"/quotes/{quote.public_id}/pdf/")

    assert page.status_code == 503
    assert "没有简体中文字符" in page.text
