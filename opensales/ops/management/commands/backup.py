"""`opensales backup`: dump the database into OPENSALES_BACKUP_DIR, verify it, optionally prune."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opensales.ops import backup


class Command(BaseCommand):
    help = "Back up the database (encrypted when OPENSALES_BACKUP_KEY is set) and verify the backup."

    def add_arguments(self, parser):
        parser.add_argument("--no-verify", action="store_true", help="skip the scratch restore")
        parser.add_argument(
            "--prune", action="store_true", help="then apply the retention (OPENSALES_BACKUP_KEEP)"
        )

    def handle(self, *args, no_verify, prune, **options):
        try:
            made = backup.create_backup(verify=not no_verify)
        except backup.BackupError as exc:
            raise CommandError(f"{exc.message} {exc.detail}".strip()) from None
        self.stdout.write(
            _("Backup %(file)s: %(size)s, %(tables)d tables, %(rows)d rows, %(seconds).2f s.")
            % {
                "file": backup.backup_dir() / made.file,
                "size": filesizeformat(made.size),
                "tables": len(made.row_counts),
                "rows": made.total_rows,
                "seconds": made.seconds or 0,
            }
        )
        if not no_verify:
            if made.verified_ok:
                self.stdout.write(
                    self.style.SUCCESS(
                        _("Verified: restored into a scratch database, row counts match (%(seconds).2f s).")
                        % {"seconds": made.verify_seconds or 0}
                    )
                )
            else:
                raise CommandError(
                    _("Verification failed: %(message)s %(detail)s")
                    % {"message": backup.ERRORS.get(made.error_code, made.error_code), "detail": made.error}
                )
        if prune:
            removed = backup.apply_retention()
            self.stdout.write(
                ngettext(
                    "Retention: %(count)d old backup deleted.",
                    "Retention: %(count)d old backups deleted.",
                    len(removed),
                )
                % {"count": len(removed)}
            )
