"""Customer grading (A–D): won revenue and follow-ups over a rolling window, computed for every customer
with a few aggregate queries (never one per customer)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opensales.audit.services import record

from .models import Customer, Grade, GradingRule

DEFAULT_RULES = [
    ("A", 365, Decimal("1000000"), 12),
    ("B", 365, Decimal("200000"), 6),
    ("C", 365, Decimal("1"), 2),
    ("D", 365, Decimal("0"), 0),
]


def ensure_rules() -> list[GradingRule]:
    """The rules, A to D; the defaults are created the first time they are needed."""
    rules = list(GradingRule.objects.order_by("grade"))
    if not rules:
        GradingRule.objects.bulk_create(
            GradingRule(grade=g, window_days=w, min_won_amount=a, min_activities=n)
            for g, w, a, n in DEFAULT_RULES
        )
        rules = list(GradingRule.objects.order_by("grade"))
    return rules


def money(amount: Decimal) -> str:
    return f"¥{amount:,.0f}"


def reason_text(amount: Decimal, count: int, days: int) -> str:
    return _("Won revenue %(amount)s · %(count)s follow-ups (last %(days)s days)") % {
        "amount": money(amount),
        "count": count,
        "days": days,
    }


def _figures(window_days: int, now: datetime) -> tuple[dict[int, Decimal], dict[int, int]]:
    from opensales.activities.models import FollowUp, FollowUpStatus
    from opensales.deals.models import Opportunity

    since = now - timedelta(days=window_days)
    won = dict(
        Opportunity.objects.unscoped(reason="grading")
        .filter(stage__is_won=True, closed_at__gte=timezone.localdate(since))
        .values("customer_id")
        .annotate(total=Sum("amount"))
        .values_list("customer_id", "total")
    )
    done = dict(
        FollowUp.objects.unscoped(reason="grading")
        .filter(status=FollowUpStatus.DONE, at__gte=since, at__lte=now, customer__isnull=False)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n")
    )
    return won, done


def grade_for(rules: list[GradingRule], figures: dict[int, tuple[dict, dict]], pk: int) -> tuple[str, str]:
    for rule in rules:
        won, done = figures[rule.window_days]
        amount = won.get(pk) or Decimal("0")
        count = done.get(pk, 0)
        if amount >= rule.min_won_amount and count >= rule.min_activities:
            return rule.grade, reason_text(amount, count, rule.window_days)
    return "", ""


@transaction.atomic
def grade_all(now: datetime | None = None, *, actor: Any = None) -> dict[str, int]:
    """Grade every customer; write only the changed ones; one audit event with the counts."""
    now = now or timezone.now()
    rules = ensure_rules()
    figures = {days: _figures(days, now) for days in {r.window_days for r in rules}}
    changed = []
    total = 0
    with translation.override(settings.LANGUAGE_CODE):
        customers = Customer.objects.unscoped(reason="grading").only("pk", "grade", "grade_reason")
        # Streamed: the nightly run reads every customer (100,000+) without holding them all.
        for customer in customers.iterator(chunk_size=2000):
            total += 1
            grade, reason = grade_for(rules, figures, customer.pk)
            if grade != customer.grade or reason != customer.grade_reason:
                customer.grade, customer.grade_reason = grade, reason[:300]
                changed.append(customer)
    if changed:
        Customer.objects.unscoped(reason="grading").bulk_update(
            changed, ["grade", "grade_reason"], batch_size=500
        )
    counts = {"customers": total, "changed": len(changed)}
    by_grade: dict[str, int] = {}
    for customer in changed:
        by_grade[customer.grade or "-"] = by_grade.get(customer.grade or "-", 0) + 1
    record(
        action="customer.grade_all",
        actor=actor,
        object_type="customers.customer",
        changes={**counts, "to": by_grade},
    )
    return counts


@transaction.atomic
def save_rules(*, actor: Any, rows: list[dict[str, Any]]) -> list[GradingRule]:
    """Replace the thresholds of the A–D rules (validated), one audit event."""
    from django.core.exceptions import ValidationError

    errors: dict[str, list[str]] = {}
    clean = []
    for row in rows:
        if row.get("grade") not in Grade.values:
            errors.setdefault("grade", []).append(_("Select a valid choice."))
            continue
        try:
            window = int(row["window_days"])
            amount = Decimal(str(row["min_won_amount"]))
            activities = int(row["min_activities"])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            errors.setdefault(row["grade"], []).append(_("Enter whole days, an amount and a count."))
            continue
        if window < 1 or window > 3650 or amount < 0 or activities < 0:
            errors.setdefault(row["grade"], []).append(
                _("The window is 1 to 3650 days; amount and count cannot be negative.")
            )
            continue
        clean.append((row["grade"], window, amount, activities))
    if errors:
        raise ValidationError(errors)
    ensure_rules()
    before = {
        r.grade: [r.window_days, str(r.min_won_amount), r.min_activities] for r in GradingRule.objects.all()
    }
    for grade, window, amount, activities in clean:
        GradingRule.objects.update_or_create(
            grade=grade,
            defaults={"window_days": window, "min_won_amount": amount, "min_activities": activities},
        )
    after = {
        r.grade: [r.window_days, str(r.min_won_amount), r.min_activities] for r in GradingRule.objects.all()
    }
    record(
        action="customer.grading_rules",
        actor=actor,
        object_type="customers.gradingrule",
        changes={"before": before, "after": after},
    )
    return list(GradingRule.objects.order_by("grade"))
