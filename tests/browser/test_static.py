"""The live server serves the CSS and JavaScript the pages ask for (whitenoise with the finders)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ASSETS = [
    "/static/vendor/tabler/tabler.min.css",
    "/static/vendor/tabler-icons/tabler-icons.min.css",
    "/static/opensales/opensales.css",
    "/static/vendor/htmx/htmx.min.js",
    "/static/opensales/opensales.js",
    "/static/vendor/alpine/alpine-csp.min.js",
]


def test_css_and_javascript_load(page, cast, live_server):
    loaded = {}
    page.on("response", lambda r: loaded.__setitem__(r.url.removeprefix(live_server.url), r.status))
    page.goto("/accounts/login/")
    page.wait_for_load_state("load")

    assert {path: loaded.get(path) for path in ASSETS} == dict.fromkeys(ASSETS, 200)
    # The stylesheets apply (Tabler's primary button is not the browser's grey) and the scripts ran.
    expect(page.locator(".btn-primary")).not_to_have_css("background-color", "rgb(239, 239, 239)")
    assert page.evaluate("() => [typeof window.htmx, typeof window.Alpine]") == ["object", "object"]
    # The icon font resolves too.
    assert page.evaluate(
        "async () => (await document.fonts.ready, [...document.fonts].some(f => f.family.includes('tabler-icons') && f.status === 'loaded'))"
    )
