"""`opensales restore FILE`: verify a backup, then replace the current database with it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from opensales.ops import backup, health


class Command(BaseCommand):
    help = (
        "Restore a backup: checksum, decryption and a scratch restore first; a backup that fails is "
        "refused and the current database is left as it is. The replacement is one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file (or its .json manifest)")
        parser.add_argument(
            "--yes",
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )
        parser.add_argument("--check", action="store_true", help="only verify the backup; change nothing")

    def handle(self, *args, file, interactive, check, **options):
        path = Path(file)
        if not path.exists():
            path = backup.backup_dir() / file
        if check:
            result = backup.verify_backup(path)
            if not result.ok:
                raise CommandError(
                    _("Verification failed: %(message)s %(detail)s")
                    % {"message": result.message, "detail": result.error}
                )
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(file)s verified: %(tables)d tables, %(rows)d rows, %(seconds).2f s.")
                    % {
                        "file": result.file,
                        "tables": len(result.row_counts),
                        "rows": sum(result.row_counts.values()),
                        "seconds": result.seconds,
                    }
                )
            )
            return
        if interactive:
            try:
                manifest = backup.read_manifest(path)
            except backup.BackupError as exc:
                raise CommandError(f"{exc.message} {exc.detail}".strip()) from None
            self.stdout.write(
                _(
                    "This replaces ALL data of the database %(database)s with the backup of %(created)s "
                    "(%(rows)d rows). Data written since then is lost."
                )
                % {
                    "database": connection.settings_dict["NAME"],
                    "created": manifest["created_at"],
                    "rows": sum(manifest["row_counts"].values()),
                }
            )
            answer = input(_("Type 'yes' to continue: "))
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled."))
        try:
            result = backup.restore_backup(path)
        except backup.RestoreRefused as exc:
            raise CommandError(
                _("Restore refused, the database was not changed: %(message)s %(detail)s")
                % {"message": exc.message, "detail": exc.detail}
            ) from None
        except backup.BackupError as exc:
            raise CommandError(f"{exc.message} {exc.detail}".strip()) from None
        self.stdout.write(
            _(
                "Restored %(file)s: %(tables)d tables, %(rows)d rows "
                "(verification %(verify).2f s, restore %(restore).2f s)."
            )
            % {
                "file": result.file,
                "tables": len(result.row_counts),
                "rows": sum(result.row_counts.values()),
                "verify": result.verify_seconds,
                "restore": result.restore_seconds,
            }
        )
        if not result.counts_match:
            self.stderr.write(self.style.ERROR(_("The restored row counts differ from the manifest.")))
        if result.chain.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Audit log chain verified: %(count)d events.") % {"count": result.chain.checked}
                )
            )
        else:
            self.stderr.write(
                self.style.ERROR(
                    _("Audit log chain broken at event %(id)s: %(problem)s")
                    % {"id": result.chain.event_id, "problem": result.chain.problem}
                )
            )
        pending = health.pending_migrations()
        if pending:
            self.stdout.write(
                self.style.WARNING(
                    _("The backup predates %(count)d migrations of this code: run `opensales migrate`.")
                    % {"count": len(pending)}
                )
            )
        if not result.counts_match or not result.chain.ok:
            raise CommandError(_("Restore finished with problems (see above)."))
