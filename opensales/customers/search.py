"""Customers and contacts in the global search: customers by name, short name, credit code and phone
(digits and suffix); contacts by name (pinyin too) and phone. Contact mobiles are only in the index
as digits for matching; results are always filtered by the reader's scope."""

from __future__ import annotations

from opensales.search.registry import register_search

from .models import Contact, Customer
from .regions import region_name
from .scoping import register as _register_scope

_register_scope()

REASON = "search index: records whose entry shows this change"


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


register_search(
    Customer,
    key="customers",
    title="name",
    subtitle=lambda c: _join(
        c.short_name, region_name(c.region), c.owner.get_full_name() if c.owner_id else ""
    ),
    fields=["short_name", "credit_code"],
    phone_fields=["phone"],
    url="customers:customer_detail",
    select_related=["owner"],
    icon="ti-building",
    order=100,
)

register_search(
    Contact,
    key="contacts",
    title="name",
    subtitle=lambda c: _join(c.title, c.customer.name),
    person_name_fields=["name"],
    fields=["title", "department"],
    phone_fields=["mobile", "phone"],
    url="customers:contact_detail",
    select_related=["customer"],
    refresh_on={
        Customer: (lambda c: Contact.objects.unscoped(reason=REASON).filter(customer=c), ["name"]),
    },
    icon="ti-address-book",
    order=110,
)
