"""Comments over the API (mounted at /api/v1/): the same rules and services as the pages.

    GET    /api/v1/comments?record=org.employee:12     the record's comments, newest first
    POST   /api/v1/comments                            {"record": "org.employee:12", "body": "…"}
                                                       (`record` may also be given as ?record=)
    DELETE /api/v1/comments/{id}                       the author, or someone who may delete the record

A record outside the caller's scope, or of a model that is not under the scope, answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from opensales.api.errors import ErrorOut, invalid, required
from opensales.api.pagination import PageParams, page_of, paginate
from opensales.core.actions import Action

from . import services
from .models import BODY_MAX, Comment
from .records import parse_record_ref, record_for, record_of
from .selectors import comments_of

router = Router(tags=["comments"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
RECORD_HELP = 'The record, as "<model label>:<id>", e.g. "org.employee:12".'


class UserRef(Schema):
    id: int
    username: str
    full_name: str


class RecordRef(Schema):
    type: str = Field(..., description='The record\'s model, e.g. "org.employee".')
    id: int


class CommentOut(Schema):
    id: int
    record: RecordRef
    author: UserRef | None
    body: str = Field(..., description="Plain text; render it escaped.")
    mentions: list[UserRef] = Field(..., description="The mentioned users who were notified.")
    created_at: datetime
    edited_at: datetime | None


class CommentCreatedOut(CommentOut):
    not_notified: list[UserRef] = Field(
        ..., description="Users the body mentions who cannot see the record: they were not notified."
    )


class RecordParams(PageParams):
    record: str = Field(..., description=RECORD_HELP)


class CommentIn(Schema):
    record: str | None = Field(None, description=RECORD_HELP + " Or give it as ?record=.")
    body: str = Field(..., min_length=1, max_length=BODY_MAX)


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "full_name": user.get_full_name()}


def comment_out(comment: Comment, label: str) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "record": {"type": label, "id": comment.object_id},
        "author": user_ref(comment.author),
        "body": comment.body,
        "mentions": [user_ref(u) for u in comment.mentions.all()],
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }


def record_from_ref(ref: str | None, user: Any, field: str = "record") -> Any:
    if not ref:
        raise required(field)
    try:
        label, pk = parse_record_ref(ref)
    except ValueError:
        raise invalid(field, RECORD_HELP) from None
    return record_for(label, pk, user, Action.VIEW)


@router.get("/comments", response={200: page_of(CommentOut), **ERRORS}, summary="List a record's comments")
def list_comments(request, params: Query[RecordParams]):
    """The comments on one record, newest first (needs VIEW on the record)."""
    record = record_from_ref(params.record, request.auth)
    label = record._meta.label_lower
    return paginate(comments_of(record), params, lambda c: comment_out(c, label))


@router.post("/comments", response={201: CommentCreatedOut, **ERRORS}, summary="Comment on a record")
def create_comment(request, payload: CommentIn, record: str | None = Query(None, description=RECORD_HELP)):
    """Anyone who may view the record may comment. `@username` or `@full name` mentions notify the
    mentioned users who can see the record; the others are listed in `not_notified`."""
    target = record_from_ref(payload.record or record, request.auth)
    result = services.comment_add(actor=request.auth, record=target, body=payload.body)
    out = comment_out(result.comment, target._meta.label_lower)
    out["not_notified"] = [user_ref(u) for u in result.unreachable]
    return Status(201, out)


@router.delete("/comments/{id}", response={204: None, **ERRORS}, summary="Delete a comment")
def delete_comment(request, id: int):
    """The author, or anyone who may delete the record itself. Audited."""
    comment = get_object_or_404(Comment.objects.select_related("author"), pk=id)
    target = record_of(comment.content_type_id, comment.object_id, request.auth, Action.VIEW)
    if not services.may_delete(request.auth, comment, target):
        raise PermissionDenied
    services.comment_delete(actor=request.auth, comment=comment, record=target)
    return Status(204, None)
