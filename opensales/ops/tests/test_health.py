"""The health page (administrators only) and /ops/health.json (anyone; 200 healthy, 503 stale worker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from opensales.ops.models import Backup, WorkerHeartbeat

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 4, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def beat(seconds_ago: int) -> None:
    WorkerHeartbeat.objects.create(
        name="worker", beat_at=NOW - timedelta(seconds=seconds_ago), hostname="worker-host-1", pid=4242
    )


def verified_backup(hours_ago: int, ok: bool = True) -> Backup:
    return Backup.objects.create(
        file=f"opensales-{hours_ago}-sqlite.sqlite3",
        engine="sqlite",
        size=1000,
        sha256="0" * 64,
        created_at=NOW - timedelta(hours=hours_ago),
        row_counts={"accounts_user": 20},
        verified_at=NOW - timedelta(hours=hours_ago),
        verified_ok=ok,
        error_code="" if ok else "checksum_mismatch",
    )


def get_json(client):
    response = client.get(reverse("ops:health_json"))
    return response.status_code, response.json(), response


def test_fresh_worker_is_healthy(client, frozen):
    beat(60)
    verified_backup(hours_ago=5)
    status, body, response = get_json(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checked_at": "2026-06-01T04:00:00+00:00",
        "database": {"ok": True, "pending_migrations": 0},
        "worker": {"ok": True, "last_beat": "2026-06-01T03:59:00+00:00", "age_seconds": 60},
        "backup": {"ok": True, "newest_verified_backup_at": "2026-05-31T23:00:00+00:00"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(("seconds_ago", "expected"), [(179, 200), (180, 200), (181, 503), (3600, 503)])
def test_stale_after_three_minutes(client, frozen, seconds_ago, expected):
    beat(seconds_ago)
    status, body, _ = get_json(client)
    assert status == expected
    assert body["status"] == ("ok" if expected == 200 else "stale")
    assert body["worker"] == {
        "ok": expected == 200,
        "last_beat": (NOW - timedelta(seconds=seconds_ago)).isoformat(),
        "age_seconds": seconds_ago,
    }


def test_a_worker_that_never_beat_is_stale(client, frozen):
    status, body, _ = get_json(client)
    assert status == 503
    assert body["worker"] == {"ok": False, "last_beat": None, "age_seconds": None}
    assert body["backup"] == {"ok": False, "newest_verified_backup_at": None}


def test_an_old_or_failed_backup_is_reported_but_does_not_fail_the_check(client, frozen):
    beat(10)
    verified_backup(hours_ago=27)
    verified_backup(hours_ago=1, ok=False)
    status, body, _ = get_json(client)
    assert status == 200
    assert body["backup"] == {"ok": False, "newest_verified_backup_at": "2026-05-31T01:00:00+00:00"}


def test_the_json_reveals_no_host_or_paths(client, frozen):
    beat(10)
    _, _, response = get_json(client)
    text = response.content.decode()
    for secret in ("worker-host-1", "4242", "sqlite", "postgres", "/"):
        assert secret not in text  # no host, pid, engine or path


def test_anonymous_gets_the_json_but_not_the_page(client, frozen):
    beat(10)
    assert client.get(reverse("ops:health_json")).status_code == 200
    response = client.get(reverse("ops:health"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("username", "expected"),
    [("admin", 200), ("director", 403), ("auditor", 403), ("manager_east", 403), ("rep_sh1", 403)],
)
def test_page_is_for_administrators(cast, login, username, expected):
    assert login(cast[username]).get(reverse("ops:health")).status_code == expected


def test_superuser_without_roles_may_see_the_page(login, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "Very-Secret-2026")
    assert login(root).get(reverse("ops:health")).status_code == 200


def test_a_deactivated_administrator_role_no_longer_opens_the_page(cast, login):
    from opensales.org.models import Role

    Role.objects.filter(code="administrator").update(is_active=False)
    assert login(cast["admin"]).get(reverse("ops:health")).status_code == 403


def test_page_shows_worker_backups_and_database(cast, login, frozen):
    beat(600)
    failed = verified_backup(hours_ago=2, ok=False)
    verified_backup(hours_ago=30)
    response = login(cast["admin"]).get(reverse("ops:health"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200
    with translation.override("zh-hans"):
        assert f'data-testid="worker-status">{gettext("Stale")}<' in html
        assert f'data-testid="migration-status">{gettext("Up to date")}<' in html
        assert f'data-testid="backup-status">{gettext("No verified backup within 26 hours")}<' in html
        message = gettext("The file's checksum differs from its manifest: the file is damaged or altered.")
        assert escape(message) in html
    assert html.count('data-testid="backup-row"') == 2
    assert f'data-file="{failed.file}"' in html
    assert html.count('data-testid="verified-failed"') == 1
    assert html.count('data-testid="verified-ok"') == 1
    assert "worker-host-1" in html


def test_page_in_english(cast, login, frozen):
    beat(30)
    client = login(cast["admin"])
    client.cookies["opensales_language"] = "en"
    html = client.get(reverse("ops:health")).content.decode()
    assert 'data-testid="worker-status">Running<' in html
    assert "No backups yet." in html
