"""The notification center over the API: your own notifications and e-mail preferences.

Mounted at the root of /api/v1/ by opensales/api/root.py. Every query is filtered by the calling user:
another user's notification answers 404 like one that does not exist. Writes go through services.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from ninja import Field, Query, Router, Schema

from opensales.api.errors import ErrorOut, duplicate, invalid_choice
from opensales.api.pagination import PageParams, page_of, paginate

from . import services
from .kinds import all_kinds, get_kind
from .models import Notification
from .selectors import effective_preferences

router = Router(tags=["notifications"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ActorOut(Schema):
    id: int
    username: str
    full_name: str


class TargetOut(Schema):
    type: str = Field(..., description='The record\'s model, e.g. "org.employee".')
    id: str


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="mention, assignment, reminder, approval, system, or a module's own.")
    kind_label: str
    title: str
    body: str
    url: str = Field(..., description="Path of the record on this site; empty when there is none.")
    actor: ActorOut | None
    target: TargetOut | None
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class ListParams(PageParams):
    unread: bool | None = Field(None, description="true: only unread; false: only read; absent: all.")


class ReadAllOut(Schema):
    marked: int = Field(..., description="How many were unread and are now read.")


class PreferenceOut(Schema):
    kind: str
    label: str
    description: str
    in_app: bool = Field(True, description="Always true: every notification shows in the app.")
    email: bool


class PreferencesOut(Schema):
    items: list[PreferenceOut]


class PreferenceIn(Schema):
    kind: str
    email: bool


class PreferencesIn(Schema):
    items: list[PreferenceIn] = Field(..., description="The kinds to change; kinds not listed keep theirs.")


def notification_out(n: Notification) -> dict[str, Any]:
    target = None
    if n.content_type_id:
        ct = ContentType.objects.get_for_id(n.content_type_id)  # Django's cache: no query per item
        target = {"type": f"{ct.app_label}.{ct.model}", "id": n.object_id}
    actor = None
    if n.actor_id:
        actor = {"id": n.actor.pk, "username": n.actor.username, "full_name": n.actor.get_full_name()}
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": str(n.kind_label),
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "actor": actor,
        "target": target,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "is_read": n.read_at is not None,
    }


def preferences_out(user: Any) -> dict[str, Any]:
    email = effective_preferences(user)
    return {
        "items": [
            {
                "kind": info.code,
                "label": str(info.label),
                "description": str(info.description),
                "in_app": True,
                "email": email[info.code],
            }
            for info in all_kinds()
        ]
    }


@router.get(
    "/notifications",
    response={200: page_of(NotificationOut), **ERRORS},
    summary="List your notifications",
)
def list_notifications(request, params: Query[ListParams]):
    """Your notifications, newest first. `?unread=true` for the unread ones only."""
    qs = Notification.objects.for_recipient(request.auth).select_related("actor").newest_first()
    if params.unread is True:
        qs = qs.unread()
    elif params.unread is False:
        qs = qs.filter(read_at__isnull=False)
    return paginate(qs, params, notification_out)


@router.post(
    "/notifications/{id}/read",
    response={200: NotificationOut, **ERRORS},
    summary="Mark one notification read",
)
def read_notification(request, id: int):
    """Idempotent: a notification already read keeps its first read time."""
    services.mark_read(request.auth, [id])
    n = Notification.objects.for_recipient(request.auth).select_related("actor").get(pk=id)
    return notification_out(n)


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut, **ERRORS},
    summary="Mark all your notifications read",
)
def read_all_notifications(request):
    return {"marked": services.mark_all_read(request.auth)}


@router.get(
    "/notifications/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary="Your e-mail preferences per kind",
)
def get_notification_preferences(request):
    """Every kind shows in the app; `email` says whether it also comes by e-mail."""
    return preferences_out(request.auth)


@router.put(
    "/notifications/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary="Change your e-mail preferences",
)
def put_notification_preferences(request, payload: PreferencesIn):
    """Set `email` for the kinds listed (others keep theirs); answers every kind's setting."""
    wanted: dict[str, bool] = {}
    for item in payload.items:
        if get_kind(item.kind) is None:
            raise invalid_choice("items")
        if item.kind in wanted:
            raise duplicate("items")
        wanted[item.kind] = item.email
    if wanted:
        services.preferences_save(actor=request.auth, user=request.auth, email=wanted)
    return preferences_out(request.auth)
