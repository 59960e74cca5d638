"""Background work of the notification center: the e-mails (django.tasks, run by the worker)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .kinds import kind_label
from .models import Notification
from .services import email_wanted, recipient_language

logger = logging.getLogger(__name__)


def absolute(path: str) -> str:
    """A link for an e-mail: OPENSALES_BASE_URL + path when the site's address is configured."""
    base = (getattr(settings, "OPENSALES_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}" if path else ""


def compose(notification: Notification) -> EmailMessage:
    """The plain-text e-mail for one notification, in its recipient's language."""
    user = notification.recipient
    with translation.override(recipient_language(user)):
        context = {
            "notification": notification,
            "name": user.get_full_name(),
            "actor": notification.actor.get_full_name() if notification.actor_id else "",
            "kind": kind_label(notification.kind),
            "link": absolute(notification.url) if notification.url else "",
            "center": absolute(reverse("notifications:center")),
            "preferences": absolute(reverse("notifications:preferences")),
        }
        subject = render_to_string("notifications/email_subject.txt", context)
        body = render_to_string("notifications/email_body.txt", context).strip() + "\n"
    return EmailMessage(
        " ".join(subject.split()),  # one line: a newline in a subject is a header injection
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail these notifications to recipients who (still) want their kind by e-mail and have an
    address; skips any already read in the app meanwhile. Returns how many e-mails were sent."""
    rows = list(
        Notification.objects.filter(pk__in=notification_ids, read_at__isnull=True)
        .exclude(Q(recipient__email="") | Q(recipient__is_active=False))
        .select_related("recipient", "actor")
        .order_by("pk")
    )
    by_kind: dict[str, list[Notification]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    messages = []
    for kind, group in by_kind.items():
        wanted = email_wanted([n.recipient for n in group], kind)
        messages += [compose(n) for n in group if n.recipient_id in wanted]
    if not messages:
        return 0
    sent = mailers.default.send_messages(messages) or 0
    logger.info("notification e-mails: %s of %s sent", sent, len(messages))
    return sent
