from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Request
from pytest_django.live_server_helper import LiveServer

from conftest import OpenBrowser


@pytest.mark.browser
def test_docs_page_renders_without_outside_hosts(
    live_server: LiveServer, open_browser: OpenBrowser
) -> None:
    hosts: set[str] = set()

    def record(request: Request) -> None:
        hosts.add(urlsplit(request.url).hostname or "")

    browser = open_browser()
    page = browser.new_page()
    page.on("request", record)
    page.goto(f"{live_server.url}/api/v1/docs")
    timeline = page.get_by_text("/api/v1/customers/{customer_id}/timeline", exact=True)
    timeline.wait_for()
    title = page.locator(".info .title").inner_text()

    assert title.startswith("Kehu API")
    assert hosts == {"127.0.0.1"}
