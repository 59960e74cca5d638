"""Backups on the engine the suite runs on (SQLite by default, PostgreSQL under scripts/with-postgres.sh).

These tests commit for real (`transaction=True`): pg_dump reads through its own connection, and a
restore replaces whole tables. pytest-django empties the database after each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from opensales.accounts.models import User
from opensales.audit.models import AuditChainHead, AuditEvent
from opensales.audit.services import verify_chain
from opensales.ops import backup, dbtools
from opensales.ops.encryption import decrypt_file
from opensales.ops.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)

MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}


def counts() -> dict[str, int]:
    return dbtools.live_counts(connection)


def plus(base: dict[str, int], **more: int) -> dict[str, int]:
    return {**base, **{table: base[table] + n for table, n in more.items()}}


def empty_the_database() -> None:
    """Drop everything: the state of a database just created for a restore."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for (table,) in cursor.fetchall():
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
            cursor.execute("PRAGMA foreign_keys = ON")


def manifest_of(made: Backup, directory: Path) -> dict:
    return json.loads((directory / made.file.split(".", 1)[0]).with_suffix(".json").read_text())


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_backup_writes_the_dump_and_its_manifest(cast, backup_dir):
    before = counts()
    made = backup.create_backup()

    engine = connection.vendor
    stem = made.file.split(".", 1)[0]
    assert made.file == f"{stem}{backup.EXTENSIONS[engine]}"
    assert stem.startswith("opensales-") and stem.endswith(f"Z-{engine}")
    assert sorted(p.name for p in backup_dir.iterdir() if not p.name.startswith(".")) == sorted(
        [made.file, f"{stem}.json"]
    )
    data = backup_dir / made.file
    assert data.read_bytes().startswith(MAGIC[engine])
    assert oct(data.stat().st_mode & 0o777) == "0o600"

    manifest = manifest_of(made, backup_dir)
    assert manifest["engine"] == engine
    assert manifest["file"] == made.file
    assert manifest["encrypted"] is False
    assert manifest["row_counts"] == before
    assert manifest["row_counts"]["accounts_user"] == 20
    assert manifest["size"] == data.stat().st_size == made.size
    assert manifest["sha256"] == backup._sha256(data) == manifest["plain_sha256"] == made.sha256
    assert manifest["app_version"] == "0.1.0"
    assert manifest["migrations"]["ops"] == "0001_initial"
    assert manifest["verification"]["ok"] is True
    assert manifest["verification"]["error_code"] == ""
    assert made.row_counts == before
    assert (made.verified_ok, made.error_code, made.encrypted) == (True, "", False)

    created, verified = events("ops.backup")
    assert created.changes["event"] == "created"
    assert created.changes["rows"] == sum(before.values())
    assert (created.object_type, created.object_id) == ("ops.backup", str(made.pk))
    assert (verified.changes["event"], verified.changes["ok"], verified.outcome) == (
        "verified",
        True,
        "success",
    )


def test_round_trip_into_an_empty_database(cast, backup_dir):
    before = counts()
    admin = User.objects.get(username="admin")
    made = backup.create_backup()
    assert made.verified_ok is True

    empty_the_database()
    assert counts() == {}

    result = backup.restore_backup(backup_dir / made.file)

    assert result.row_counts == before
    assert result.counts_match is True
    restored = User.objects.get(username="admin")
    assert (restored.pk, restored.password, restored.roles.get().code) == (
        admin.pk,
        admin.password,
        "administrator",
    )
    # Afterwards the catalogue is rebuilt from the manifests and the restore is logged.
    assert counts() == plus(before, ops_backup=1, audit_auditevent=1)
    assert list(Backup.objects.values_list("file", "verified_ok")) == [(made.file, True)]
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.outcome, event.object_repr) == ("ops.restore", "success", made.file)
    assert event.changes["event"] == "restored"
    assert event.changes["counts_match"] is True
    assert event.changes["audit_chain_ok"] is True
    assert event.changes["replaced_audit_head"] == {}
    assert result.chain.ok is True
    assert verify_chain().ok is True


def test_restore_replaces_newer_rows_and_tables(cast, backup_dir):
    made = backup.create_backup()
    at_backup = made.row_counts
    Group.objects.create(name="made after the backup")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE ops_made_after_backup (id integer)")
    head = AuditChainHead.objects.values("last_event_id", "last_hash").get()

    result = backup.restore_backup(backup_dir / made.file)

    assert result.row_counts == at_backup
    assert not Group.objects.filter(name="made after the backup").exists()
    assert "ops_made_after_backup" not in counts()
    # The events logged after the backup (created, verified) went with the old database; the restore
    # event names the head it replaced, and the restored chain verifies.
    assert [e.changes["event"] for e in events("ops.backup")] == []
    restore_event = AuditEvent.objects.latest("id")
    assert restore_event.changes["replaced_audit_head"] == head
    assert verify_chain().ok is True
    assert AuditEvent.objects.count() == at_backup["audit_auditevent"] + 1


def _flip_a_byte(path: Path, manifest: dict) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _wrong_checksum(path: Path, manifest: dict) -> None:
    manifest["sha256"] = "0" * 64


def _truncated_with_forged_manifest(path: Path, manifest: dict) -> None:
    """Half the file, and a manifest rewritten to match: only the scratch restore can notice."""
    data = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(data)
    manifest["size"] = len(data)
    manifest["sha256"] = manifest["plain_sha256"] = backup._sha256(path)


def _row_count_off_by_one(path: Path, manifest: dict) -> None:
    manifest["row_counts"]["accounts_user"] += 1


def _other_engine(path: Path, manifest: dict) -> None:
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"


def _missing_manifest(path: Path, manifest: dict) -> None:
    manifest.clear()


CORRUPTIONS = {
    "flipped byte": (_flip_a_byte, "checksum_mismatch"),
    "wrong checksum": (_wrong_checksum, "checksum_mismatch"),
    "truncated": (_truncated_with_forged_manifest, "restore_failed"),
    "row counts": (_row_count_off_by_one, "row_counts_differ"),
    "other engine": (_other_engine, "engine_mismatch"),
    "no manifest": (_missing_manifest, "manifest_missing"),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_damaged_backup_is_refused_and_the_database_left_alone(corruption, cast, backup_dir):
    damage, code = CORRUPTIONS[corruption]
    made = backup.create_backup()
    sentinel = Group.objects.create(name="哨兵 sentinel")
    path = backup_dir / made.file
    manifest_path = backup.manifest_path_for(path)
    manifest = json.loads(manifest_path.read_text())
    damage(path, manifest)
    if manifest:
        manifest_path.write_text(json.dumps(manifest))
    else:
        manifest_path.unlink()
    before = counts()

    with pytest.raises(backup.RestoreRefused) as refused:
        backup.restore_backup(path)

    assert refused.value.code == code
    assert Group.objects.get(pk=sentinel.pk).name == "哨兵 sentinel"
    assert counts() == plus(before, audit_auditevent=1)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.outcome, event.changes["event"]) == ("ops.restore", "failure", "refused")
    assert event.changes["error_code"] == code
    assert verify_chain().ok is True
    assert sorted(p.name for p in backup_dir.glob(".tmp-*")) == []  # scratch files are gone


def test_verification_records_a_failure_on_the_row_and_in_the_manifest(cast, backup_dir):
    made = backup.create_backup()
    _flip_a_byte(backup_dir / made.file, {})

    result = backup.verify_backup(made)

    assert (result.ok, result.error_code) == (False, "checksum_mismatch")
    made.refresh_from_db()
    assert (made.verified_ok, made.error_code) == (False, "checksum_mismatch")
    assert manifest_of(made, backup_dir)["verification"]["ok"] is False
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.outcome, event.changes["event"]) == ("ops.backup", "failure", "verified")


def test_encrypted_round_trip(cast, backup_key, backup_dir):
    before = counts()
    made = backup.create_backup()

    assert made.file.endswith(backup.EXTENSIONS[connection.vendor] + ".enc")
    assert (made.encrypted, made.verified_ok) == (True, True)
    raw = (backup_dir / made.file).read_bytes()
    assert raw.startswith(b"OSBKENC1")
    assert MAGIC[connection.vendor] not in raw
    assert "系统管理员".encode() not in raw
    manifest = manifest_of(made, backup_dir)
    plain = backup_dir / "plain"
    decrypt_file(backup_dir / made.file, plain, [backup_key])
    assert plain.read_bytes().startswith(MAGIC[connection.vendor])
    assert backup._sha256(plain) == manifest["plain_sha256"] != manifest["sha256"]
    plain.unlink()

    empty_the_database()
    result = backup.restore_backup(backup_dir / made.file)
    assert result.row_counts == before


def test_an_encrypted_backup_needs_one_of_the_keys(cast, backup_key, backup_dir, settings):
    from cryptography.fernet import Fernet

    made = backup.create_backup()
    path = backup_dir / made.file
    newer = Fernet.generate_key().decode()

    settings.OPENSALES_BACKUP_KEYS = [newer, backup_key]  # rotated: the old key still decrypts
    assert backup.verify_backup(path).ok is True

    settings.OPENSALES_BACKUP_KEYS = [newer]
    with pytest.raises(backup.RestoreRefused) as refused:
        backup.restore_backup(path)
    assert refused.value.code == "decrypt_failed"

    settings.OPENSALES_BACKUP_KEYS = []
    with pytest.raises(backup.RestoreRefused) as refused:
        backup.restore_backup(path)
    assert refused.value.code == "key_missing"


def test_an_altered_encrypted_backup_is_refused(cast, backup_key, backup_dir):
    made = backup.create_backup()
    path = backup_dir / made.file
    manifest_path = backup.manifest_path_for(path)
    _flip_a_byte(path, {})
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"] = backup._sha256(path)  # forged to pass the checksum
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(backup.RestoreRefused) as refused:
        backup.restore_backup(path)
    assert refused.value.code == "decrypt_failed"


def test_two_backups_in_the_same_second_get_distinct_names(cast, backup_dir, monkeypatch):
    from datetime import UTC, datetime

    fixed = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed

    monkeypatch.setattr(backup, "datetime", Frozen)
    first = backup.create_backup(verify=False)
    second = backup.create_backup(verify=False)
    engine = connection.vendor
    ext = backup.EXTENSIONS[engine]
    assert (first.file, second.file) == (
        f"opensales-20260501T100000Z-{engine}{ext}",
        f"opensales-20260501T100000Z-{engine}-2{ext}",
    )
    assert (first.verified_ok, second.verified_ok) == (None, None)
