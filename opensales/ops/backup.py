"""Database backups: make, verify, restore and prune them.

A backup is two files in `OPENSALES_BACKUP_DIR`, named by their UTC time and engine:

    opensales-20260102T183000Z-sqlite.sqlite3[.enc]     SQLite: a copy made by the online backup API
    opensales-20260102T183000Z-postgresql.dump[.enc]    PostgreSQL: pg_dump --format=custom
    opensales-20260102T183000Z-sqlite.json              the manifest

The manifest holds the engine, the time, the application version, the applied migrations, the row count
of every table, the SHA-256 of the stored file (and of the dump inside it when encrypted) and the result
of the last verification. Verification restores the backup into a scratch database (a temporary file,
or a temporary PostgreSQL database) and compares its row counts with the manifest.

A restore verifies first and refuses a backup that fails, leaving the current database as it was; the
replacement itself is one transaction (see dbtools). Backups, verifications, restores and refusals are
audit events ("ops.backup", "ops.restore").
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opensales.audit.models import AuditChainHead, AuditEvent
from opensales.audit.services import VerifyResult, record, verify_chain

from . import dbtools
from .encryption import DecryptionError, decrypt_file, encrypt_file
from .models import Backup

MANIFEST_FORMAT = 1
EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".dump"}
ENCRYPTED_SUFFIX = ".enc"
PREFIX = "opensales-"

# Why a verification or a restore failed, by code (the code and a technical detail are stored).
ERRORS = {
    "backup_failed": _("The backup could not be made."),
    "busy": _("Another backup or restore is running."),
    "manifest_missing": _("The manifest (.json) of this backup is missing."),
    "manifest_invalid": _("The manifest of this backup cannot be read."),
    "file_missing": _("The backup file is missing."),
    "engine_mismatch": _("The backup comes from another database engine than the current database."),
    "checksum_mismatch": _("The file's checksum differs from its manifest: the file is damaged or altered."),
    "key_missing": _("The backup is encrypted and no backup key is configured."),
    "decrypt_failed": _("The backup does not decrypt: a wrong key, or a damaged or altered file."),
    "restore_failed": _("The backup could not be restored into a scratch database."),
    "row_counts_differ": _("The restored row counts differ from the manifest."),
}


class BackupError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def message(self) -> str:
        return str(ERRORS.get(self.code, self.code))


class RestoreRefused(BackupError):
    """The backup failed verification; the current database was not touched."""


@dataclass
class Verification:
    ok: bool
    file: str
    seconds: float
    row_counts: dict[str, int] = field(default_factory=dict)
    error_code: str = ""
    error: str = ""

    @property
    def message(self) -> str:
        return str(ERRORS.get(self.error_code, "")) if self.error_code else ""


@dataclass
class RestoreResult:
    file: str
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    verify_seconds: float
    restore_seconds: float
    chain: VerifyResult
    counts_match: bool


@dataclass
class _Verified:
    manifest: dict[str, Any]
    plain: Path  # the dump, decrypted
    scratch: Path | None  # SQLite: the checked copy
    row_counts: dict[str, int]
    seconds: float
    workdir: Path


# --- Files ------------------------------------------------------------------------------------------


def backup_dir() -> Path:
    directory = Path(settings.OPENSALES_BACKUP_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def manifest_path_for(path: Path) -> Path:
    path = Path(path)
    if path.suffix == ".json":
        return path
    return path.with_name(path.name.split(".", 1)[0] + ".json")


def read_manifest(path: Path) -> dict[str, Any]:
    path = manifest_path_for(path)
    if not path.exists():
        raise BackupError("manifest_missing", str(path))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format {manifest.get('format')!r}")
        for key in ("file", "engine", "created_at", "sha256", "size", "row_counts", "encrypted"):
            if key not in manifest:
                raise ValueError(f"no {key!r}")
    except (ValueError, AttributeError) as exc:
        raise BackupError("manifest_invalid", f"{path.name}: {exc}") from None
    return manifest


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _manifests(directory: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(directory.glob(f"{PREFIX}*.json")):
        try:
            found.append(read_manifest(path))
        except BackupError:
            continue
    return found


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _app_version() -> str:
    try:
        return version("opensales")
    except PackageNotFoundError:
        return "unknown"


@contextmanager
def _exclusive() -> Iterator[None]:
    """One backup, verification, prune or restore at a time on this host."""
    with open(backup_dir() / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("busy") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _workdir(directory: Path) -> Path:
    # Inside the backup directory (mode 700), never /tmp: a decrypted dump holds the whole database.
    return Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))


# --- The catalogue ------------------------------------------------------------------------------------


def _row_values(manifest: dict[str, Any]) -> dict[str, Any]:
    check = manifest.get("verification") or {}
    return {
        "engine": manifest["engine"],
        "size": manifest["size"],
        "sha256": manifest["sha256"],
        "encrypted": manifest["encrypted"],
        "created_at": _parse_time(manifest["created_at"]),
        "seconds": manifest.get("seconds"),
        "row_counts": manifest["row_counts"],
        "verified_at": _parse_time(check["verified_at"]) if check.get("verified_at") else None,
        "verified_ok": check.get("ok"),
        "verify_seconds": check.get("seconds"),
        "error_code": check.get("error_code", ""),
        "error": check.get("error", ""),
    }


def sync_catalogue() -> None:
    """Make the Backup rows match the manifests on disk (after a restore, or files copied in by hand)."""
    directory = backup_dir()
    on_disk = {m["file"]: m for m in _manifests(directory) if (directory / m["file"]).exists()}
    with transaction.atomic():
        Backup.objects.exclude(file__in=list(on_disk)).delete()
        for name, manifest in on_disk.items():
            Backup.objects.update_or_create(file=name, defaults=_row_values(manifest))


# --- Making a backup --------------------------------------------------------------------------------


def _unique_stem(directory: Path, created: datetime, engine: str) -> str:
    base = f"{PREFIX}{created:%Y%m%dT%H%M%SZ}-{engine}"
    stem, n = base, 1
    while any(directory.glob(f"{stem}.*")):
        n += 1
        stem = f"{base}-{n}"
    return stem


def create_backup(*, actor: Any = None, verify: bool = True) -> Backup:
    """Dump the database into the backup directory (encrypted when a key is set); then verify it."""
    engine = dbtools.engine_of(connection)
    directory = backup_dir()
    with _exclusive():
        started = time.monotonic()
        created = datetime.now(UTC)
        stem = _unique_stem(directory, created, engine)
        work = _workdir(directory)
        try:
            plain = work / f"{stem}{EXTENSIONS[engine]}"
            if engine == "sqlite":
                counts = dbtools.sqlite_dump(connection, plain)
                migrations = dbtools.sqlite_migrations(plain)
            else:
                counts, migrations = dbtools.pg_dump(connection, plain)
            plain_sha, plain_size = _sha256(plain), plain.stat().st_size
            keys = settings.OPENSALES_BACKUP_KEYS
            stored = plain
            if keys:
                stored = plain.with_name(plain.name + ENCRYPTED_SUFFIX)
                encrypt_file(plain, stored, keys)
                plain.unlink()
            os.chmod(stored, 0o600)
            manifest = {
                "format": MANIFEST_FORMAT,
                "file": stored.name,
                "engine": engine,
                "server_version": dbtools.server_version(connection),
                "created_at": created.isoformat().replace("+00:00", "Z"),
                "app_version": _app_version(),
                "migrations": migrations,
                "row_counts": counts,
                "size": stored.stat().st_size,
                "sha256": _sha256(stored),
                "encrypted": bool(keys),
                "plain_size": plain_size,
                "plain_sha256": plain_sha,
                "seconds": round(time.monotonic() - started, 3),
                "verification": None,
            }
            os.replace(stored, directory / stored.name)
            _write_json(directory / f"{stem}.json", manifest)
        except Exception as exc:
            record(
                action="ops.backup",
                actor=actor,
                object_type="ops.backup",
                object_repr=stem,
                outcome=AuditEvent.Outcome.FAILURE,
                changes={"event": "failed", "error": str(exc)[:500]},
            )
            raise BackupError("backup_failed", str(exc)) from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
        backup = Backup.objects.create(file=manifest["file"], **_row_values(manifest))
        record(
            action="ops.backup",
            actor=actor,
            obj=backup,
            changes={
                "event": "created",
                "size": backup.size,
                "encrypted": backup.encrypted,
                "tables": len(counts),
                "rows": sum(counts.values()),
                "sha256": backup.sha256,
            },
        )
        if verify:
            _verify_and_record(directory / backup.file, actor=actor)
            backup.refresh_from_db()
    return backup


# --- Verifying --------------------------------------------------------------------------------------


@contextmanager
def _open_verified(path: Path) -> Iterator[_Verified]:
    """Check a backup completely; inside the block its decrypted dump (and SQLite copy) exist."""
    started = time.monotonic()
    path = Path(path)
    manifest = read_manifest(path)
    data = manifest_path_for(path).with_name(manifest["file"])
    if path.suffix != ".json" and path.name != manifest["file"]:
        raise BackupError("manifest_invalid", f"the manifest describes {manifest['file']}, not {path.name}")
    if not data.exists():
        raise BackupError("file_missing", str(data))
    engine = dbtools.engine_of(connection)
    if manifest["engine"] != engine:
        raise BackupError("engine_mismatch", f"backup: {manifest['engine']}, database: {engine}")
    if data.stat().st_size != manifest["size"]:
        raise BackupError("checksum_mismatch", f"size {data.stat().st_size}, manifest {manifest['size']}")
    if _sha256(data) != manifest["sha256"]:
        raise BackupError("checksum_mismatch", "SHA-256 of the file")
    work = _workdir(backup_dir())
    try:
        plain = data
        if manifest["encrypted"]:
            keys = settings.OPENSALES_BACKUP_KEYS
            if not keys:
                raise BackupError("key_missing")
            plain = work / data.name.removesuffix(ENCRYPTED_SUFFIX)
            try:
                decrypt_file(data, plain, keys)
            except DecryptionError as exc:
                raise BackupError("decrypt_failed", str(exc)) from None
        if manifest.get("plain_sha256") and _sha256(plain) != manifest["plain_sha256"]:
            raise BackupError("checksum_mismatch", "SHA-256 of the decrypted dump")
        scratch = None
        try:
            if engine == "sqlite":
                scratch = work / "scratch.sqlite3"
                shutil.copyfile(plain, scratch)
                counts = dbtools.sqlite_check(scratch)
            else:
                with dbtools.pg_scratch_database(connection) as scratch_db:
                    counts = dbtools.pg_restore_into(connection, plain, scratch_db)
        except (dbtools.ToolError, sqlite3.DatabaseError, OSError) as exc:
            raise BackupError("restore_failed", str(exc)) from None
        except Exception as exc:  # psycopg errors (e.g. no CREATEDB privilege)
            raise BackupError("restore_failed", f"{type(exc).__name__}: {exc}") from None
        if counts != manifest["row_counts"]:
            differ = sorted(set(counts) | set(manifest["row_counts"]))
            differ = [t for t in differ if counts.get(t) != manifest["row_counts"].get(t)]
            detail = ", ".join(
                f"{t}: {counts.get(t, '-')} (manifest {manifest['row_counts'].get(t, '-')})"
                for t in differ[:10]
            )
            raise BackupError("row_counts_differ", detail)
        yield _Verified(manifest, plain, scratch, counts, round(time.monotonic() - started, 3), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _verify(path: Path) -> Verification:
    started = time.monotonic()
    name = Path(path).name
    try:
        with _open_verified(path) as checked:
            return Verification(True, checked.manifest["file"], checked.seconds, checked.row_counts)
    except BackupError as exc:
        return Verification(False, name, round(time.monotonic() - started, 3), {}, exc.code, exc.detail)


def _verify_and_record(path: Path, *, actor: Any = None) -> Verification:
    result = _verify(path)
    directory = backup_dir()
    backup = None
    manifest_file = manifest_path_for(path)
    if manifest_file.parent.resolve() == directory.resolve() and manifest_file.exists():
        try:
            manifest = read_manifest(manifest_file)
        except BackupError:
            manifest = None
        if manifest is not None:
            manifest["verification"] = {
                "verified_at": timezone.now().astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "ok": result.ok,
                "seconds": result.seconds,
                "error_code": result.error_code,
                "error": result.error[:2000],
            }
            _write_json(manifest_file, manifest)
            if (directory / manifest["file"]).exists():
                backup, _created = Backup.objects.update_or_create(
                    file=manifest["file"], defaults=_row_values(manifest)
                )
    record(
        action="ops.backup",
        actor=actor,
        obj=backup,
        object_type="ops.backup",
        object_repr=result.file,
        outcome=AuditEvent.Outcome.SUCCESS if result.ok else AuditEvent.Outcome.FAILURE,
        changes={
            "event": "verified",
            "ok": result.ok,
            "error_code": result.error_code,
            "seconds": result.seconds,
        },
    )
    return result


def verify_backup(path: Path | Backup, *, actor: Any = None) -> Verification:
    """Verify one backup (a path, or a catalogue row); record the result in its manifest and row."""
    if isinstance(path, Backup):
        path = backup_dir() / path.file
    with _exclusive():
        return _verify_and_record(Path(path), actor=actor)


# --- Restoring --------------------------------------------------------------------------------------


def _record_if_possible(**kwargs: Any) -> None:
    """Audit into the current database, unless it has no audit log yet (a new, empty database)."""
    try:
        record(**kwargs)
    except DatabaseError:
        if connection.in_atomic_block:
            raise


def restore_backup(path: Path, *, actor: Any = None) -> RestoreResult:
    """Replace the current database with a backup, after verifying it completely.

    Raises RestoreRefused (the current database untouched) when the backup fails verification.
    """
    path = Path(path)
    with _exclusive(), ExitStack() as stack:
        try:
            checked = stack.enter_context(_open_verified(path))
        except BackupError as exc:
            _record_if_possible(
                action="ops.restore",
                actor=actor,
                object_type="ops.backup",
                object_repr=path.name,
                outcome=AuditEvent.Outcome.FAILURE,
                changes={"event": "refused", "error_code": exc.code, "error": exc.detail[:500]},
            )
            raise RestoreRefused(exc.code, exc.detail) from None
        try:
            head = AuditChainHead.objects.filter(pk=1).values("last_event_id", "last_hash").first()
        except DatabaseError:  # an empty database: nothing to replace
            head = None
        started = time.monotonic()
        try:
            if checked.manifest["engine"] == "sqlite":
                dbtools.sqlite_restore_live(connection, checked.scratch)
            else:
                dbtools.pg_restore_live(connection, checked.plain, checked.workdir)
        except (dbtools.ToolError, sqlite3.Error) as exc:
            # The replacement is one transaction: it rolled back, the database is as it was.
            _record_if_possible(
                action="ops.restore",
                actor=actor,
                object_type="ops.backup",
                object_repr=path.name,
                outcome=AuditEvent.Outcome.FAILURE,
                changes={"event": "failed", "error": str(exc)[:500]},
            )
            raise BackupError("restore_failed", str(exc)) from None
        counts = dbtools.live_counts(connection)
        restore_seconds = round(time.monotonic() - started, 3)
    manifest = checked.manifest
    sync_catalogue()
    chain_before = verify_chain()
    record(
        action="ops.restore",
        actor=actor,
        object_type="ops.backup",
        object_repr=manifest["file"],
        outcome=AuditEvent.Outcome.SUCCESS
        if counts == manifest["row_counts"]
        else AuditEvent.Outcome.FAILURE,
        changes={
            "event": "restored",
            "backup_created_at": manifest["created_at"],
            "sha256": manifest["sha256"],
            "rows": sum(counts.values()),
            "counts_match": counts == manifest["row_counts"],
            "audit_chain_ok": chain_before.ok,
            # The log as it stood before the restore: its newer events are gone with the old database.
            "replaced_audit_head": head or {},
        },
    )
    return RestoreResult(
        file=manifest["file"],
        manifest=manifest,
        row_counts=counts,
        verify_seconds=checked.seconds,
        restore_seconds=restore_seconds,
        chain=verify_chain(),
        counts_match=counts == manifest["row_counts"],
    )


# --- Retention --------------------------------------------------------------------------------------


def apply_retention(*, keep: int | None = None, actor: Any = None) -> list[str]:
    """Keep the newest backup of each of the `keep` most recent days that have one (days in TIME_ZONE),
    and always the newest backup that passed verification; delete the rest. Returns the deleted files.
    """
    keep = settings.OPENSALES_BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise ValueError("keep at least one backup")
    directory = backup_dir()
    removed: list[str] = []
    with _exclusive():
        manifests = sorted(_manifests(directory), key=lambda m: (m["created_at"], m["file"]), reverse=True)
        kept: set[str] = set()
        days: set[Any] = set()
        for m in manifests:
            day = timezone.localdate(_parse_time(m["created_at"]))
            if day not in days and len(days) < keep:
                days.add(day)
                kept.add(m["file"])
        good = next((m for m in manifests if (m.get("verification") or {}).get("ok")), None)
        if good is not None:
            kept.add(good["file"])
        for m in manifests:
            if m["file"] in kept:
                continue
            (directory / m["file"]).unlink(missing_ok=True)
            manifest_path_for(directory / m["file"]).unlink(missing_ok=True)
            removed.append(m["file"])
        # Work directories of runs that died (a crash, a kill) hold plaintext: remove them after a day.
        cutoff = time.time() - 86400
        for stale in directory.glob(".tmp-*"):
            if stale.is_dir() and stale.stat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)
        Backup.objects.filter(file__in=removed).delete()
        if removed:
            record(
                action="ops.backup",
                actor=actor,
                object_type="ops.backup",
                object_repr=f"{len(removed)} files",
                changes={"event": "pruned", "keep_days": keep, "files": removed},
            )
    return removed


def run_nightly() -> Backup:
    """The scheduled job: back up, verify, prune."""
    backup = create_backup(verify=True)
    apply_retention()
    return backup


def latest_backups(limit: int = 10) -> list[Backup]:
    return list(Backup.objects.all()[:limit])


def newest_verified() -> Backup | None:
    return Backup.objects.filter(verified_ok=True).first()


def backup_age_limit() -> timedelta:
    """A nightly schedule: a verified backup older than this means the night's run failed."""
    return timedelta(hours=26)
