"""The contact rule: contacts follow their customer, except that the contacts of a customer in a public
pool (no owner) stay hidden from pool members until one claims it. Users whose customer grant reaches
all customers (director, admin, finance, auditor) still see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q


def contact_parent_filter(user: Any, action: str) -> Q:
    from opensales.core.scope import grants_for

    if getattr(user, "is_superuser", False):
        return Q()
    reach = grants_for(user).reach("customers.customer", action)
    if reach is not None and reach.all:
        return Q()
    return Q(owner__isnull=False)
