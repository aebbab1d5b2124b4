"""Browser tests: Playwright driving Debian's chromium. A missing browser fails the run."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 360, "height": 640}
LAPTOP = {"width": 1366, "height": 768}  # the coordinators' dashboard, open all day

# Playwright's sync API runs an event loop in this thread; Django's async-safety check would
# otherwise refuse the ORM calls the tests make to seed data.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The service worker's own requests reach context.route only with this (read when Playwright
# starts): the offline tests cut them too, as context.set_offline alone does not (see
# tests/e2e/offline.py).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright driver of the run (a test may launch its own persistent browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with "
            "`apt-get update && apt-get install -y chromium` (CI's .ci/run does)."
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser):
    """A new phone-sized browser context; call it with a locale, get a page."""
    contexts = []

    def open_page(locale: str = "en-US"):
        context = browser.new_context(viewport=PHONE, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def laptop(browser):
    """A new laptop-sized browser context (its own cookies); call it, get a page."""
    contexts = []

    def open_page(locale: str = "en-US"):
        context = browser.new_context(viewport=LAPTOP, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = OUTPUT / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def production_server(settings, tmp_path):
    """The app served as in production and in `manage.py demo`, for measuring what a browser
    downloads: collected, hashed and compressed static files (gzip and brotli) served by
    WhiteNoise from STATIC_ROOT, HTML through GZipMiddleware. `live_server` would not do: it
    serves static files from static/ through Django's own handler, uncompressed. Its URL."""
    from django.core.management import call_command
    from django.test.testcases import LiveServerThread

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    # No static handler in front: the WSGI app itself (its WhiteNoise middleware, made when
    # the thread starts, after the settings above) answers /static/.
    server = LiveServerThread("localhost", static_handler=lambda app: app)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://localhost:{server.port}"
    server.terminate()
