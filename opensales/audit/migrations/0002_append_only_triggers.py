from django.db import migrations


def install(apps, schema_editor):
    from opensales.audit.guard import install

    install(schema_editor)


def remove(apps, schema_editor):
    from opensales.audit.guard import remove

    remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
