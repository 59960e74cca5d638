"""Entries of newly inserted records written in bulk (`index_objects(..., created=True)`, the import's
path): on SQLite the full-text index takes them in one statement, with its insert trigger dropped
meanwhile; they must be found as any other entry, and the trigger must be back afterwards, also when
the block fails."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from opensales.org.models import Department
from opensales.search import fulltext
from opensales.search.index import index_objects
from opensales.search.models import SearchEntry
from opensales.search.selectors import search

pytestmark = pytest.mark.django_db


def _titles(user, query):
    return {hit.title for g in search(user, query).groups for hit in g.items}


def _insert_trigger_present() -> bool:
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [f"{fulltext.FTS_TABLE}_ai"])
        return cursor.fetchone()[0] == 1


def test_bulk_created_entries_are_searchable_and_the_trigger_stays(cast):
    director = cast["director"]
    departments = list(Department.objects.unscoped(reason="test"))
    SearchEntry.objects.filter(content_type=ContentType.objects.get_for_model(Department)).delete()
    assert "上海团队" not in _titles(director, "上海")

    assert index_objects(departments, created=True) == len(departments)

    assert "上海团队" in _titles(director, "上海")
    assert "上海团队" in _titles(director, "shanghai")
    assert _insert_trigger_present()
    # The trigger works again: an ordinary insert after the bulk one is indexed by it.
    team = next(d for d in departments if d.name == "上海团队")
    SearchEntry.objects.filter(object_id=team.pk, content_type__model="department").delete()
    index_objects([team])
    assert "上海团队" in _titles(director, "上海")


def test_a_failing_bulk_block_rolls_back_with_its_trigger(cast):
    with pytest.raises(RuntimeError), fulltext.bulk_insert():
        raise RuntimeError("the chunk failed")
    assert _insert_trigger_present()
