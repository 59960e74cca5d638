"""The generic pages in a real browser, at desktop and phone width, on the department list:
list → filter (htmx, URL kept) → save a view → detail → edit → delete → restore from the recycle bin,
and the employee list's sort, column chooser and back button.

Runs with the browser leg (`make test-browser`, marker `browser`), on the harness of tests/browser.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_filters(page, viewport_name: str) -> None:
    if viewport_name == "phone":
        visible(page, "filters-toggle").click()
        expect(page.locator('[data-testid="list-filters"]')).to_be_visible()


def test_list_filter_save_view_detail_edit_delete_restore(
    page, signed_in, viewport_name, live_server, departments
):
    from opensales.org.services import department_create

    department_create(actor=None, name="宁波团队", parent=departments["EAST"], code="NB")
    page.on("dialog", lambda dialog: dialog.accept())
    signed_in(page, "admin")
    page.goto(f"{live_server.url}/org/departments/")
    rows = page.locator('[data-testid="row"]')
    expect(rows).to_have_count(10)

    # Filter as you type: htmx swaps the results and the URL keeps the state.
    open_filters(page, viewport_name)
    page.locator('#list-filters input[name="q"]').fill("宁波")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("宁波团队")
    expect(page).to_have_url(re.compile(r"q=%E5%AE%81%E6%B3%A2"))

    # Save the filter as a view; the page opens it.
    page.locator('[data-testid="saved-views"] > button').click()
    page.locator("#view-name").fill("宁波视图")
    page.locator('[data-testid="save-view"]').click()
    expect(page.locator('[data-testid="current-view"]')).to_contain_text("宁波视图")
    expect(rows).to_have_count(1)

    # Detail, then edit.
    rows.first.locator('[data-testid="open"]').click()
    expect(page.locator('[data-testid="record-title"]')).to_have_text("宁波团队")
    visible(page, "edit").click()
    name = page.locator('#record-form input[name="name"]')
    name.fill("宁波一队")
    page.locator('[data-testid="save"]').click()
    expect(page.locator('[data-testid="record-title"]')).to_have_text("宁波一队")

    # Delete to the recycle bin.
    visible(page, "delete").click()
    page.locator('[data-testid="confirm-delete"]').click()
    page.wait_for_url(re.compile(r"/org/departments/"))
    page.goto(f"{live_server.url}/org/departments/?q=宁波&view=")
    expect(page.locator('[data-testid="empty"]')).to_be_visible()

    # Restore it from the recycle bin: back in the list.
    page.goto(f"{live_server.url}/recycle-bin/")
    bin_row = page.locator('[data-testid="recyclebin-row"]', has_text="宁波一队")
    expect(bin_row).to_have_count(1)
    bin_row.locator('[data-testid="recyclebin-restore"]:visible').click()
    expect(page.locator('[data-testid="recyclebin-row"]', has_text="宁波一队")).to_have_count(0)
    page.goto(f"{live_server.url}/org/departments/?q=宁波&view=")
    expect(page.locator('[data-testid="row"]')).to_have_count(1)


def test_sort_columns_and_back_button(page, signed_in, viewport_name, live_server):
    signed_in(page, "director")
    page.goto(f"{live_server.url}/org/employees/")
    usernames = page.locator('[data-testid="row"] td:nth-child(3)')
    expect(page.locator('[data-testid="row"]')).to_have_count(20)

    # Sort by the username header (htmx), then back: the previous order returns with the URL.
    page.locator('[data-testid="sort-username"]').click()
    expect(page).to_have_url(re.compile(r"sort=username"))
    expect(usernames.first).to_have_text("admin")
    page.locator('[data-testid="sort-username"]').click()
    expect(page).to_have_url(re.compile(r"sort=-username"))
    expect(usernames.first).to_have_text("rep_sz2")
    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=username$"))
    expect(usernames.first).to_have_text("admin")

    # The column chooser: show the e-mail, hide the title.
    page.locator('[data-testid="column-chooser"] > button').click()
    page.locator('[data-testid="column-chooser"] input[value="email"]').check()
    page.locator('[data-testid="column-chooser"] input[value="title"]').uncheck()
    page.locator('[data-testid="apply-columns"]').click()
    expect(page.locator('[data-testid="sort-email"]')).to_be_visible()
    expect(page.locator('[data-testid="sort-title"]')).to_have_count(0)
    assert "cols=" in page.url
