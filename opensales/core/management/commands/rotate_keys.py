"""Re-encrypt every encrypted field with the newest key of OPENSALES_FIELD_KEYS.

Rotation: put a new key first in OPENSALES_FIELD_KEYS (keep the old ones after it), restart, run this
command, then drop the old keys. It works on the stored ciphertext, in one transaction per table.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from opensales.core.crypto import EncryptedCharField, rotate


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields with the newest field key."

    def handle(self, *args, **options):
        quote = connection.ops.quote_name
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
            if not fields:
                continue
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            rows = 0
            with transaction.atomic(), connection.cursor() as cursor:
                for field in fields:
                    column = quote(field.column)
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
                    for row_pk, token in cursor.fetchall():
                        update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608
                        cursor.execute(update, [rotate(token), row_pk])
                        rows += 1
            self.stdout.write(f"{model._meta.label}: {rows} values re-encrypted")
