"""One row per searchable record: what the result list shows and the tokens the full-text index reads.

The full-text index itself is not a Django field (migrations/0002_fulltext.py, docs/search.md):
SQLite: the FTS5 table `search_searchentry_fts` (unicode61), external content over this table, kept in
step by triggers; PostgreSQL: a GIN index on `to_tsvector('simple', tokens)`.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(_("title"), max_length=255)
    subtitle = models.CharField(_("subtitle"), max_length=255, blank=True)
    # Space-separated search tokens (opensales/search/tokens.py); never clear phone digits.
    tokens = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="uniq_search_entry"),
        ]

    def __str__(self) -> str:
        return self.title
