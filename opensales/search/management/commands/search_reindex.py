"""`opensales search_reindex [app_label.Model ...]`: rebuild the global search index.

Run it after bulk loads (imports, `loaddata`, `QuerySet.update()` on searchable fields), after a change
of OPENSALES_INDEX_KEY (phone tokens are keyed hashes), and after a migration that rebuilds the
search_searchentry table on SQLite (it restores the FTS5 triggers).
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from opensales.search.index import reindex
from opensales.search.registry import get_search_type, search_types


class Command(BaseCommand):
    help = "Rebuild the global search index (all searchable models, or the ones named)."

    def add_arguments(self, parser):
        parser.add_argument("models", nargs="*", help="app_label.ModelName, e.g. org.Employee (default: all)")

    def handle(self, *args, **options):
        names = options["models"]
        models = []
        for name in names:
            try:
                model = apps.get_model(name)
            except (LookupError, ValueError) as exc:
                raise CommandError(f"unknown model {name!r}") from exc
            if get_search_type(model) is None:
                known = ", ".join(t.model._meta.label for t in search_types())
                raise CommandError(f"{model._meta.label} is not searchable (searchable: {known})")
            models.append(model)
        started = time.perf_counter()
        counts: dict[str, int] = {}
        for model in models or [None]:
            counts.update(reindex(model))
        elapsed = time.perf_counter() - started
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} entries")
        self.stdout.write(self.style.SUCCESS(f"search index rebuilt in {elapsed:.1f}s"))
