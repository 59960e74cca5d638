from django.db import migrations, models

from opensales.core.migration_ops import AlterFieldIndex


def reinstall_guard(apps, schema_editor):
    # SQLite alters a column by rebuilding the table, which drops the append-only triggers with the
    # old table: put them back. PostgreSQL alters the table in place and keeps them.
    if schema_editor.connection.vendor == "sqlite":
        from opensales.audit.guard import install

        install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall_guard),  # (when unapplied)
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        AlterFieldIndex(
            model_name="auditevent",
            name="object_type",
            field=models.CharField(blank=True, max_length=100, verbose_name="object type"),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop),
    ]
