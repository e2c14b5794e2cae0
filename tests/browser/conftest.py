"""Browser tests: Debian's chromium driven through Playwright against live_server."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext

from conftest import OpenBrowser


@pytest.fixture
def browser(open_browser: OpenBrowser) -> Iterator[BrowserContext]:
    """Return a desktop-sized chromium with a fresh profile and Chinese as its language."""
    yield open_browser()
