"""The Ctrl-K search box in a real browser, at desktop and phone width: it opens from the top bar (and
with Ctrl-K), htmx fetches grouped hits as you type under the strict CSP, ↑/↓ move through them, Enter
opens one, Esc closes the box, Enter in the field opens the full results page.

Runs with the browser leg (`make test-browser`, marker `browser`), on the harness of tests/browser.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_box(page, viewport_name: str):
    if viewport_name == "desktop":
        page.keyboard.press("Control+k")
    else:
        visible(page, "search-open").click()
    box = page.locator('dialog[data-testid="search-dialog"]')
    expect(box).to_be_visible()
    return box


def hits(box) -> list[str]:
    return box.locator('[data-testid="search-hit"] .search-hit-title').all_inner_texts()


def clear(box) -> None:
    """Empty the field and wait for the hint (the answer to the empty query) before typing on."""
    box.locator('[data-testid="search-input"]').fill("")
    expect(box.locator(".search-hint")).to_be_visible()


def test_search_box(page, signed_in, viewport_name, live_server):
    signed_in(page, "rep_sh1")
    box = open_box(page, viewport_name)
    field = box.locator('[data-testid="search-input"]')
    expect(field).to_be_focused()

    field.press_sequentially("上海")
    expect(box.locator('[data-testid="search-group"]')).to_have_count(2)
    assert hits(box) == ["上海团队", "刘洋", "张伟", "陈静"]
    assert box.locator('[data-testid="search-group"]').evaluate_all(
        "els => els.map(e => e.dataset.type)"
    ) == [
        "departments",
        "employees",
    ]

    clear(box)
    field.press_sequentially("zw")
    expect(box.locator('[data-testid="search-hit"]')).to_have_count(1)
    assert hits(box) == ["张伟"]

    # Out of scope: 徐丽 is in 广州团队.
    clear(box)
    field.press_sequentially("徐丽")
    expect(box.locator('[data-testid="search-empty"]')).to_be_visible()

    # Esc closes; opening again keeps the last query.
    page.keyboard.press("Escape")
    expect(box).to_be_hidden()
    box = open_box(page, viewport_name)
    expect(box.locator('[data-testid="search-input"]')).to_have_value("徐丽")

    # ↓ moves into the hits, Enter opens the record.
    field = box.locator('[data-testid="search-input"]')
    clear(box)
    field.press_sequentially("zhang wei")
    expect(box.locator('[data-testid="search-hit"]')).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(box.locator('[data-testid="search-hit"]').first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/org/employees/*/")


def test_enter_in_the_field_opens_the_results_page(page, signed_in, viewport_name, live_server):
    signed_in(page, "rep_sh1")
    box = open_box(page, viewport_name)
    field = box.locator('[data-testid="search-input"]')
    field.press_sequentially("团队")
    expect(box.locator('[data-testid="search-group"]')).to_have_count(2)
    field.press("Enter")
    page.wait_for_url(f"{live_server.url}/search/?q=*")
    assert page.locator('[data-testid="search-result"]').all_inner_texts()[0].startswith("上海团队")
