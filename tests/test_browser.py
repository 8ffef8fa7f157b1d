"""End to end in a real headless Chromium (Debian's package) against the live server.

The machine has no internet, so requests to other origins (the seed's external
image) are answered with a local placeholder image. Any console error, failed
request or error response from the site's own origin fails the test. Screenshots
at phone and desktop widths are saved under test-artifacts/.
"""

import io
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from django.core.management import call_command
from PIL import Image

from .services import chromium_path, require

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


def placeholder_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 630), (200, 205, 210)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    require(executable is not None, "Chromium (apt-get install chromium fonts-nanum)")
    # Playwright's sync API runs an event loop; Django refuses ORM calls from a
    # thread with a running loop unless told this is a test.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


class Visit:
    """A browser page that records every problem coming from the site itself."""

    def __init__(self, browser, base_url: str, viewport: tuple[int, int]):
        self.base_url = base_url
        self.problems: list[str] = []
        width, height = viewport
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="ko-KR"
        )
        self.page = self.context.new_page()
        image = placeholder_png()
        self.page.route("**/*", self._route(image))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"js: {error}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _own(self, url: str) -> bool:
        return url.startswith(self.base_url)

    def _route(self, image: bytes):
        def handle(route):
            if self._own(route.request.url):
                route.continue_()
            elif route.request.resource_type == "image":
                route.fulfill(status=200, content_type="image/png", body=image)
            else:
                route.fulfill(status=204, body="")

        return handle

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _failed(self, request):
        # A suggestion still loading when the reader moves on is cancelled by
        # the browser (net::ERR_ABORTED): that is the page working, not failing.
        cancelled = "/search/suggest/" in request.url and "ERR_ABORTED" in (
            request.failure or ""
        )
        if self._own(request.url) and not cancelled:
            self.problems.append(f"failed: {request.url} {request.failure}")

    def _response(self, response):
        if self._own(response.url) and response.status >= 400:
            self.problems.append(f"{response.status}: {response.url}")

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, path
        return response

    def screenshot(self, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def seeded(db):
    call_command("loaddata", "seed", verbosity=0)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_reader_follows_the_seed_from_front_page_to_category_and_search(
    browser, live_server, seeded, device
):
    visit = Visit(browser, live_server.url, VIEWPORTS[device])
    page = visit.page
    try:
        visit.goto("/")
        assert page.locator("html").get_attribute("lang") == "ko"
        visit.screenshot(f"front-{device}")

        page.get_by_role("link", name="푸틴 방북 9개월 24년").first.click()
        page.wait_for_load_state()
        assert unquote(urlparse(page.url).path).startswith("/articles/")
        assert "푸틴 방북" in page.locator("h1").inner_text()
        assert page.get_by_text("보스토치니 우주기지").first.is_visible()
        assert page.locator("img").count() >= 1
        visit.screenshot(f"article-{device}")

        page.locator("a[href*='/categories/']").first.click()
        page.wait_for_load_state()
        assert unquote(urlparse(page.url).path) == "/categories/news/"
        assert page.get_by_role("link", name="푸틴 방북 9개월 24년").first.is_visible()
        visit.screenshot(f"category-{device}")

        # A search box with suggestions (a datalist) is a combobox to ARIA.
        search = page.get_by_label("기사 검색").first
        search.fill("방북")
        search.press("Enter")
        page.wait_for_load_state()
        assert urlparse(page.url).path == "/search/"
        assert page.get_by_role("link", name="푸틴 방북 9개월 24년").first.is_visible()
        visit.screenshot(f"search-{device}")
    finally:
        visit.close()
    assert visit.problems == []
