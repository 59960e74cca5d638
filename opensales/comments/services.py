"""Writing comments: `comment_add`, `comment_edit`, `comment_delete` (each audited in its transaction).

Who may do what (docs/comments-and-files.md):
- post: anyone who may VIEW the record (a reader or collaborator can take part in the discussion);
- edit: the author only, while they can still view the record;
- delete: the author, or anyone who may DELETE the record itself (administrators, and managers within
  their scope); the deletion is audited with the text that was removed.
Mentioned users who can view the record are notified (kind "mention"); the others are not, and are
returned to the caller in `CommentResult.unreachable` so the author can be told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.audit.services import record as audit
from opensales.core.actions import Action
from opensales.core.scope import can
from opensales.notifications.kinds import Kind
from opensales.notifications.services import notify

from .mentions import mentioned_users
from .models import BODY_MAX, Comment
from .records import record_url

AUDIT_EXCERPT = 500


@dataclass
class CommentResult:
    comment: Comment
    notified: list[Any] = field(default_factory=list)
    unreachable: list[Any] = field(default_factory=list)


def clean_body(body: Any) -> str:
    text = str(body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(text) > BODY_MAX:
        raise ValidationError(
            {
                "body": [
                    _("A comment has at most %(max)d characters (it has %(n)d).")
                    % {"max": BODY_MAX, "n": len(text)}
                ]
            }
        )
    return text


def split_mentions(body: str, record: models.Model, author: Any) -> tuple[list[Any], list[Any]]:
    """(users who may view the record, users who may not) among those the body mentions; the author
    mentioning themself counts as neither."""
    reachable, unreachable = [], []
    for user in mentioned_users(body):
        if user.pk == getattr(author, "pk", None):
            continue
        (reachable if can(user, Action.VIEW, record) else unreachable).append(user)
    return reachable, unreachable


def may_moderate(user: Any, record: models.Model) -> bool:
    """Whether `user` may delete other people's comments and files on `record`."""
    return can(user, Action.DELETE, record)


def _excerpt(text: str) -> str:
    return Truncator(text).chars(AUDIT_EXCERPT)


def _notify_mentions(actor: Any, record: models.Model, comment: Comment, users: list[Any]) -> None:
    if not users:
        return
    notify(
        recipients=users,
        kind=Kind.MENTION,
        actor=actor,
        target=record,
        title=format_lazy(gettext_lazy("{actor} mentioned you on {record}"), actor=actor, record=str(record)),
        body=comment.body,
        url=record_url(record),
    )


def _check_visible(actor: Any, record: models.Model) -> None:
    if not can(actor, Action.VIEW, record):
        raise PermissionDenied


@transaction.atomic
def comment_add(*, actor: Any, record: models.Model, body: str) -> CommentResult:
    text = clean_body(body)
    _check_visible(actor, record)
    comment = Comment(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, author=actor, body=text
    )
    comment.full_clean()
    comment.save()
    reachable, unreachable = split_mentions(text, record, actor)
    comment.mentions.set(reachable)
    audit(
        action="comment.add",
        actor=actor,
        obj=record,
        changes={
            "comment": comment.pk,
            "body": _excerpt(text),
            "mentions": [u.username for u in reachable],
            "not_notified": [u.username for u in unreachable],
        },
    )
    _notify_mentions(actor, record, comment, reachable)
    return CommentResult(comment, reachable, unreachable)


@transaction.atomic
def comment_edit(*, actor: Any, comment: Comment, record: models.Model, body: str) -> CommentResult:
    """Only the author edits; users mentioned for the first time are notified."""
    if comment.author_id != getattr(actor, "pk", None):
        raise PermissionDenied
    _check_visible(actor, record)
    text = clean_body(body)
    before = comment.body
    already = set(comment.mentions.values_list("pk", flat=True))
    comment.body = text
    comment.edited_at = timezone.now()
    comment.full_clean()
    comment.save(update_fields=["body", "edited_at"])
    reachable, unreachable = split_mentions(text, record, actor)
    comment.mentions.set(reachable)
    audit(
        action="comment.edit",
        actor=actor,
        obj=record,
        changes={"comment": comment.pk, "body": [_excerpt(before), _excerpt(text)]},
    )
    new = [u for u in reachable if u.pk not in already]
    _notify_mentions(actor, record, comment, new)
    return CommentResult(comment, new, unreachable)


def may_delete(user: Any, comment: Comment, record: models.Model) -> bool:
    if comment.author_id == getattr(user, "pk", None) and can(user, Action.VIEW, record):
        return True
    return may_moderate(user, record)


@transaction.atomic
def comment_delete(*, actor: Any, comment: Comment, record: models.Model) -> None:
    if not may_delete(actor, comment, record):
        raise PermissionDenied
    author = comment.author.username if comment.author_id else ""
    audit(
        action="comment.delete",
        actor=actor,
        obj=record,
        changes={"comment": comment.pk, "author": author, "body": _excerpt(comment.body)},
    )
    comment.delete()
