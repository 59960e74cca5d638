from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from opensales.core.demo import SIZES, generate


class Command(BaseCommand):
    help = "Load the demo company (示例科技有限公司) with its demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--size", default="small", choices=sorted(SIZES))
        parser.add_argument("--if-empty", action="store_true", help="do nothing when users already exist")
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args, size, if_empty, seed, **options):
        if not getattr(settings, "OPENSALES_DEMO", False):
            raise CommandError("Demo data is only loaded in demo mode (settings.OPENSALES_DEMO).")
        from django.contrib.auth import get_user_model

        if if_empty and get_user_model().objects.exists():
            return
        autodiscover_modules("demo")
        generate(
            size=size, seed=seed, log=lambda m: self.stdout.write(m) if options["verbosity"] > 1 else None
        )
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({size})."))
