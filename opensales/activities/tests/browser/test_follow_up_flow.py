"""In a real browser, desktop and phone: 张伟 (rep_sh1) logs a visit from a customer's "log a
follow-up" link with a next follow-up in 10 minutes; the reminder job runs; the reminder is under the
bell and leads to the planned follow-up. Then the calendar and today's page show it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(cast):
    for user in cast.values():
        user.refresh_from_db()
    return cast


def test_log_a_visit_and_get_the_reminder(page, signed_in, cast, live_server, viewport_name):
    from opensales.activities.models import FollowUp
    from opensales.activities.tasks import send_reminders
    from opensales.customers.models import Customer

    rep = cast["rep_sh1"]
    customer = Customer.objects.create(name="上海云帆科技有限公司", owner=rep)
    signed_in(page, "rep_sh1")
    page.goto(f"{live_server.url}/activities/new/?customer={customer.pk}&kind=visit")
    form = page.locator("#record-form")
    expect(form.locator('select[name="kind"]')).to_have_value("visit")
    form.locator('input[name="subject"]').fill("上门拜访采购部")
    at = timezone.localtime().replace(second=0, microsecond=0)
    form.locator('input[name="at"]').fill((at - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    form.locator('input[name="next_follow_up_at"]').fill(
        (at + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    )
    form.locator('textarea[name="content"]').fill("客户预算已批，下周启动采购。")
    page.locator('[data-testid="save"]').click()
    expect(page.locator('[data-testid="record-title"]')).to_have_text("上门拜访采购部")

    planned = FollowUp.objects.unscoped(reason="test").get(status="planned")
    assert planned.customer_id == customer.pk and planned.owner_id == rep.pk
    assert send_reminders.call_local() == 1

    page.goto(f"{live_server.url}/activities/today/")
    expect(page.locator(f'[data-testid="complete-{planned.pk}"]')).to_be_visible()
    visible(page, "notification-toggle").click()
    item = visible(page, "notification-menu-item")
    expect(item).to_have_count(1)
    expect(item.first).to_contain_text("跟进：上海云帆科技有限公司")
    item.first.click()
    page.wait_for_url(re.compile(rf"/activities/{planned.pk}/$"))
    expect(page.locator('[data-testid="record-title"]')).to_have_text("跟进：上海云帆科技有限公司")

    # The calendar shows it (the phone's month view is an agenda list).
    page.goto(f"{live_server.url}/activities/calendar/")
    if viewport_name == "phone":
        expect(page.locator('[data-testid="cal-agenda"]')).to_contain_text("跟进：上海云帆科技有限公司")
    else:
        expect(page.locator(f'[data-testid="cal-item-{planned.pk}"]')).to_be_visible()
