"""Django's flush, allowed past the audit log's append-only triggers.

The test framework empties the database between transactional tests with `flush`; an operator would
only run it to wipe a database entirely. Either way the audit rows go with everything else.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from opensales.audit.guard import audit_unlocked


class Command(FlushCommand):
    def handle(self, **options):
        with audit_unlocked(connections[options["database"]]):
            return super().handle(**options)
