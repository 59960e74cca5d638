"""The `opensales` console command for operators: Django's commands plus OpenSales' own."""

import os
import sys


def main() -> None:
    # Production deployments export DJANGO_SETTINGS_MODULE=opensales.settings.production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensales.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["opensales", *sys.argv[1:]])


if __name__ == "__main__":
    main()
