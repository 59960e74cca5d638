"""The "Log a follow-up" buttons of the opportunity and lead pages, and the form's prefill from them."""

from __future__ import annotations

import pytest

from opensales.customers.tests.factories import make_customer
from opensales.deals.services import opportunity_create
from opensales.leads.services import lead_create

pytestmark = pytest.mark.django_db


def _selected(page: str, name: str, pk: int) -> bool:
    start = page.index(f'name="{name}"')
    end = page.index("</select>", start)
    return f'value="{pk}" selected' in page[start:end]


def test_opportunity_page_button_prefills_customer_and_opportunity(cast, login):
    rep = cast["rep_sh1"]
    customer = make_customer(rep, "上海恒达贸易有限公司")
    opp = opportunity_create(actor=rep, customer=customer, name="恒达项目")
    client = login(rep)
    detail = client.get(f"/deals/opportunities/{opp.pk}/").content.decode()
    assert f"/activities/new/?opportunity={opp.pk}" in detail
    page = client.get("/activities/new/", {"opportunity": opp.pk}).content.decode()
    assert _selected(page, "opportunity", opp.pk) and _selected(page, "customer", customer.pk)


def test_lead_page_button_prefills_the_lead(cast, login):
    rep = cast["rep_sh1"]
    lead = lead_create(actor=rep, owner=rep, contact_name="王磊", phone="13812345678")
    client = login(rep)
    detail = client.get(f"/leads/{lead.pk}/").content.decode()
    assert f"/activities/new/?lead={lead.pk}" in detail
    page = client.get("/activities/new/", {"lead": lead.pk}).content.decode()
    assert _selected(page, "lead", lead.pk)


def test_ids_outside_the_scope_are_not_prefilled_nor_accepted(cast, login):
    other = cast["rep_gz1"]
    customer = make_customer(other, "广州南方电子有限公司")
    opp = opportunity_create(actor=other, customer=customer, name="南方项目")
    lead = lead_create(actor=other, owner=other, contact_name="李娜", phone="13812345679")
    client = login(cast["rep_sh1"])
    page = client.get("/activities/new/", {"opportunity": opp.pk, "lead": lead.pk}).content.decode()
    assert "南方项目" not in page and "广州南方电子" not in page and "李娜" not in page
    response = client.post(
        "/activities/new/",
        {
            "kind": "call",
            "status": "done",
            "subject": "电话",
            "at": "2026-11-20T10:00",
            "opportunity": opp.pk,
        },
    )
    assert response.status_code == 200  # the form refuses it
    from opensales.activities.models import FollowUp

    assert not FollowUp.objects.unscoped(reason="test").exists()


def test_finance_sees_no_button(cast, login):
    rep = cast["rep_sh1"]
    opp = opportunity_create(actor=rep, customer=make_customer(rep, "上海恒达贸易有限公司"), name="恒达项目")
    detail = login(cast["finance"]).get(f"/deals/opportunities/{opp.pk}/").content.decode()
    assert 'data-testid="log-follow-up"' not in detail
