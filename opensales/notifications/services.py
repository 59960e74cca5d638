"""Writing notifications: `notify` (any module), `mark_read`, `mark_all_read`, `preferences_save`.

    from opensales.notifications.kinds import Kind
    from opensales.notifications.services import notify

    notify(
        recipients=[task.assignee],
        kind=Kind.ASSIGNMENT,
        actor=actor,
        target=task,
        title=format_lazy(_("{actor} assigned you a task: {task}"), actor=actor, task=task.subject),
        url=reverse("tasks:detail", args=[task.pk]),
    )

Call it inside the business service's transaction: the rows roll back with it, and the e-mails are
queued only once it commits. See docs/notifications.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .kinds import all_kinds, get_kind
from .models import Notification, NotificationPreference
from .selectors import effective_preferences

TITLE_MAX = Notification._meta.get_field("title").max_length
BODY_MAX = Notification._meta.get_field("body").max_length
URL_MAX = Notification._meta.get_field("url").max_length


def is_safe_url(url: str) -> bool:
    """A path on this site ("/customers/12/"): never another host, scheme, or a browser-bent "/\\"."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None)


def recipient_language(user: Any) -> str:
    """The user's chosen language if OpenSales speaks it, else the site's default."""
    wanted = (getattr(user, "preferred_language", "") or "").lower()
    available = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in available else settings.LANGUAGE_CODE


def _text(value: Any, limit: int) -> str:
    return Truncator(str(value or "").strip()).chars(limit)


def email_wanted(users: Iterable[Any], kind: str) -> set[int]:
    """Ids of the users (with an e-mail address) who get `kind` by e-mail: their choice, else the
    kind's default. One query."""
    info = get_kind(kind)
    with_address = {u.pk: u for u in users if getattr(u, "email", "")}
    if info is None or not with_address:
        return set()
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=with_address, kind=kind).values_list(
            "user_id", "email"
        )
    )
    return {pk for pk in with_address if chosen.get(pk, info.email)}


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    actor: Any = None,
    target: models.Model | None = None,
    title: Any,
    body: Any = "",
    url: str = "",
    send_email: bool = True,
) -> list[Notification]:
    """Tell `recipients` (users) about something; returns the rows made (one per recipient).

    - The actor is never told about their own action; inactive users and duplicates are skipped.
    - `title` and `body` may be lazy translations (gettext_lazy, format_lazy): each recipient gets them
      in their own language. Longer texts are cut to 200 and 500 characters.
    - `url` must be a path on this site ("/customers/12/"); anything else is a ValueError.
    - Recipients who want this kind by e-mail and have an address get one from the worker, once the
      surrounding transaction commits (`send_email=False`: in the app only, e.g. for imported history).
    """
    if get_kind(kind) is None:
        raise ValueError(f"unknown notification kind {kind!r}: register it with kinds.register_kind")
    url = (url or "").strip()
    if url and (not is_safe_url(url) or len(url) > URL_MAX):
        raise ValueError(f"notification url must be a path on this site, got {url!r}")
    actor_id = getattr(actor, "pk", None)
    users: dict[int, Any] = {}
    for user in recipients:
        if user is None or user.pk is None or user.pk == actor_id or not user.is_active:
            continue
        users.setdefault(user.pk, user)
    if not users:
        return []
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    object_id = str(target.pk) if target is not None else ""
    texts: dict[str, tuple[str, str]] = {}
    rows = []
    for user in users.values():
        language = recipient_language(user)
        if language not in texts:
            with translation.override(language):
                texts[language] = (_text(title, TITLE_MAX), _text(body, BODY_MAX))
        row_title, row_body = texts[language]
        if not row_title:
            raise ValueError("a notification needs a title")
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                actor=actor if actor_id else None,
                content_type=content_type,
                object_id=object_id,
                title=row_title,
                body=row_body,
                url=url,
            )
        )
    Notification.objects.bulk_create(rows)
    wanted = email_wanted(users.values(), kind) if send_email else set()
    to_email = [row.pk for row in rows if row.recipient_id in wanted]
    if to_email:
        from .tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(to_email))
    return rows


def mark_read(user: Any, ids: Iterable[int]) -> int:
    """Mark some of the user's notifications read; returns how many were unread.

    All or nothing: one id that is not the user's (or does not exist) refuses the lot with 404.
    """
    wanted = {int(pk) for pk in ids}
    mine = Notification.objects.for_recipient(user).filter(pk__in=wanted)
    if mine.count() != len(wanted):
        raise Http404
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(user: Any) -> int:
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, actor: Any, user: Any, email: dict[str, bool]) -> dict[str, bool]:
    """Set, per kind, whether the user also gets it by e-mail. Returns every kind's effective choice."""
    unknown = sorted(set(email) - {k.code for k in all_kinds()})
    if unknown:
        raise ValidationError({"email": [_("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}]})
    before = effective_preferences(user)
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=kind, email=bool(on)) for kind, on in email.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email", "updated_at"],
    )
    after = effective_preferences(user)
    changes = {kind: [before[kind], after[kind]] for kind in after if before[kind] != after[kind]}
    if changes:
        from opensales.audit.services import record

        record(action="notifications.preferences_change", actor=actor, obj=user, changes=changes)
    return after
