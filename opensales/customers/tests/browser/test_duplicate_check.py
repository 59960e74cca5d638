"""A rep creates a customer whose name duplicates a colleague's: the form names the owner, then the
rep saves anyway. At desktop and phone width, in Chinese and English (the harness of tests/browser)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import translated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_duplicate_warning_then_save_anyway(page, signed_in, language, live_server, cast):
    from opensales.customers.models import Customer
    from opensales.customers.services import customer_create

    def t(message):
        return translated(message, language)

    customer_create(actor=cast["rep_sh2"], name="上海恒达贸易", region="310115")
    signed_in(page, "rep_sh1")
    page.goto(f"{live_server.url}/customers/new/")
    form = page.locator("#record-form")
    name = form.locator('input[name="name"]')
    name.fill("上海恒达贸易有限公司")
    # The hint while typing (htmx) names the colleague who owns it.
    hint = page.locator('[data-testid="duplicates"]')
    expect(hint).to_contain_text(t("Likely duplicates"))
    expect(hint).to_contain_text("上海恒达贸易")
    expect(hint).to_contain_text(t("owner: %(owner)s") % {"owner": "刘洋"})
    # The cascading region picker.
    form.locator('select[name="region_province"]').select_option("310000")
    expect(form.locator('select[name="region_city"] option[value="310100"]')).to_have_count(1)
    form.locator('select[name="region_city"]').select_option("310100")
    expect(form.locator('select[name="region_district"] option[value="310115"]')).to_have_count(1)
    form.locator('select[name="region_district"]').select_option("310115")
    page.locator('[data-testid="save"]').click()
    # Saving is held until the rep confirms.
    errors = page.locator('[data-testid="form-errors"]')
    expect(errors).to_be_visible()
    expect(errors).to_contain_text(
        t(
            "This customer may already exist (see the likely duplicates). Save anyway, or ask the owner to add you."
        )
    )
    expect(page.locator('[data-testid="duplicate"]')).to_contain_text("刘洋")
    expect(page.locator('[data-testid="ask-collaborate"]')).to_have_text(t("Ask to join as collaborator"))
    save_anyway = page.locator('[data-testid="save-anyway"]')
    expect(save_anyway).to_have_text(t("Save anyway"))
    save_anyway.click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator('[data-testid="record-title"]')).to_have_text("上海恒达贸易有限公司")
    facts = page.locator('[data-testid="customer-facts"]')
    expect(facts).to_contain_text(t("Region"))
    expect(facts).to_contain_text("上海市 浦东新区")
    mine = Customer.objects.unscoped(reason="test").get(owner=cast["rep_sh1"])
    assert (mine.name_key, mine.region) == ("上海恒达贸易", "310115")
    assert Customer.objects.unscoped(reason="test").filter(name_key="上海恒达贸易").count() == 2
