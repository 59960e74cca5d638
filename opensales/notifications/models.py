"""Notifications: one row per recipient, read only by that recipient, and their e-mail preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .kinds import get_kind, kind_label


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user) -> NotificationQuerySet:
        """The only way request code reads notifications: a user's own."""
        return self.filter(recipient_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def newest_first(self) -> NotificationQuerySet:
        return self.order_by("-created_at", "-id")


class Notification(models.Model):
    """Something a user should know about: who did what, to which record, and a link to it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,  # the composite indexes below start with it
    )
    # Plain text, validated against the kind registry (kinds.py): modules add kinds without migrations.
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # The record it is about (optional). Text, so any primary key type fits.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    object_id = models.CharField(max_length=64, blank=True, default="")
    target = GenericForeignKey("content_type", "object_id")
    title = models.CharField(pgettext_lazy("notification", "title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell (unread count) and the unread filter, newest first.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_recipient_unread"),
            # The "all" list of the notification center, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
            # Finding the notifications about one record (e.g. to tidy up after it is deleted).
            models.Index(fields=["content_type", "object_id"], name="notif_target"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def kind_label(self):
        return kind_label(self.kind)

    @property
    def icon(self) -> str:
        info = get_kind(self.kind)
        return info.icon if info else "ti-bell"


class NotificationPreference(models.Model):
    """Whether notifications of one kind also go to the user by e-mail (in the app they always show).

    A row exists only once the user chose; without one the kind's default applies (kinds.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    email = models.BooleanField(_("by e-mail"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_pref")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}:{'email' if self.email else 'app'}"
