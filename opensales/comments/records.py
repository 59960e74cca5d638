"""Finding the record a comment or a file belongs to, and where its page is.

Comments and attachments hang on any model registered with the permission scope
(`opensales.core.registry`), addressed as `<label>/<pk>` in URLs ("org.employee/12") and as
`<label>:<pk>` in the API ("org.employee:12"). A model that is not registered answers 404, exactly
like a record outside the user's scope (`get_visible_or_404`).

The record's URL (used in mention notifications and as the default "back" address) comes from, in
order: a hook registered with `register_record_url`, `obj.get_absolute_url()`, the route
`<app_label>:<model_name>_detail` with `pk`, else "" (no link).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from opensales.core.actions import Action
from opensales.core.registry import get_entry, is_registered
from opensales.core.scope import get_visible_or_404

_url_hooks: dict[str, Callable[[Any], str]] = {}


def register_record_url(model_or_label: type[models.Model] | str, func: Callable[[Any], str]) -> None:
    """Tell comments and files where the page of a model's record is: `func(obj) -> "/path/"`."""
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    _url_hooks[label] = func


def record_url(obj: models.Model) -> str:
    label = obj._meta.label_lower
    if label in _url_hooks:
        return _url_hooks[label](obj) or ""
    if hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url() or ""
    try:
        return reverse(f"{obj._meta.app_label}:{obj._meta.model_name}_detail", kwargs={"pk": obj.pk})
    except NoReverseMatch:
        return ""


def record_label(obj: models.Model) -> str:
    return obj._meta.label_lower


def model_for_label(label: str) -> type[models.Model]:
    """The scoped model named by `label` ("org.employee"); 404 for anything else."""
    try:
        return get_entry(str(label).lower()).model
    except LookupError:
        raise Http404 from None


def record_for(label: str, pk: Any, user: Any, action: str = Action.VIEW) -> models.Model:
    """The record, if the user may perform `action` on it; 404 otherwise (audited as a denial)."""
    return get_visible_or_404(model_for_label(label), user, pk, action)


def parse_record_ref(ref: str | None) -> tuple[str, int]:
    """ "org.employee:12" -> ("org.employee", 12); ValueError when malformed."""
    label, sep, pk = (ref or "").strip().rpartition(":")
    if not sep or not label or not pk.isdigit():
        raise ValueError(ref)
    return label.lower(), int(pk)


def record_of(content_type_id: int, object_id: int, user: Any, action: str = Action.VIEW) -> models.Model:
    """The record a comment or file hangs on, through the scope; 404 when out of scope or gone."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None or not is_registered(model):
        raise Http404
    return get_visible_or_404(model, user, object_id, action)
