"""Saved views (a named set of list filters, sort and columns) and tags on any workspace record."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A user's named list state: the query string of the list (filters, sort, columns, page size).

    Private, or shared with a department (its members and those of its sub-departments see it). It
    holds no data: whoever opens it still sees only their own scope.
    """

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only me")
        DEPARTMENT = "department", _("My department")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    list_key = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    visibility = models.CharField(
        _("shared with"), max_length=12, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="uniq_saved_view_name"),
        ]
        indexes = [models.Index(fields=["list_key", "visibility"])]

    def __str__(self) -> str:
        return self.name


class DefaultView(models.Model):
    """The saved view a user's list opens with when the URL names no filters."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=50)
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="uniq_default_view")]


class Tag(models.Model):
    """A label shared by the company (标签), e.g. 重点, 英语, 待回访."""

    class Color(models.TextChoices):
        BLUE = "blue", _("Blue")
        GREEN = "green", _("Green")
        ORANGE = "orange", _("Orange")
        RED = "red", _("Red")
        PURPLE = "purple", _("Purple")
        GRAY = "secondary", _("Gray")

    name = models.CharField(_("name"), max_length=30, unique=True)
    color = models.CharField(_("color"), max_length=12, choices=Color.choices, default=Color.BLUE)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaggedItem(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="items")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "tag"], name="uniq_tagged_item"),
        ]
        indexes = [models.Index(fields=["content_type", "tag", "object_id"])]
