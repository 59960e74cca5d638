"""The access stamp also watches users and API tokens (the API keeps the tokens that worked)."""

from django.db import migrations


def install(apps, schema_editor):
    from opensales.core.access_stamp import install

    install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_access_stamp"),
        ("accounts", "0001_initial"),
        ("api", "0002_apitoken_user_stamp"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
