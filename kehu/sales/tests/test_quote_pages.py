"""The quote pages: create from a deal, errors by row, revise, versions, status and money policy."""

from decimal import Decimal

from django.test import Client

from kehu.conftest import Personas
from kehu.org.models import User
from kehu.sales import quotes, services
from kehu.sales.models import Quote, QuoteStatus
from kehu.sales.tests.conftest import Shop


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _quote(personas: Personas, shop: Shop) -> Quote:
    return quotes.create_quote(
        personas.rep,
        shop.customer,
        {"title": "阀门报价"},
        [{"description": "球阀", "quantity": "2", "unit_price": "1000", "tax_percent": "13"}],
    )


def test_form_starts_from_deal_products(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "阀门改造"})
    services.set_deal_lines(personas.rep, deal, [{"product": shop.valve, "quantity": "4"}])
    url = f"/customers/{shop.customer.public_id}/quotes/new/?deal={deal.public_id}"

    form = _client(personas.rep).get(url)
    response = _client(personas.rep).post(
        url,
        {
            "title": "阀门改造报价",
            "rows": "4",
            "product_1": str(shop.valve.public_id),
            "quantity_1": "4",
            "unit_price_1": "120.50",
            "discount_percent_1": "5",
            "tax_percent_1": "13",
        },
    )

    assert form.status_code == 200
    assert 'value="阀门改造"' in form.text
    assert 'value="120.50"' in form.text
    quote = Quote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == quote.get_absolute_url()
    assert quote.deal == deal
    # 4 x 120.50 = 482.00; 5 % off: 24.10; 13 % tax on 457.90: 59.53; total 517.43.
    assert quotes.current_version(quote).total == Decimal("517.43")
    deal_page = _client(personas.rep).get(deal.get_absolute_url())
    assert quote.number in deal_page.text
    assert "¥517.43" in deal_page.text


def test_row_error_names_the_form_row(personas: Personas, shop: Shop) -> None:
    response = _client(personas.rep).post(
        f"/customers/{shop.customer.public_id}/quotes/new/",
        {
            "title": "报价",
            "rows": "3",
            "description_1": "球阀",
            "quantity_1": "1",
            "unit_price_1": "10",
            "description_3": "闸阀",
            "quantity_3": "abc",
            "unit_price_3": "10",
        },
    )

    assert response.status_code == 400
    assert not Quote.objects.exists()
    # The empty second row is dropped, so the form shows the faulty line as line 2.
    second = response.text.split('id="id_product_2"')[1].split("</fieldset>")[0]
    assert 'value="abc"' in second
    assert '<p class="error">' in second
    first = response.text.split('id="id_product_1"')[1].split("</fieldset>")[0]
    assert '<p class="error">' not in first


def test_detail_shows_versions_and_totals(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    client = _client(personas.rep)

    revised = client.post(
        f"/quotes/{quote.public_id}/revise/",
        {
            "title": "阀门报价（第二版）",
            "rows": "1",
            "description_1": "球阀",
            "quantity_1": "3",
            "unit_price_1": "1000",
            "tax_percent_1": "13",
        },
    )
    current = client.get(quote.get_absolute_url())
    first = client.get(quote.get_absolute_url() + "?version=1")

    assert revised.status_code == 302
    assert "阀门报价（第二版）" in current.text
    assert "¥3,390.00" in current.text
    assert "阀门报价" in first.text
    assert "¥2,260.00" in first.text
    assert "历史版本" in first.text
    assert client.get(quote.get_absolute_url() + "?version=9").status_code == 404


def test_status_buttons_move_the_quote(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)
    client = _client(personas.rep)

    client.post(f"/quotes/{quote.public_id}/status/", {"status": "sent"})
    refused = client.post(f"/quotes/{quote.public_id}/status/", {"status": "draft_x"}, follow=True)
    client.post(f"/quotes/{quote.public_id}/status/", {"status": "accepted"})

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert "报价单不能从" in refused.text
    page = client.get(quote.get_absolute_url()).text
    assert f"/quotes/{quote.public_id}/revise/" not in page
    assert f"/quotes/{quote.public_id}/status/" not in page


def test_agent_reads_quote_without_money(personas: Personas, shop: Shop) -> None:
    quote = _quote(personas, shop)

    agent_page = _client(personas.agent).get(quote.get_absolute_url())
    boss_page = _client(personas.boss).get(quote.get_absolute_url())

    assert agent_page.status_code == 200
    assert "球阀" in agent_page.text
    assert "2,260" not in agent_page.text
    assert "1,000" not in agent_page.text
    assert "¥2,260.00" in boss_page.text
    assert _client(personas.agent).get(f"/quotes/{quote.public_id}/revise/").status_code == 403
    assert _client(personas.other_rep).get(quote.get_absolute_url()).status_code == 404
