"""`opensales audit verify`: walk the hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from opensales.audit.services import record, verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks that no event was edited, deleted or reordered."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="verify the hash chain of the audit log")

    def handle(self, *args, subcommand, **options):
        result = verify_chain()
        record(
            action="audit.verify",
            outcome="success" if result.ok else "failure",
            changes={"checked": result.checked, "problem": result.problem},
        )
        if not result.ok:
            where = f" at event {result.event_id}" if result.event_id else ""
            raise CommandError(
                f"Audit log FAILED verification{where}: {result.problem} "
                f"({result.checked} events intact before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log verified: {result.checked} events, chain intact."))
