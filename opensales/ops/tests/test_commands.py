"""`opensales backup` and `opensales restore FILE` as an operator runs them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from opensales.audit.models import AuditEvent
from opensales.ops import dbtools
from opensales.ops.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args, language: str = "en", **kwargs) -> str:
    out = StringIO()
    with translation.override(language):
        call_command(*args, stdout=out, stderr=out, **kwargs)
    return out.getvalue()


def test_backup_then_restore(cast, backup_dir):
    with_cast = dbtools.live_counts(connection)
    output = run("backup")
    made = Backup.objects.get()
    assert made.verified_ok is True
    lines = output.splitlines()
    with translation.override("en"):
        size = filesizeformat(made.size)
    assert lines[0] == (
        f"Backup {backup_dir / made.file}: {size}, {len(with_cast)} tables, "
        f"{sum(with_cast.values())} rows, {made.seconds:.2f} s."
    )
    assert lines[1] == (
        f"Verified: restored into a scratch database, row counts match ({made.verify_seconds:.2f} s)."
    )
    Group.objects.create(name="after")

    output = run("restore", str(backup_dir / made.file), "--yes")

    assert not Group.objects.filter(name="after").exists()
    assert dbtools.live_counts(connection)["accounts_user"] == with_cast["accounts_user"] == 20
    lines = output.splitlines()
    assert lines[0].startswith(
        f"Restored {made.file}: {len(with_cast)} tables, {sum(with_cast.values())} rows"
    )
    events = AuditEvent.objects.count()
    assert lines[1] == f"Audit log chain verified: {events} events."
    assert len(lines) == 2
    assert AuditEvent.objects.latest("id").action == "ops.restore"


def test_messages_are_translated(cast, backup_dir):
    output = run("backup", language="zh-hans")
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "Verified: restored into a scratch database, row counts match (%(seconds).2f s)."
        )
    assert expected != "Verified: restored into a scratch database, row counts match (%(seconds).2f s)."
    assert expected % {"seconds": Backup.objects.get().verify_seconds} in output


def test_restore_by_file_name_and_check_only(cast, backup_dir):
    run("backup", "--no-verify")
    made = Backup.objects.get()
    assert made.verified_ok is None
    output = run("restore", made.file, "--check")
    made.refresh_from_db()
    assert made.verified_ok is True
    assert output.startswith(made.file)


def test_restore_asks_first_and_stops_on_no(cast, backup_dir, monkeypatch):
    run("backup")
    made = Backup.objects.get()
    Group.objects.create(name="kept")
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "no")

    with pytest.raises(CommandError):
        run("restore", str(backup_dir / made.file))

    assert len(prompts) == 1
    assert Group.objects.filter(name="kept").exists()
    assert not AuditEvent.objects.filter(action="ops.restore").exists()


def test_restore_refuses_a_damaged_file(cast, backup_dir):
    run("backup")
    made = Backup.objects.get()
    path = backup_dir / made.file
    path.write_bytes(path.read_bytes()[:-1])
    Group.objects.create(name="kept")

    with pytest.raises(CommandError) as exc:
        run("restore", str(path), "--no-input")

    assert str(exc.value).startswith(
        "Restore refused, the database was not changed: The file's checksum differs from its manifest: "
        "the file is damaged or altered. size "
    )
    assert Group.objects.filter(name="kept").exists()


def test_backup_with_prune(cast, backup_dir, settings):
    settings.OPENSALES_BACKUP_KEEP = 1
    run("backup", "--no-verify")
    older = Backup.objects.get()
    output = run("backup", "--prune")
    # Same day: the newer backup stays, the older goes.
    newer = Backup.objects.get()
    assert newer.pk != older.pk
    assert output.splitlines()[-1] == "Retention: 1 old backup deleted."
    assert not (backup_dir / older.file).exists()
