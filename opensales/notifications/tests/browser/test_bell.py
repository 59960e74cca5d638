"""The bell in a real browser, at desktop and phone width: htmx loads the dropdown under the strict CSP,
the dropdown refreshes every badge on the page, opening an item marks it read, "mark all as read".

Runs with the browser leg (`make test-browser`, marker `browser`), on the harness of tests/browser (see conftest.py here).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensales.notifications import services
from opensales.notifications.kinds import Kind
from opensales.notifications.models import Notification
from tests.browser.conftest import visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def counts(page) -> list[str]:
    return page.eval_on_selector_all(
        '[data-testid="notification-count"]', "els => els.map(e => e.dataset.count)"
    )


def test_the_bell_dropdown(page, signed_in, cast, live_server):
    rep = cast["rep_sh1"]
    services.notify(
        recipients=[rep], kind=Kind.SYSTEM, title="欢迎使用 OpenSales", url="/notifications/settings/"
    )
    services.notify(
        recipients=[rep], kind=Kind.MENTION, actor=cast["lead_sh"], title="陈静 提到了你", url="/"
    )
    signed_in(page, "rep_sh1")
    assert counts(page) == ["2", "2"]
    expect(visible(page, "notification-toggle").locator(".badge")).to_have_text("2")

    # A notification arrives after the page loaded: opening the bell shows it and updates both badges.
    (late,) = services.notify(
        recipients=[rep], kind=Kind.ASSIGNMENT, actor=cast["manager_east"], title="新任务"
    )
    visible(page, "notification-toggle").click()
    items = visible(page, "notification-menu-item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("新任务")
    expect(items.first).to_contain_text("王海涛")
    assert counts(page) == ["3", "3"]

    # Opening one marks it read and goes to its record.
    items.nth(2).click()
    page.wait_for_url(f"{live_server.url}/notifications/settings/")
    assert counts(page) == ["2", "2"]
    assert Notification.objects.get(title="欢迎使用 OpenSales").read_at is not None
    assert Notification.objects.get(pk=late.pk).read_at is None

    # "Mark all as read" in the dropdown, back on the same page.
    visible(page, "notification-toggle").click()
    visible(page, "notification-read-all").click()
    page.wait_for_url(f"{live_server.url}/notifications/settings/")
    assert counts(page) == ["0", "0"]
    expect(visible(page, "notification-toggle").locator(".badge")).to_have_count(0)
    assert Notification.objects.unread().filter(recipient=rep).count() == 0


def test_the_center_marks_one_read(page, signed_in, cast, live_server):
    rep = cast["rep_sh1"]
    older, newer = (
        services.notify(recipients=[rep], kind=Kind.REMINDER, title=t)[0] for t in ("回访客户", "提交周报")
    )
    signed_in(page, "rep_sh1")
    page.goto("/notifications/")
    rows = page.locator('[data-testid="notification-row"]')
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("提交周报")
    rows.first.locator('[data-testid="notification-mark-read"]').click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    expect(rows.first).to_have_attribute("data-read", "true")
    expect(rows.nth(1)).to_have_attribute("data-read", "false")
    assert counts(page) == ["1", "1"]
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.read_at is not None, older.read_at is None) == (True, True)
