"""A lead in a real browser, at desktop and phone width: rep_sh1 opens their lead, converts it into a
customer with a contact and an opportunity, and lands on the customer's page.

Runs with the browser leg (`make test-browser`, marker `browser`), on the harness of tests/browser.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_converts_a_lead(page, signed_in, viewport_name, live_server, cast):
    from opensales.leads.models import Lead
    from opensales.leads.services import lead_create

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

    visible(page, "lead-convert").click()
    expect(page.locator('[data-testid="duplicate-candidates"]')).to_be_visible()
    page.locator('input[name="customer_choice"][value="new"]').check()
    page.locator('input[name="create_opportunity"]').check()
    page.locator('input[name="opportunity_name"]').fill("启明软件 CRM 项目")
    page.locator('input[name="amount"]').fill("88000")
    page.locator('[data-testid="convert-save"]').click()

    page.wait_for_url(re.compile(r"/customers/\d+/"))
    expect(page.locator('[data-testid="record-title"]')).to_contain_text("启明软件有限公司")
    lead = Lead.objects.unscoped(reason="test").get(pk=lead.pk)
    assert lead.status == "converted"
    assert lead.converted_contact is not None and lead.converted_opportunity is not None
    assert page.url.endswith(f"/customers/{lead.converted_customer_id}/")
