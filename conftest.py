"""Fixtures shared by every test in the repository: personas and the browser.

Playwright's sync API allows one driver per thread, so the whole run shares one session-scoped
driver and each test gets its own browser profile from `open_browser`.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import translation
from playwright.sync_api import BrowserContext, Playwright, sync_playwright

from kehu.conftest import personas  # noqa: F401  (the personas fixture, for tests outside kehu/)
from kehu.pool.tests.fixtures import place, pools  # noqa: F401  (pool fixtures, likewise)

# Playwright's sync API runs an event loop in the test thread, where Django refuses ORM calls
# unless this is set. Tests query the database only while the browser is idle.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# pytest-django's live_server binds to "localhost" by default; this keeps it on 127.0.0.1.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps trying hosts this network cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

OpenBrowser = Callable[..., BrowserContext]


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Restore the default language after each test.

    A request in English leaves English active in the test thread (the locale middleware
    activates the request's language and does not switch back), and later tests that read
    Chinese messages would fail only when run after it.
    """
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing; install it with: apt-get install -y chromium")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def open_browser(playwright: Playwright, tmp_path: Path) -> Iterator[OpenBrowser]:
    """Return a function that starts chromium with a fresh profile, Chinese and Shanghai time.

    Keyword arguments go to `launch_persistent_context` (for example `viewport`).
    """
    contexts: list[BrowserContext] = []

    def launch(**options: object) -> BrowserContext:
        settings: dict[str, object] = {
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1280, "height": 900},
            **options,
        }
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=tmp_path / f"chromium-profile-{len(contexts)}",
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            **settings,  # type: ignore[arg-type]
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()
    # A connection opened by the test's ORM calls while Playwright runs would otherwise stay
    # open, and PostgreSQL refuses to drop the test database at the end of the session.
    connections.close_all()
