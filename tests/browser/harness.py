"""Browser-test harness: Playwright for Python driving Debian's Chromium against pytest-django's live_server.

Every test here runs twice, at desktop width (1280x900) and phone width (375x812), through the `page`
fixture. A test that also asks for the `language` fixture runs in both languages too (ids "zh" and "en":
four runs); `signed_in(page, username)` then picks that language with the login page's language switch
before signing in through the real login form, as a user does. Others see the Chinese default. A failing test leaves a
full-page screenshot in screenshots/ (git-ignored). A page that raises a JavaScript error, breaks the
Content Security Policy or gets an error answer for a request (a missing static file, a 500) fails the
test that opened it.

`playwright install` cannot download a browser on these machines and is not needed: the tests use
/usr/bin/chromium (Debian's `chromium` package; `make test-browser` installs it), or $OPENSALES_CHROMIUM.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BROWSER_DIR = Path(__file__).resolve().parent
SCREENSHOTS_DIR = BROWSER_DIR.parent.parent / "screenshots"
CHROMIUM = os.environ.get("OPENSALES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}
DEMO_PASSWORD = "opensales-demo"
TIMEOUT_MS = 5_000  # the live server answers in milliseconds; a missing element should fail fast


@pytest.hookimpl(tryfirst=True)  # before pytest's own `-m` filtering, also a collection_modifyitems hook
def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test, marked or not, so `-m "not browser"` never
    starts Chromium and `-m browser` never misses one."""
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can tell in teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    # Fail, never skip: a browser leg that skips everything would pass without testing anything.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: `apt-get install chromium fonts-noto-cjk` (make test-browser does)"
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class PageProblems:
    """What went wrong on the pages of one test: uncaught JS errors, console errors, HTTP errors."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.items: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"JavaScript error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # A navigation cancels the requests still in flight (a favicon, a type-ahead fetch): Chromium
        # reports them as net::ERR_ABORTED. That is the browser's doing, not a broken page.
        if request.failure != "net::ERR_ABORTED":
            self.items.append(f"request failed: {request.url} {request.failure}")

    def _console(self, message) -> None:
        url = (message.location or {}).get("url", "")
        # Chromium asks for /favicon.ico on its own (no Playwright network event); not a page problem.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.items.append(f"console error: {message.text} ({url})")

    def _response(self, response) -> None:
        if response.url.startswith(self.base_url) and response.status >= 400:
            self.items.append(f"HTTP {response.status} for {response.url}")


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport_name(request) -> str:
    return request.param


LANGUAGES = {"zh": "zh-hans", "en": "en"}


@pytest.fixture(params=list(LANGUAGES.values()), ids=list(LANGUAGES))
def language(request) -> str:
    """Opt-in language dimension: "zh-hans" or "en", the UI language `signed_in` switches to.

    Visible texts in assertions: `translated(msgid, language)` (the catalogue's text) or a small dict per
    test for stored data and composed texts."""
    return request.param


@pytest.fixture
def context(browser, live_server, viewport_name):
    # A Chinese browser by default, as most of OpenSales' users have; tests switch language in the UI.
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **VIEWPORTS[viewport_name],
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(request, context, live_server, viewport_name):
    """A fresh page at the test's viewport (ids "desktop" and "phone"), on an empty browser profile."""
    page = context.new_page()
    problems = PageProblems(live_server.url)
    problems.attach(page)
    page.problems = problems
    yield page
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        SCREENSHOTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("tests/browser/")[-1]).strip("_")
        try:
            page.screenshot(path=str(SCREENSHOTS_DIR / f"{name}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"screenshot failed: {exc}")
    page.close()
    if problems.items and not failed and not getattr(page, "expect_problems", False):
        pytest.fail("the page reported problems:\n  " + "\n  ".join(problems.items), pytrace=False)


def translated(message, language: str = "zh-hans") -> str:
    """The text the UI shows for a message in a language (the msgid itself while a catalogue lacks it)."""
    from django.utils import translation

    with translation.override(language):
        return str(translation.gettext(message) if isinstance(message, str) else message)


def visible(page, test_id: str):
    """The visible element with this data-testid (base.html renders the user menu twice: in the
    collapsed phone navbar and in the desktop top bar; only one of them is shown at a given width)."""
    return page.locator(f'[data-testid="{test_id}"]').locator("visible=true")


def open_user_menu(page):
    """Open the user menu of whichever navbar this width shows and return the menu's element."""
    toggle = visible(page, "user-menu")
    toggle.click()
    return toggle.locator("xpath=..")


LOGIN_FORM = 'form:has(input[name="password"])'


def submit_login(page, username: str, password: str) -> None:
    """Fill and submit the login form of the page being shown (the language switch is a form too)."""
    form = page.locator(LOGIN_FORM)
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()


@pytest.fixture
def signed_in(request, cast, live_server):
    """signed_in(page, username) -> the page, signed in through the real login form, on the home page.

    The users are the demo cast's (`cast` fixture), whose password is "opensales-demo". When the test
    asks for the `language` fixture, the language is chosen first with the login page's switch (the
    choice lives in a cookie and survives signing in), and the home page is checked to speak it.
    """
    language = request.getfixturevalue("language") if "language" in request.fixturenames else None

    def sign_in(page, username: str, password: str = DEMO_PASSWORD):
        from playwright.sync_api import expect

        page.goto("/accounts/login/")
        if language is not None and page.locator("html").get_attribute("lang") != language:
            page.locator(f'button[name="language"][value="{language}"]').click()
            expect(page.locator("html")).to_have_attribute("lang", language)
        submit_login(page, username, password)
        page.wait_for_url(f"{live_server.url}/")
        if language is not None:
            expect(page.locator("html")).to_have_attribute("lang", language)
        return page

    sign_in.users = cast
    return sign_in
