"""The permission-scope registration of customers and contacts. Idempotent: called from
CustomersConfig.ready() and from customers/search.py (the search app's ready() may import that module
before this app's ready() has run)."""

from __future__ import annotations


def register() -> None:
    from opensales.core.actions import Action as A
    from opensales.core.registry import register_scoped

    from .models import Contact, Customer
    from .pools import pool_visibility
    from .visibility import contact_parent_filter

    every = (A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.ASSIGN, A.UNMASK)
    register_scoped(
        Customer,
        owner_field="owner",
        extra_q=pool_visibility,
        sensitive_fields=("phone", "email"),
        group="customers",
        actions=every,
    )
    register_scoped(
        Contact,
        parent_field="customer",
        parent_filter=contact_parent_filter,
        sensitive_fields=("mobile", "email"),
        group="customers",
        actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.UNMASK),
    )
