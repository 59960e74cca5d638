"""Retention: the newest backup of each of the N most recent days (in TIME_ZONE), plus the newest good one."""

from __future__ import annotations

import json
import os
import time

import pytest

from opensales.audit.models import AuditEvent
from opensales.ops import backup
from opensales.ops.models import Backup

pytestmark = pytest.mark.django_db


def fake_backup(directory, created_at: str, ok: bool | None) -> str:
    """A manifest and a (dummy) dump as create_backup leaves them; created_at in UTC."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = "opensales-" + created_at.replace("-", "").replace(":", "") + "-sqlite"
    name = f"{stem}.sqlite3"
    (directory / name).write_bytes(b"dump")
    verification = (
        None if ok is None else {"verified_at": created_at, "ok": ok, "seconds": 0.1, "error_code": ""}
    )
    manifest = {
        "format": 1,
        "file": name,
        "engine": "sqlite",
        "created_at": created_at,
        "sha256": "0" * 64,
        "size": 4,
        "row_counts": {"t": 1},
        "encrypted": False,
        "verification": verification,
    }
    (directory / f"{stem}.json").write_text(json.dumps(manifest))
    return name


def on_disk(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith(".") and p.suffix != ".json")


def test_keeps_the_newest_backup_of_each_of_the_last_n_days(backup_dir):
    # Asia/Shanghai is UTC+8: 18:30Z is 02:30 the next local day.
    a = fake_backup(backup_dir, "2026-03-10T18:30:00Z", True)  # local 03-11 02:30
    b = fake_backup(backup_dir, "2026-03-10T06:00:00Z", True)  # local 03-10 14:00 (by hand)
    c = fake_backup(backup_dir, "2026-03-09T18:30:00Z", True)  # local 03-10 02:30, older than b
    d = fake_backup(backup_dir, "2026-03-08T18:30:00Z", False)  # local 03-09
    e = fake_backup(backup_dir, "2026-03-07T18:30:00Z", True)  # local 03-08
    f = fake_backup(backup_dir, "2026-03-06T18:30:00Z", None)  # local 03-07
    backup.sync_catalogue()
    assert Backup.objects.count() == 6

    removed = backup.apply_retention(keep=3)

    assert sorted(removed) == sorted([c, e, f])
    assert on_disk(backup_dir) == sorted([a, b, d])
    assert sorted(p.name for p in backup_dir.glob("*.json")) == sorted(
        n.split(".")[0] + ".json" for n in [a, b, d]
    )
    assert sorted(Backup.objects.values_list("file", flat=True)) == sorted([a, b, d])
    event = AuditEvent.objects.get(action="ops.backup")
    assert event.changes == {"event": "pruned", "keep_days": 3, "files": removed}


def test_the_newest_verified_backup_survives_a_run_of_failures(backup_dir):
    good = fake_backup(backup_dir, "2026-03-01T18:30:00Z", True)
    fake_backup(backup_dir, "2026-02-28T18:30:00Z", True)
    bad1 = fake_backup(backup_dir, "2026-03-02T18:30:00Z", False)
    bad2 = fake_backup(backup_dir, "2026-03-03T18:30:00Z", False)

    backup.apply_retention(keep=2)

    assert on_disk(backup_dir) == sorted([bad1, bad2, good])


def test_keep_comes_from_the_setting_and_must_be_positive(backup_dir, settings):
    for day in range(1, 6):
        fake_backup(backup_dir, f"2026-04-0{day}T18:30:00Z", True)
    settings.OPENSALES_BACKUP_KEEP = 4
    assert len(backup.apply_retention()) == 1
    assert len(on_disk(backup_dir)) == 4
    with pytest.raises(ValueError):
        backup.apply_retention(keep=0)


def test_nothing_to_prune_records_nothing(backup_dir):
    fake_backup(backup_dir, "2026-04-01T18:30:00Z", True)
    assert backup.apply_retention(keep=14) == []
    assert AuditEvent.objects.count() == 0


def test_leftover_work_directories_older_than_a_day_are_removed(backup_dir):
    backup_dir.mkdir(parents=True)
    old = backup_dir / ".tmp-old"
    new = backup_dir / ".tmp-new"
    old.mkdir()
    new.mkdir()
    (old / "plain.sqlite3").write_bytes(b"secret")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))

    backup.apply_retention(keep=14)

    assert sorted(p.name for p in backup_dir.glob(".tmp-*")) == [".tmp-new"]


def test_sync_catalogue_follows_the_files(backup_dir):
    kept = fake_backup(backup_dir, "2026-04-01T18:30:00Z", True)
    gone = fake_backup(backup_dir, "2026-04-02T18:30:00Z", None)
    backup.sync_catalogue()
    (backup_dir / gone).unlink()

    backup.sync_catalogue()

    row = Backup.objects.get()
    assert (row.file, row.verified_ok, row.row_counts, row.size) == (kept, True, {"t": 1}, 4)
