"""The recycle bin over the API: list, restore, purge. The same services and scope as the page.

- `GET /recycle-bin`: the records the caller may restore (delete grant on the model, record within
  its scope), most recently deleted first, paged like every list; `?type=org.department` narrows.
- `POST /recycle-bin/{label}/{id}/restore` and `DELETE /recycle-bin/{label}/{id}` (purge for good).

403 when no role of the caller grants delete on any recycle-bin model (or on the model named);
404 for an unknown type or a record outside the scope; 422 when the service refuses (a parent still
in the bin, records that still refer to the one being purged).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from opensales.api.errors import ErrorOut, invalid_choice
from opensales.api.pagination import PageParams, page_of
from opensales.core.actions import Action
from opensales.core.scope import has_action

from . import selectors, services

router = Router(tags=["recycle bin"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class UserOut(Schema):
    id: int
    username: str
    full_name: str


class BinItemOut(Schema):
    type: str = Field(..., description='The record\'s model, e.g. "org.department".')
    type_label: str
    id: int
    title: str
    deleted_at: datetime
    deleted_by: UserOut | None
    purge_after: datetime = Field(..., description="From then on the nightly job deletes it for good.")
    days_left: int


class RestoredOut(Schema):
    type: str
    id: int
    title: str


class BinParams(PageParams):
    type: str | None = Field(None, description='Only this model, e.g. "org.department".')


def item_out(item: selectors.Item) -> dict[str, Any]:
    by = item.deleted_by
    return {
        "type": item.label,
        "type_label": str(item.type_name),
        "id": item.obj.pk,
        "title": item.title,
        "deleted_at": item.deleted_at,
        "deleted_by": {"id": by.pk, "username": by.username, "full_name": by.get_full_name()} if by else None,
        "purge_after": item.purge_after,
        "days_left": item.days_left,
    }


def _find(user: Any, label: str, id: int) -> Any:
    entry = selectors.bin_entry(label)
    if entry is None:
        raise Http404
    if not has_action(user, entry.model, Action.DELETE):
        raise PermissionDenied
    obj = selectors.restorable_by(user, entry.model).filter(pk=id).first()
    if obj is None:
        raise Http404
    return obj


@router.get(
    "/recycle-bin",
    response={200: page_of(BinItemOut), **ERRORS},
    summary="List the recycle bin",
)
def list_recycle_bin(request, params: Query[BinParams]):
    """The deleted records you may restore or purge, most recently deleted first."""
    entries = selectors.entries_for(request.auth)
    if not entries:
        raise PermissionDenied
    if params.type is not None:
        entries = [e for e in entries if e.label == params.type]
        if not entries:
            raise invalid_choice("type")
    count, items = selectors.page(request.auth, entries, params.offset, params.limit)
    return {"count": count, "items": [item_out(i) for i in items]}


@router.post(
    "/recycle-bin/{label}/{id}/restore",
    response={200: RestoredOut, **ERRORS},
    summary="Restore a record from the recycle bin",
)
def restore_from_recycle_bin(request, label: str, id: int):
    obj = services.restore(actor=request.auth, obj=_find(request.auth, label, id))
    return {"type": obj._meta.label_lower, "id": obj.pk, "title": str(obj)}


@router.delete(
    "/recycle-bin/{label}/{id}",
    response={204: None, **ERRORS},
    summary="Delete a record in the recycle bin permanently",
)
def purge_from_recycle_bin(request, label: str, id: int):
    services.purge(actor=request.auth, obj=_find(request.auth, label, id))
    return Status(204, None)
