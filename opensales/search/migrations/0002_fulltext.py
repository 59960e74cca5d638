"""The full-text index over SearchEntry.tokens, per database (opensales/search/fulltext.py).

SQLite: an FTS5 table with external content and three triggers. A later migration that makes Django
rebuild search_searchentry on SQLite (most AlterField/RemoveField operations) drops those triggers:
such a migration must run `fulltext.install` again afterwards (or run `opensales search_reindex`).
PostgreSQL: a GIN index on to_tsvector('simple', tokens).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from opensales.search import fulltext

    fulltext.install(schema_editor)


def backwards(apps, schema_editor):
    from opensales.search import fulltext

    fulltext.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
