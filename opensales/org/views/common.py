"""Permission helpers shared by the organization views."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from opensales.core.actions import Action
from opensales.core.registry import get_entry
from opensales.core.scope import NOTHING, grants_for, has_action

from ..models import Department, Employee

User = get_user_model()


def require_action(user: Any, model: Any, action: str) -> None:
    """Page-level check: 403 when no role of the user grants `action` on the model at all."""
    if not has_action(user, model, action):
        raise PermissionDenied


def reaches_all(user: Any, model: Any, action: str) -> bool:
    """Whether the user's grant for (model, action) covers every record (or the user is a superuser)."""
    if user.is_superuser:
        return True
    reach = grants_for(user).reach(get_entry(model).label, action)
    return bool(reach and reach.all)


def departments_in_reach(user: Any, model: Any, action: str, include: Any = None):
    """The departments whose people/records fall in the user's (model, action) scope.

    Used for the department dropdowns of the employee forms: an editor can only place an employee
    where the employee stays visible to them. `include` (a department) is always offered, so an
    existing value is never silently dropped.
    """
    base = Department.objects.unscoped(reason="departments covered by the user's own grant")
    if reaches_all(user, model, action):
        return base
    grants = grants_for(user)
    reach = grants.reach(get_entry(model).label, action)
    q = reach.describe_departments() if reach else NOTHING
    if include is not None:
        q |= Q(pk=include.pk)
    return base.filter(q)


def visible_users(user: Any, include: Any = None):
    """Users whose employee record the user may view (dropdowns of heads and managers)."""
    q = Q(employee__in=Employee.objects.visible_to(user, Action.VIEW))
    if include is not None:
        q |= Q(pk=include.pk)
    return User.objects.filter(q, is_active=True).distinct().order_by("username")


def guard_superuser(actor: Any, target_user: Any) -> None:
    """Only a superuser may manage a superuser's account (password, activation, roles)."""
    if target_user.is_superuser and not actor.is_superuser:
        raise PermissionDenied
