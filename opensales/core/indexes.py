"""Index shapes the ORM cannot spell the same way on both databases."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F


class NullsFirstIndex(models.Index):
    """An index on `fields`, the first with its NULLs first: the order that, scanned backwards, is a
    list's "newest first, empty last" sort (`ORDER BY x DESC NULLS LAST, id DESC`, workspace/listing.py).
    PostgreSQL puts NULLs last by default and needs the clause; SQLite sorts NULLs first already and
    refuses it in CREATE INDEX, so it gets the plain index, which has the same order there."""

    def __init__(self, *, fields: list[str], name: str, **kwargs: Any) -> None:
        super().__init__(fields=fields, name=name, **kwargs)

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        first, *rest = self.fields
        expressions = [F(first).asc(nulls_first=True), *(F(name) for name in rest)]
        index = models.Index(*expressions, name=self.name)
        return index.create_sql(model, schema_editor, using=using, **kwargs)
