"""The pool and handover pages in a real browser, at desktop and phone width: a rep claims from the 华东
pool and sees the daily count; a manager previews and runs a handover."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_claim_from_pool_then_handover(page, signed_in, viewport_name, live_server, departments, cast):
    from opensales.core.scope import system_access
    from opensales.customers.models import Customer, CustomerPool

    pool = CustomerPool.objects.create(name="华东公海", max_claims_per_day=5)
    with system_access("test"):
        pool.departments.set([departments["EAST"]])
    waiting = Customer.objects.create(name="上海浦江精密机械有限公司", pool=pool)

    signed_in(page, "rep_sh1")
    page.goto(f"{live_server.url}/customers/pools/")
    page.locator('[data-testid="pool-card"]').first.click()
    expect(page.locator('[data-testid="my-claims"]')).to_contain_text("0/5")
    row = page.locator(f'[data-row-id="{waiting.pk}"]')
    row.locator('[data-testid="claim"]').click()
    expect(page.locator('[data-testid="my-claims"]')).to_contain_text("1/5")
    expect(page.locator(f'[data-row-id="{waiting.pk}"]')).to_have_count(0)
    assert Customer.objects.unscoped(reason="test").get(pk=waiting.pk).owner == cast["rep_sh1"]

    page.context.clear_cookies()
    signed_in(page, "manager_east")
    page.goto(f"{live_server.url}/customers/handover/")
    page.locator("#from_user").select_option(str(cast["rep_sh1"].pk))
    page.get_by_role("button", name="显示客户").or_(page.get_by_role("button", name="Show customers")).click()
    expect(page.locator('[data-testid="handover-preview"]')).to_be_visible()
    page.locator("#to_user").select_option(str(cast["rep_sh2"].pk))
    page.locator('[data-testid="handover-run"]').click()
    expect(page.locator('[data-testid="handover-pick"]')).to_be_visible()
    assert Customer.objects.unscoped(reason="test").get(pk=waiting.pk).owner == cast["rep_sh2"]
