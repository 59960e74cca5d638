"""The parts of the benchmark that run inside Django against a bench database (bench/run.py calls it
with DJANGO_SETTINGS_MODULE=bench.settings and the database's DATABASE_URL).

    probe.py pick  OUT.json      the users, records and search terms to measure, from the data at hand,
                                 and an API token (read-write) per measured user
    probe.py queries IN.json OUT.json   the SQL query count of each page of IN (Django's test client
                                 inside this process, CaptureQueriesContext); no server involved
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def pick(out: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from pypinyin import lazy_pinyin

    from opensales.activities.models import FollowUp
    from opensales.api.models import ApiToken
    from opensales.api.services import token_create
    from opensales.customers.models import Customer
    from opensales.deals.models import Opportunity, Stage

    User = get_user_model()
    customers = Customer.objects.unscoped(reason="benchmark: choosing what to measure")
    # The rep with the most customers (the skewed tail), besides the named demo logins.
    top = (
        customers.filter(owner__roles__code="sales_rep")
        .values("owner__username")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    reps_by_size = list(
        customers.filter(owner__roles__code="sales_rep")
        .values_list("owner__username", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")[:20]
    )
    users = {
        "rep_top": top["owner__username"] if top else "rep_sh1",
        "rep": "rep_sh1",
        "manager": "manager_east",
        "director": "director",
    }
    # A 360 page with much on it: the customer with the most follow-ups, among those with contacts.
    rich = (
        FollowUp.objects.unscoped(reason="benchmark")
        .filter(customer__isnull=False)
        .values("customer")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    rich_id = rich["customer"] if rich else customers.order_by("pk").values_list("pk", flat=True).first()
    top_user = User.objects.get(username=users["rep_top"])
    own = customers.filter(owner=top_user).exclude(phone="").order_by("pk")
    sample = own.first() or customers.exclude(phone="").order_by("pk").first()
    name = sample.name
    from opensales.customers.models import Contact

    person = (
        Contact.objects.unscoped(reason="benchmark")
        .filter(customer=sample)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    ) or name
    syllables = lazy_pinyin(person)
    terms = {
        "chinese2": person[:2],
        "initials": "".join(s[0] for s in syllables if s),
        "pinyin": "".join(syllables),
        "phone4": "".join(ch for ch in sample.phone if ch.isdigit())[-4:],
    }
    # For the rep's day (locust): reps with customers and open deals, each with a token.
    open_stage = (
        Stage.objects.filter(is_won=False, is_lost=False).order_by("pipeline_id", "sort_order").first()
    )
    tokens = {}
    for username in {*users.values(), *reps_by_size}:
        user = User.objects.get(username=username)
        ApiToken.objects.filter(user=user, name="benchmark").delete()
        _token, secret = token_create(
            actor=user, user=user, name="benchmark", scope=ApiToken.Scope.READ_WRITE
        )
        tokens[username] = secret
    day_reps = []
    for username in reps_by_size:
        user = User.objects.get(username=username)
        ids = list(customers.filter(owner=user).order_by("pk").values_list("pk", flat=True)[:50])
        opps = list(
            Opportunity.objects.unscoped(reason="benchmark")
            .filter(owner=user, stage__is_won=False, stage__is_lost=False)
            .values_list("pk", "pipeline_id")[:50]
        )
        stages = {
            p: list(
                Stage.objects.filter(pipeline_id=p, is_won=False, is_lost=False).values_list("pk", flat=True)
            )
            for p in {p for _, p in opps}
        }
        if ids and opps:
            day_reps.append(
                {
                    "username": username,
                    "token": tokens[username],
                    "customers": ids,
                    "opportunities": [[o, stages[p]] for o, p in opps],
                }
            )
    data = {
        "users": users,
        "counts": {
            "customers": customers.count(),
            "follow_ups": FollowUp.objects.unscoped(reason="benchmark").count(),
            "opportunities": Opportunity.objects.unscoped(reason="benchmark").count(),
            "users": User.objects.count(),
            "top_rep_customers": top["n"] if top else 0,
        },
        "customer_360": rich_id,
        "api_customer": sample.pk,
        "terms": terms,
        "tokens": {k: tokens[v] for k, v in users.items()},
        "open_stage": open_stage.pk if open_stage else None,
        "day_reps": day_reps,
    }
    Path(out).write_text(json.dumps(data, ensure_ascii=False, indent=1))


def queries(pages_file: str, out: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = json.loads(Path(pages_file).read_text())
    User = get_user_model()
    clients: dict[str, Client] = {}
    results = {}
    for page in pages:
        username = page["user"]
        if username not in clients:
            clients[username] = Client(HTTP_HOST="127.0.0.1")
            clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {page['token']}"} if page.get("token") else {}
        client.get(page["path"], **headers)  # warm: the first request of a process fills caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page["path"], **headers)
        results[page["key"]] = {"queries": len(captured), "status": response.status_code}
    Path(out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    import django

    django.setup()
    {"pick": pick, "queries": queries}[sys.argv[1]](*sys.argv[2:])
