"""The registry of models under the permission scope.

A model joins by `register_scoped(...)` in its app's `ready()`; the role editor, the "who can see
what" page, the scope function and the permission-matrix tests all read from here, so a new business
model is one declaration away from being governed everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .actions import Action

if TYPE_CHECKING:
    from django.db.models import Model, Q


@dataclass(frozen=True)
class ScopedModel:
    model: type[Model]
    actions: tuple[str, ...]
    # Path to the responsible user (负责人), e.g. "owner". Department scopes follow that user's department.
    owner_field: str | None = None
    # Path to a Department for models scoped by department rather than by person ("" = the model is
    # Department itself).
    department_field: str | None = None
    # The relation whose visibility this model follows (contacts follow "customer").
    parent_field: str | None = None
    parent_filter: Callable[[Any, str], Q] | None = None  # narrows the visible parents: (user, action) -> Q
    # Extra visibility, e.g. the public pool: (user, action) -> Q or None.
    extra_q: Callable[[Any, str], Q | None] | None = None
    # Fields holding personal data: masked unless the role grants UNMASK.
    sensitive_fields: tuple[str, ...] = field(default=())
    # Models with no per-record scope (roles, settings): the action alone decides.
    scope_free: bool = False
    # Menu group, used by the role editor to group rows and by built-in roles to pick defaults.
    group: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)


_registry: dict[str, ScopedModel] = {}


def register_scoped(model: type[Model], **options: Any) -> ScopedModel:
    options.setdefault("actions", (Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE, Action.EXPORT))
    entry = ScopedModel(model=model, **options)
    if not (
        entry.owner_field or entry.department_field is not None or entry.parent_field or entry.scope_free
    ):
        raise ValueError(f"{entry.label}: an owner, a department or a parent relation is required")
    _registry[entry.label] = entry
    return entry


def get_entry(model_or_label: type[Model] | str) -> ScopedModel:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    try:
        return _registry[label]
    except KeyError:
        raise LookupError(f"{label} is not registered with the permission scope") from None


def all_entries() -> list[ScopedModel]:
    return sorted(_registry.values(), key=lambda e: (e.group, e.label))


def is_registered(model: type[Model]) -> bool:
    return model._meta.label_lower in _registry
