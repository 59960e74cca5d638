"""`opensales deals_tally [--rebuild]`: check the board totals kept per owner and stage against the deals.

The database triggers keep the tally (deals/tally.py) and `migrate` puts back triggers a table rebuild
dropped; this is the operator's check, and the repair for a database changed with the triggers off.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from opensales.deals import tally


class Command(BaseCommand):
    help = "Check the deal board's tally against the deals (exit 1 when they differ); --rebuild recounts it."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recount the tally from the deals")

    def handle(self, *args, **options):
        if options["rebuild"]:
            if tally.ensure_installed():
                self.stdout.write("triggers were missing: installed")
            tally.rebuild()
        wrong = tally.differences()
        if wrong:
            raise CommandError(
                f"{wrong} owner/stage rows of the tally differ from the deals (run with --rebuild)"
            )
        self.stdout.write("deals tally: consistent with the deals")
