"""Records for follow-up tests (customers, contacts, deals are made directly: others own their services)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def customer(owner, name="上海云帆科技有限公司"):
    from opensales.customers.models import Customer

    return Customer.objects.create(name=name, owner=owner)


def contact(customer, name="王经理"):
    from opensales.customers.models import Contact

    return Contact.objects.create(customer=customer, name=name)


def opportunity(customer, owner, name="年度采购项目"):
    from opensales.deals.models import Opportunity, Pipeline, Stage

    pipeline = Pipeline.objects.first() or Pipeline.objects.create(name="项目型")
    stage = Stage.objects.filter(pipeline=pipeline).first() or Stage.objects.create(
        pipeline=pipeline, name="初步接触", sort_order=1
    )
    fields = {"customer": customer, "owner": owner, "name": name}
    names = {f.name for f in Opportunity._meta.get_fields()}
    if "pipeline" in names:
        fields["pipeline"] = pipeline
    if "stage" in names:
        fields["stage"] = stage
    return Opportunity.objects.create(**fields)


def lead(owner, company="杭州新锐贸易"):
    from opensales.leads.models import Lead

    return Lead.objects.create(company=company, contact_name="李先生", owner=owner)


def planned(owner, *, at=None, customer=None, subject="电话回访"):
    from opensales.activities import services

    return services.log_follow_up(
        actor=owner,
        kind="call",
        subject=subject,
        at=at or timezone.now() + timedelta(hours=2),
        status="planned",
        customer=customer,
    )


def done(owner, *, at=None, customer=None, subject="上门拜访"):
    from opensales.activities import services

    return services.log_follow_up(
        actor=owner,
        kind="visit",
        subject=subject,
        at=at or timezone.now() - timedelta(hours=1),
        customer=customer,
    )
