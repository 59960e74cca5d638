"""Saved views: which a user may open, the services that keep them, and the list's menu of them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _

from opensales.audit.services import record as audit

from .listing import state_query
from .models import DefaultView, SavedView

MAX_VIEWS_PER_LIST = 50


def _home_department(user: Any):
    # The grants of the request already loaded the user's department (no query of its own).
    if not user.is_authenticated:
        return None
    from opensales.core.scope import grants_for

    return grants_for(user).home_department


def available(user: Any, list_key: str | list[str]):
    """The user's own views of this list (or lists) and those shared with their department or a
    department above it."""
    q = Q(owner=user)
    home = _home_department(user)
    if home is not None:
        ancestor_ids = [int(pk) for pk in home.path.strip("/").split("/") if pk]
        q |= Q(visibility=SavedView.Visibility.DEPARTMENT, department_id__in=ancestor_ids)
    keys = [list_key] if isinstance(list_key, str) else list_key
    return SavedView.objects.filter(q, list_key__in=keys).select_related("owner", "department")


def default_for(user: Any, list_key: str) -> SavedView | None:
    default = DefaultView.objects.filter(user=user, list_key=list_key).select_related("view").first()
    if default is None:
        return None
    # A shared view its owner deleted or stopped sharing is no longer a default.
    return available(user, list_key).filter(pk=default.view_id).first()


def url_of(model_view: Any, view: SavedView) -> str:
    query = QueryDict(view.query, mutable=True)
    query["view"] = str(view.pk)
    return f"{model_view.list_url()}?{query.urlencode()}"


UNKNOWN = object()  # `context(default_id=)`: not looked up yet


def context(user: Any, model_view: Any, params: QueryDict, *, default_id: Any = UNKNOWN) -> dict[str, Any]:
    """The saved views menu. `default_id`: the user's default view for this list when the caller has
    just looked it up (None: none available), saving the query."""
    views = list(available(user, model_view.key))
    current_id = params.get("view", "")
    current = next((v for v in views if str(v.pk) == current_id), None)
    default = default_id
    if default is UNKNOWN:
        default = (
            DefaultView.objects.filter(user=user, list_key=model_view.key)
            .values_list("view_id", flat=True)
            .first()
        )
    return {
        "views": [{"view": v, "url": url_of(model_view, v), "is_default": v.pk == default} for v in views],
        "current": current,
        # The current view's filters were changed since it was opened: offer to update it.
        "modified": current is not None and state_query(_without_view(params)) != current.query,
        "home_department": _home_department(user),
    }


def _without_view(params: QueryDict) -> QueryDict:
    query = params.copy()
    query.pop("view", None)
    return query


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(name) > 60:
        raise ValidationError({"name": _("A view name has at most 60 characters.")})
    return name


@transaction.atomic
def save_view(
    *,
    actor: Any,
    list_key: str,
    name: str,
    params: QueryDict,
    shared: bool = False,
    make_default: bool = False,
    view: SavedView | None = None,
) -> SavedView:
    """Create a view (or overwrite `view`, the actor's own) from the list's current parameters."""
    name = _clean_name(name)
    department = _home_department(actor) if shared else None
    if shared and department is None:
        raise ValidationError({"shared": _("You are in no department, so the view cannot be shared.")})
    if view is None:
        if SavedView.objects.filter(owner=actor, list_key=list_key).count() >= MAX_VIEWS_PER_LIST:
            raise ValidationError(
                _("You have %(n)d views of this list; delete one first.") % {"n": MAX_VIEWS_PER_LIST}
            )
        view = SavedView(owner=actor, list_key=list_key)
    elif view.owner_id != actor.pk:
        raise PermissionDenied
    view.name = name
    view.query = state_query(_without_view(params))[:2000]
    view.visibility = SavedView.Visibility.DEPARTMENT if shared else SavedView.Visibility.PRIVATE
    view.department = department
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise ValidationError({"name": _("You already have a view with this name.")}) from None
    if make_default:
        set_default(actor=actor, list_key=list_key, view=view)
    audit(
        action="saved_view.save",
        actor=actor,
        obj=view,
        changes={"list": list_key, "query": view.query, "shared": shared},
    )
    return view


@transaction.atomic
def delete_view(*, actor: Any, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied
    audit(action="saved_view.delete", actor=actor, obj=view, changes={"list": view.list_key})
    view.delete()


@transaction.atomic
def set_default(*, actor: Any, list_key: str, view: SavedView | None) -> None:
    """Make `view` (one the actor may open) their default for the list; None clears it."""
    if view is None:
        DefaultView.objects.filter(user=actor, list_key=list_key).delete()
        return
    if not available(actor, list_key).filter(pk=view.pk).exists():
        raise PermissionDenied
    DefaultView.objects.update_or_create(user=actor, list_key=list_key, defaults={"view": view})
