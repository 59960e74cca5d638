"""Base models shared by every business app, and the record-collaborator relation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .history import history_records
from .scope import ScopedManager, system_access


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:  # noqa: N802 (Django's name)
        """`get_<field>_display()`, as Django's, from a value → label map per field and language, built
        once. Django's rebuilds the map on every call and hashes each (lazy) label on the way,
        translating all of them: 20 industries × 50 rows of an API page were 1,000 translations, a
        fifth of the request; translating the one label each call was still 3 µs a value."""
        value = getattr(self, field.attname)
        try:
            return choice_labels(field)[value]
        except KeyError:
            return force_str(value, strings_only=True)
        except TypeError:  # an unhashable value (a JSON list): Django's way
            return super()._get_FIELD_display(field)


def choice_labels(field: models.Field) -> dict[Any, Any]:
    """value → label of a field's choices, in the active language (each language's map built once)."""
    language = get_language()
    maps = field.__dict__.setdefault("_opensales_choice_labels", {})
    labels = maps.get(language)
    if labels is None:
        labels = maps[language] = {
            value: force_str(label, strings_only=True) for value, label in field.flatchoices
        }
    return labels


class ScopedModel(TimeStampedModel):
    """A business record under the permission scope, with an optimistic-lock version.

    `objects` refuses to run a query until it is narrowed with `.visible_to(user, action)` or
    explicitly opened with `.unscoped(reason=...)`. Both leave out records in the recycle bin
    (`deleted_at` set); `.with_deleted()` and `.deleted_only()` reach them (docs/recycle-bin.md).
    Soft delete, restore and purge go through `opensales.recyclebin.services`.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Not indexed: nearly every row has it NULL, so an index on it selects nothing, and SQLite's planner
    # then prefers it to the indexes that do select (owner, pool, sort order), turning a rep's list into a
    # scan of the whole table (docs/performance.md). The recycle bin reads deleted rows rarely.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("deleted by"),
    )

    objects = ScopedManager()
    # Every business model keeps its record history (who changed what, when); bulk writes are not
    # seen by it, which is why services that bulk-write record the audit event themselves.
    history = history_records(inherit=True)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def validate_unique(self, exclude=None):
        # Uniqueness is a property of the whole table, not of what the editor may see.
        with system_access("uniqueness check"):
            return super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude=None):
        with system_access("constraint check"):
            return super().validate_constraints(exclude=exclude)


class Collaborator(models.Model):
    """A user who shares a record with its owner (相关团队成员), at read or edit level."""

    class Level(models.TextChoices):
        READ = "read", _("Read")
        EDIT = "edit", _("Edit")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="collaborations",
        verbose_name=_("user"),
    )
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.READ)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "user"], name="uniq_collaborator")
        ]
        indexes = [models.Index(fields=["user", "content_type", "level"])]


class AccessStamp(models.Model):
    """One row whose value changes with anything a permission scope is built from (core/access_stamp.py);
    written only by database triggers."""

    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("access stamp")
        verbose_name_plural = _("access stamps")

    def __str__(self) -> str:
        return str(self.value)
