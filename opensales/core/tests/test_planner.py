import pytest
from django.db import connection

from opensales.core.planner import analyze_new_indexes

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_an_index_added_after_analyze_gets_statistics():
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute('CREATE INDEX "planner_probe" ON "django_content_type" ("model", "app_label")')
    assert "django_content_type" in analyze_new_indexes()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE idx = 'planner_probe'")
        assert cur.fetchone()[0] == 1
    # Analyzed now (empty tables never get statistics, so they may come back; they cost nothing)
    assert "django_content_type" not in analyze_new_indexes()


def test_a_database_never_analyzed_is_left_alone():
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cur.fetchone() is not None:
                pytest.skip("this test database was analyzed by an earlier test")
    assert analyze_new_indexes() == []
