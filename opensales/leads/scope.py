"""The permission scope of leads, registered from `ready()` and, earlier, from `search.py` (the search
app discovers search modules in its own `ready()`, which runs before this app's)."""

from __future__ import annotations


def register() -> None:
    from opensales.core.actions import Action as A
    from opensales.core.registry import register_scoped

    from .models import Lead

    register_scoped(
        Lead,
        owner_field="owner",
        sensitive_fields=("phone", "email"),
        group="customers",
        actions=(A.VIEW, A.ADD, A.CHANGE, A.DELETE, A.EXPORT, A.IMPORT, A.ASSIGN, A.UNMASK),
    )
