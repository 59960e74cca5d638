"""Opportunities and competitors in the global search."""

from __future__ import annotations

from opensales.search.registry import register_search

from .models import Competitor, Opportunity
from .scope import register as register_scope

register_scope()
REASON = "search index: opportunities showing this customer"


def _customer_deals(customer):
    return Opportunity.objects.unscoped(reason=REASON).filter(customer=customer)


def _refresh_on() -> dict:
    from opensales.customers.models import Customer

    return {Customer: (_customer_deals, ["name"])}


register_search(
    Opportunity,
    key="opportunities",
    title="name",
    subtitle=lambda o: " · ".join(x for x in (o.customer.name, o.stage.name) if x),
    fields=["customer.name"],
    url="deals:opportunity_detail",
    select_related=["customer", "stage"],
    refresh_on=_refresh_on(),
    icon="ti-briefcase",
    order=300,
)

register_search(
    Competitor,
    key="competitors",
    title="name",
    subtitle="products",
    fields=["products"],
    url="deals:competitor_detail",
    icon="ti-swords",
    order=420,
)
