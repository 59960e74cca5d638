"""A lead in a real browser, at desktop and phone width, in Chinese and English: rep_sh1 opens their
lead, converts it into a customer with a contact and an opportunity, and lands on the customer's page,
which shows both.

Runs with the browser leg (`make test-browser`, marker `browser`), on the harness of tests/browser.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import translated, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_converts_a_lead(page, signed_in, language, live_server, cast):
    from opensales.leads.models import Lead
    from opensales.leads.services import lead_create

    def t(message):
        return translated(message, language)

    lead = lead_create(
        actor=None,
        owner=cast["rep_sh1"],
        company="启明软件有限公司",
        contact_name="周婷",
        phone="13912345678",
        region="310115",
    )
    signed_in(page, "rep_sh1")
    page.goto(f"{live_server.url}/leads/")
    row = page.locator('[data-testid="row"]', has_text="启明软件有限公司")
    expect(row).to_have_count(1)
    row.locator('[data-testid="open"]').click()
    expect(page.locator('[data-testid="record-title"]')).to_contain_text("启明软件有限公司")

    convert = visible(page, "lead-convert")
    expect(convert).to_have_text(t("Convert"))
    convert.click()
    expect(page.locator("h2.page-title")).to_have_text(t("Convert the lead"))
    expect(page.locator('[data-testid="duplicate-candidates"]')).to_contain_text(
        t("Customers that look the same")
    )
    page.locator('input[name="customer_choice"][value="new"]').check()
    page.locator('input[name="create_opportunity"]').check()
    page.locator('input[name="opportunity_name"]').fill("启明软件 CRM 项目")
    page.locator('input[name="amount"]').fill("88000")
    page.locator('[data-testid="convert-save"]').click()

    page.wait_for_url(re.compile(r"/customers/\d+/"))
    expect(page.get_by_role("alert").filter(has_text=t("The lead was converted."))).to_be_visible()
    expect(page.locator('[data-testid="record-title"]')).to_contain_text("启明软件有限公司")
    # The customer's 360° page shows the new contact and the new opportunity.
    tab = page.locator('[data-testid="tab-contacts"]')
    expect(tab).to_have_text(t("Contacts"))
    tab.click()
    expect(page.locator('[data-testid="org-contact"]')).to_have_text("周婷")
    tab = page.locator('[data-testid="tab-opportunities"]')
    expect(tab).to_have_text(t("Opportunities"))
    tab.click()
    expect(page.locator('[data-testid="customer-opportunities"]')).to_contain_text("启明软件 CRM 项目")

    lead = Lead.objects.unscoped(reason="test").get(pk=lead.pk)
    assert lead.status == "converted"
    assert lead.converted_contact is not None and lead.converted_opportunity is not None
    assert page.url.endswith(f"/customers/{lead.converted_customer_id}/")
