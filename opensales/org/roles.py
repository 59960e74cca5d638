"""The built-in roles and the grants they start with.

Grants are policies over the registry rather than fixed lists, so a model added by a later module
gets sensible defaults in every built-in role when `sync_builtin_roles` runs (after each migrate).
An administrator's edits are kept: sync only adds grants for models a role has no grant for yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from opensales.core.actions import Action as A
from opensales.core.actions import DataScope as S
from opensales.core.registry import ScopedModel, all_entries

Policy = Callable[[ScopedModel], tuple[set[str], str] | None]

READ = {A.VIEW}
WORK = {A.VIEW, A.ADD, A.CHANGE}


def _business(entry: ScopedModel) -> bool:
    return entry.group not in {"org", "system"}


def _not_system(policy: Policy) -> Policy:
    """System models (the audit log, operations) belong to administrators and auditors only."""

    def wrapped(entry: ScopedModel):
        return None if entry.group == "system" else policy(entry)

    return wrapped


def _administrator(entry: ScopedModel):
    return set(entry.actions), S.ALL


@_not_system
def _director(entry: ScopedModel):
    if _business(entry):
        return set(entry.actions), S.ALL
    return READ | ({A.EXPORT} & set(entry.actions)), S.ALL


@_not_system
def _manager(entry: ScopedModel):
    if _business(entry):
        return set(entry.actions) - {A.IMPORT}, S.DEPT_AND_CHILD
    if entry.label == "org.role":
        return None
    return READ, S.DEPT_AND_CHILD


@_not_system
def _rep(entry: ScopedModel):
    if _business(entry):
        return WORK & set(entry.actions), S.SELF
    if entry.label == "org.employee":
        return READ, S.DEPT
    if entry.label == "org.department":
        return READ, S.SELF
    return None


@_not_system
def _finance(entry: ScopedModel):
    if _business(entry):
        return (READ | {A.EXPORT}) & set(entry.actions), S.ALL
    if entry.label == "org.role":
        return None
    return READ, S.ALL


def _auditor(entry: ScopedModel):
    return (READ | {A.EXPORT}) & set(entry.actions), S.ALL


@dataclass(frozen=True)
class BuiltinRole:
    code: str
    name_zh: str
    name_en: str
    description: str
    policy: Policy
    requires_2fa: bool = False


BUILTIN_ROLES = [
    BuiltinRole(
        "administrator",
        "系统管理员",
        "Administrator",
        gettext_noop("Everything, including users and roles."),
        _administrator,
        requires_2fa=True,
    ),
    BuiltinRole(
        "sales_director",
        "销售总监",
        "Sales director",
        gettext_noop("All sales data of every region."),
        _director,
    ),
    BuiltinRole(
        "sales_manager",
        "销售经理",
        "Sales manager",
        gettext_noop("The data of their department and its sub-departments."),
        _manager,
    ),
    BuiltinRole(
        "sales_rep", "销售代表", "Sales representative", gettext_noop("Their own customers and deals."), _rep
    ),
    BuiltinRole(
        "finance",
        "财务",
        "Finance",
        gettext_noop("Reads and exports all sales data for invoicing and collection."),
        _finance,
    ),
    BuiltinRole(
        "auditor",
        "审计员",
        "Auditor",
        gettext_noop("Reads everything and the audit log; changes nothing."),
        _auditor,
        requires_2fa=True,
    ),
]


@transaction.atomic
def sync_builtin_roles() -> None:
    from .models import Role, RoleGrant

    entries = all_entries()
    for spec in BUILTIN_ROLES:
        role, created = Role.objects.get_or_create(
            code=spec.code,
            defaults={
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "description": spec.description,
                "requires_2fa": spec.requires_2fa,
                "is_builtin": True,
            },
        )
        if not role.is_builtin:
            Role.objects.filter(pk=role.pk).update(is_builtin=True)
        existing = set(role.grants.values_list("model_label", flat=True))
        new = []
        for entry in entries:
            if entry.label in existing:
                continue
            granted = spec.policy(entry)
            if granted is None or not granted[0]:
                continue
            actions, scope = granted
            new.append(
                RoleGrant(
                    role=role,
                    model_label=entry.label,
                    actions=[a.value if hasattr(a, "value") else a for a in entry.actions if a in actions],
                    scope=scope,
                )
            )
        RoleGrant.objects.bulk_create(new)
