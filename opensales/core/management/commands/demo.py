from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from opensales.core.demo import COUNTS, generate


def _count(value: str) -> tuple[str, int]:
    kind, sep, number = value.partition("=")
    if not sep or not number.replace("_", "").isdigit():
        raise CommandError(f"--count takes KIND=NUMBER (e.g. customers=20000), not {value!r}")
    return kind.strip(), int(number.replace("_", ""))


class Command(BaseCommand):
    help = (
        "Load the demo company (示例科技有限公司) with its demo logins; --size medium/large adds bulk data "
        "for the benchmarks (opensales/core/demo.py COUNTS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", default="small", choices=sorted(COUNTS))
        parser.add_argument(
            "--count",
            action="append",
            default=[],
            metavar="KIND=N",
            help="override one total of the size, e.g. --count customers=20000 --count follow_ups=400000",
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing when users already exist")
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args, size, count, if_empty, seed, **options):
        if not getattr(settings, "OPENSALES_DEMO", False):
            raise CommandError("Demo data is only loaded in demo mode (settings.OPENSALES_DEMO).")
        from django.contrib.auth import get_user_model

        overrides = dict(_count(c) for c in count)
        if if_empty and get_user_model().objects.exists():
            return
        autodiscover_modules("demo")
        try:
            ctx = generate(
                size=size,
                seed=seed,
                counts=overrides,
                log=lambda m: self.stdout.write(m) if options["verbosity"] > 1 else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 1 and ctx.counts:
            self.stdout.write("demo: rows/s per phase")
            for name, rows, seconds in ctx.timings:
                if rows:
                    rate = rows / seconds if seconds else 0
                    self.stdout.write(f"  {name:<32} {rows:>10,} rows {seconds:8.1f}s {rate:>10,.0f}/s")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({size})."))
