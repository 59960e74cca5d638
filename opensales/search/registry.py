"""Which models the global search covers, and how each becomes a `SearchEntry`.

An app declares its searchable models in its own `search.py` (imported by this app's `ready()`):

    register_search(
        Employee,
        key="employees",
        title="user.full_name",
        subtitle=lambda e: " · ".join(filter(None, [e.title, e.department and e.department.name])),
        person_name_fields=["user.full_name"],
        fields=["user.username", "employee_no", "title", "department.name"],
        phone_fields=["mobile"],
        url="org:employee_detail",
        select_related=["user", "department"],
        refresh_on={User: lambda user: Employee.objects.unscoped(reason="...").filter(user=user)},
    )

The model must be under the permission scope (`opensales.core.registry.register_scoped`): results are
always `Model.objects.visible_to(user, "view")`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse

if TYPE_CHECKING:
    from django.db.models import Model

    from .models import SearchEntry

Getter = str | Callable[[Any], Any]


def resolve(obj: Any, getter: Getter) -> Any:
    """A dotted attribute path ("department.name", None-safe) or a callable of the object."""
    if callable(getter):
        return getter(obj)
    value = obj
    for part in getter.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
        if callable(value) and not hasattr(value, "all"):
            value = value()
    return value


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class SearchType:
    model: type[Model]
    key: str  # the type's name in URLs and the API: "employees"
    title: Getter
    url: str | Callable[[SearchEntry], str]  # a URL name taking `pk`, or entry -> URL
    subtitle: Getter | None = None
    label: Any = None  # defaults to the model's verbose_name_plural
    fields: tuple[Getter, ...] = ()
    person_name_fields: tuple[Getter, ...] = ()
    phone_fields: tuple[Getter, ...] = ()
    select_related: tuple[str, ...] = ()
    # Other models whose changes alter this type's entries: model -> (instance -> records to reindex),
    # or model -> (that function, the fields that matter: other saves with update_fields are skipped).
    refresh_on: dict[type[Model], Any] = field(default_factory=dict)
    icon: str = "ti-file"
    order: int = 100

    @property
    def label_text(self) -> str:
        return str(self.label if self.label is not None else self.model._meta.verbose_name_plural)

    @property
    def model_label(self) -> str:
        return self.model._meta.label_lower

    def url_for(self, entry: SearchEntry) -> str:
        if callable(self.url):
            return self.url(entry)
        return reverse(self.url, kwargs={"pk": entry.object_id})


_types: dict[str, SearchType] = {}


def register_search(
    model: type[Model],
    *,
    key: str,
    title: Getter,
    url: str | Callable[[SearchEntry], str],
    fields: Iterable[Getter] = (),
    person_name_fields: Iterable[Getter] = (),
    phone_fields: Iterable[Getter] = (),
    select_related: Iterable[str] = (),
    **options: Any,
) -> SearchType:
    from opensales.core.registry import get_entry

    get_entry(model)  # raises LookupError: search results must come through the permission scope
    if not key.replace("-", "").isalnum():
        raise ValueError(f"search type key {key!r}: letters, digits and dashes only")
    search_type = SearchType(
        model=model,
        key=key,
        title=title,
        url=url,
        fields=tuple(fields),
        person_name_fields=tuple(person_name_fields),
        phone_fields=tuple(phone_fields),
        select_related=tuple(select_related),
        **options,
    )
    for other in _types.values():
        if other.key == key and other.model is not model:
            raise ValueError(f"search type key {key!r} is taken by {other.model_label}")
    _types[search_type.model_label] = search_type
    from . import index

    index.connect(search_type)
    return search_type


def unregister_search(model: type[Model]) -> None:
    """For tests that register a model of their own."""
    from . import index

    search_type = _types.pop(model._meta.label_lower, None)
    if search_type is not None:
        index.disconnect(search_type)


def search_types() -> list[SearchType]:
    return sorted(_types.values(), key=lambda t: (t.order, t.key))


def get_search_type(model_or_label: type[Model] | str) -> SearchType | None:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    return _types.get(label)


def by_key(key: str) -> SearchType | None:
    return next((t for t in _types.values() if t.key == key), None)
