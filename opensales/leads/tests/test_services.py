"""Lead services: assignment on arrival (rules, rotation, caps), conversion, invalidation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from opensales.audit.models import AuditEvent
from opensales.leads import services
from opensales.leads.models import AssignmentRule, Lead, LeadStatus
from opensales.notifications.models import Notification

pytestmark = pytest.mark.django_db


def make_lead(owner=None, **fields):
    values = {"company": "星河科技有限公司", "contact_name": "王磊", "phone": "13812345678", **fields}
    return services.lead_create(actor=None, owner=owner, **values)


def web_lead(region="", **fields):
    return services.lead_create(
        actor=None, contact_name="李娜", phone="13900001111", region=region, assign_on_arrival=True, **fields
    )


def test_create_needs_a_name_and_a_way_to_reply(cast):
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=cast["rep_sh1"], owner=cast["rep_sh1"], contact_name="王磊")
    assert "phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=None, contact_name="", phone="13812345678")
    assert "contact_name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_lead(region="999999")
    assert "region" in exc.value.message_dict


def test_round_robin_by_region_with_a_cap(cast, departments):
    AssignmentRule.objects.create(
        name="上海", department=departments["SH"], region_prefix="31", cap_per_rep=2
    )
    AssignmentRule.objects.create(name="广州", department=departments["GZ"], region_prefix="44", sort_order=5)
    owners = [web_lead("310115").owner.username for _ in range(4)]
    # The two reps of 上海团队 take turns (lead_sh is a manager, not a rep), two each at most.
    assert owners == ["rep_sh1", "rep_sh2", "rep_sh1", "rep_sh2"]
    assert web_lead("310104").owner is None  # both at the cap, no other rule fits
    assert web_lead("440106").owner.username == "rep_gz1"
    assert web_lead("440106").owner.username == "rep_gz2"
    assert web_lead("110108").owner is None  # no rule for Beijing
    assert web_lead("").owner is None


def test_an_any_region_rule_catches_the_rest_and_order_counts(cast, departments):
    AssignmentRule.objects.create(name="兜底", department=departments["GZ"], sort_order=20)
    AssignmentRule.objects.create(
        name="上海", department=departments["SH"], region_prefix="31", sort_order=10
    )
    assert web_lead("310115").owner.username == "rep_sh1"
    assert web_lead("110108").owner.username == "rep_gz1"
    AssignmentRule.objects.filter(name="上海").update(is_active=False)
    assert web_lead("310115").owner.username == "rep_gz2"


def test_closed_leads_do_not_count_against_the_cap(cast, departments):
    AssignmentRule.objects.create(
        name="上海", department=departments["SH"], region_prefix="31", cap_per_rep=1
    )
    first = web_lead("310115")
    second = web_lead("310115")
    assert {first.owner.username, second.owner.username} == {"rep_sh1", "rep_sh2"}
    assert web_lead("310115").owner is None
    services.lead_invalidate(actor=cast["rep_sh1"], lead=first, reason="空号")
    assert web_lead("310115").owner.username == first.owner.username


def test_assignment_notifies_the_owner_and_is_audited(cast, departments):
    AssignmentRule.objects.create(name="上海", department=departments["SH"], region_prefix="31")
    lead = web_lead("310115")
    note = Notification.objects.get(recipient=cast["rep_sh1"], kind="assignment")
    assert note.url == f"/leads/{lead.pk}/"
    assert AuditEvent.objects.filter(action="lead.assign", object_id=str(lead.pk)).count() == 1


def test_manual_assignment(cast):
    lead = make_lead(owner=cast["rep_sh1"])
    lead = services.lead_assign(actor=cast["manager_east"], lead=lead, owner=cast["rep_sh2"])
    assert lead.owner == cast["rep_sh2"] and lead.version == 2
    assert Notification.objects.filter(recipient=cast["rep_sh2"], kind="assignment").count() == 1


def test_invalidation_needs_a_reason(cast):
    lead = make_lead(owner=cast["rep_sh1"])
    with pytest.raises(ValidationError) as exc:
        services.lead_invalidate(actor=cast["rep_sh1"], lead=lead, reason="  ")
    assert "reason" in exc.value.message_dict
    lead = services.lead_invalidate(actor=cast["rep_sh1"], lead=lead, reason="空号")
    assert (lead.status, lead.invalid_reason) == (LeadStatus.INVALID, "空号")


def test_convert_into_a_new_customer_contact_and_opportunity(cast):
    from opensales.customers.models import Contact, Customer
    from opensales.deals.models import Opportunity

    rep = cast["rep_sh1"]
    lead = make_lead(owner=rep, region="310115", email="wl@xinghe.cn", title="采购经理")
    lead = services.convert(
        actor=rep,
        lead=lead,
        create_opportunity=True,
        opportunity_name="星河科技 CRM 项目",
        amount=Decimal("120000"),
    )
    assert lead.status == LeadStatus.CONVERTED and lead.converted_at is not None
    customer = Customer.objects.unscoped(reason="test").get(pk=lead.converted_customer_id)
    assert (customer.name, customer.owner, customer.region) == ("星河科技有限公司", rep, "310115")
    contact = Contact.objects.unscoped(reason="test").get(pk=lead.converted_contact_id)
    assert (contact.name, contact.mobile, contact.email, contact.customer_id) == (
        "王磊",
        "13812345678",
        "wl@xinghe.cn",
        customer.pk,
    )
    opportunity = Opportunity.objects.unscoped(reason="test").get(pk=lead.converted_opportunity_id)
    assert (opportunity.name, opportunity.amount, opportunity.customer_id) == (
        "星河科技 CRM 项目",
        Decimal("120000"),
        customer.pk,
    )
    assert AuditEvent.objects.filter(action="lead.convert", object_id=str(lead.pk)).count() == 1


def test_convert_reusing_a_customer_and_twice_refused(cast):
    from opensales.customers.models import Customer
    from opensales.customers.services import customer_create

    rep = cast["rep_sh1"]
    existing = customer_create(actor=rep, owner=rep, name="星河科技有限公司")
    lead = make_lead(owner=rep)
    assert existing in services.duplicate_candidates(lead)
    lead = services.convert(actor=rep, lead=lead, customer=existing, create_contact=False)
    assert lead.converted_customer_id == existing.pk and lead.converted_contact_id is None
    assert Customer.objects.unscoped(reason="test").count() == 1
    with pytest.raises(services.AlreadyConverted):
        services.convert(actor=rep, lead=lead)
    with pytest.raises(services.AlreadyConverted):
        services.lead_invalidate(actor=rep, lead=lead, reason="x")


def test_convert_refuses_a_customer_the_actor_cannot_see(cast):
    from opensales.customers.services import customer_create

    theirs = customer_create(actor=cast["rep_gz1"], owner=cast["rep_gz1"], name="远航物流有限公司")
    lead = make_lead(owner=cast["rep_sh1"])
    with pytest.raises(ValidationError) as exc:
        services.convert(actor=cast["rep_sh1"], lead=lead, customer=theirs)
    assert "customer" in exc.value.message_dict
    assert Lead.objects.unscoped(reason="test").get(pk=lead.pk).status == LeadStatus.NEW


def test_a_failed_conversion_leaves_nothing_behind(cast):
    from opensales.customers.models import Customer

    lead = make_lead(owner=cast["rep_sh1"])
    with pytest.raises(ValidationError):
        services.convert(actor=cast["rep_sh1"], lead=lead, create_opportunity=True, opportunity_name="")
    assert Customer.objects.unscoped(reason="test").count() == 0
