"""Public pools (公海): who sees a pool's customers (the scope rule), and later the claim/release rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from opensales.core.actions import Action


def pool_visibility(user: Any, action: str) -> Q | None:
    """Customers in a pool (no owner) are visible to the members of that pool's departments (a member
    of a sub-department included) and, for a pool open to no department in particular, to everyone who
    may view customers. Only viewing: claiming is its own service."""
    if action != Action.VIEW:
        return None
    from opensales.org.models import Employee

    from .models import CustomerPool

    employee = (
        Employee.objects.unscoped(reason="pool membership")
        .filter(user_id=user.pk)
        .select_related("department")
        .first()
    )
    department = employee.department if employee is not None else None
    ancestors = (
        [int(pk) for pk in department.path.strip("/").split("/") if pk] if department is not None else []
    )
    pools = CustomerPool.objects.filter(Q(departments__in=ancestors) | Q(departments__isnull=True)).values(
        "pk"
    )
    return Q(owner__isnull=True, pool__in=pools)
