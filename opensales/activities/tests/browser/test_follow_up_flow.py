"""In a real browser, desktop and phone, Chinese and English: 张伟 (rep_sh1) opens a customer, follows
its "log a follow-up" button and logs a visit with a next follow-up in 10 minutes; the reminder job
runs in-process; the bell counts the reminder, which leads to the planned follow-up. Then the calendar
and today's page show it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import translated, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(cast):
    for user in cast.values():
        user.refresh_from_db()
    return cast


def test_log_a_visit_and_get_the_reminder(page, signed_in, cast, live_server, viewport_name, language):
    from opensales.activities.models import FollowUp
    from opensales.activities.tasks import send_reminders
    from opensales.customers.models import Customer

    def t(message):
        return translated(message, language)

    rep = cast["rep_sh1"]
    # Notifications are written in the recipient's profile language (the language switch only sets a
    # cookie), so the profile says the language this run speaks.
    rep.preferred_language = language
    rep.save(update_fields=["preferred_language"])
    customer = Customer.objects.create(name="上海云帆科技有限公司", owner=rep)
    signed_in(page, "rep_sh1")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    log = visible(page, "log-follow-up")
    expect(log).to_have_text(t("Log a follow-up"))
    log.click()
    page.wait_for_url(re.compile(r"/activities/new/\?customer="))
    form = page.locator("#record-form")
    form.locator('select[name="kind"]').select_option("visit")
    expect(form.locator('select[name="kind"] option:checked')).to_have_text(t("Visit"))
    form.locator('input[name="subject"]').fill("上门拜访采购部")
    at = timezone.localtime().replace(second=0, microsecond=0)
    form.locator('input[name="at"]').fill((at - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    form.locator('input[name="next_follow_up_at"]').fill(
        (at + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    )
    form.locator('textarea[name="content"]').fill("客户预算已批，下周启动采购。")
    page.locator('[data-testid="save"]').click()
    expect(page.locator('[data-testid="record-title"]')).to_have_text("上门拜访采购部")

    done = FollowUp.objects.unscoped(reason="test").get(status="done")
    planned = FollowUp.objects.unscoped(reason="test").get(status="planned")
    assert (done.kind, done.customer_id) == ("visit", customer.pk)
    assert planned.customer_id == customer.pk and planned.owner_id == rep.pk
    # The planned subject is stored data, written in the site's language whatever the UI speaks.
    assert planned.subject == "跟进：上海云帆科技有限公司"
    customer.refresh_from_db()
    assert customer.next_follow_up_at == planned.at

    # Nothing is due yet on the bell; the reminder job (every 5 minutes on the worker) runs here.
    page.goto(f"{live_server.url}/activities/today/")
    count = visible(page, "notification-toggle").locator('[data-testid="notification-count"]')
    expect(count).to_have_attribute("data-count", "0")
    assert send_reminders.call_local() == 1
    assert send_reminders.call_local() == 0  # once per follow-up

    page.goto(f"{live_server.url}/activities/today/")
    expect(page.locator(f'[data-testid="complete-{planned.pk}"]')).to_be_visible()
    expect(count).to_have_attribute("data-count", "1")
    visible(page, "notification-toggle").click()
    item = visible(page, "notification-menu-item")
    expect(item).to_have_count(1)
    when = timezone.localtime(planned.at).strftime("%H:%M")
    expect(item.first).to_contain_text(t("{time} · {subject}").format(time=when, subject=planned.subject))
    item.first.click()
    page.wait_for_url(re.compile(rf"/activities/{planned.pk}/$"))
    expect(page.locator('[data-testid="record-title"]')).to_have_text(planned.subject)

    # The calendar shows it (the phone's month view is an agenda list).
    page.goto(f"{live_server.url}/activities/calendar/")
    if viewport_name == "phone":
        expect(page.locator('[data-testid="cal-agenda"]')).to_contain_text(planned.subject)
    else:
        expect(page.locator(f'[data-testid="cal-item-{planned.pk}"]')).to_be_visible()
