"""Lifecycle stages of a customer (潜在 → 新客户 → 成交 → 复购 → 流失预警 → 流失).

Contracts called by other apps' services:

- `on_follow_up(customer=, at=, next_at=None, actor=None)` — a follow-up was recorded (the activities service).
- `on_deal_won(customer=, opportunity=, actor=None)` — a deal was won (the deals service).
- `set_lifecycle(actor=, customer=, stage=, reason="")` — by hand (needs CHANGE on the customer).
- `mark_inactive(now)` — nightly: no follow-up and no deal for N days → AT_RISK, for M days → LOST
  (settings OPENSALES_CUSTOMER_AT_RISK_DAYS=90, OPENSALES_CUSTOMER_LOST_DAYS=180).

Every move is one audit event `customer.lifecycle` with {"lifecycle": [from, to], "reason": ...}, which the
record's timeline shows.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from opensales.audit.services import record
from opensales.core.actions import Action
from opensales.core.history import stamp
from opensales.core.scope import get_visible_or_404
from opensales.core.versioning import check_version

from .models import Customer, Lifecycle

AUDIT_ACTION = "customer.lifecycle"


def at_risk_days() -> int:
    return int(getattr(settings, "OPENSALES_CUSTOMER_AT_RISK_DAYS", 90))


def lost_days() -> int:
    return int(getattr(settings, "OPENSALES_CUSTOMER_LOST_DAYS", 180))


def _record_move(*, actor: Any, customer: Customer, old: str, new: str, reason: str) -> None:
    record(
        action=AUDIT_ACTION,
        actor=actor,
        obj=customer,
        changes={"lifecycle": [old, new], "reason": reason},
    )


def on_follow_up(
    *, customer: Customer, at: datetime, next_at: datetime | None = None, actor: Any = None
) -> None:
    """Keep the customer's follow-up times current: `last_follow_up_at = max(existing, at)`; `next_at`
    (a planned follow-up) becomes `next_follow_up_at` when it is in the future and earlier than the one
    already planned (or that one has passed). One UPDATE, no history row; the lifecycle stage is not
    changed (a NEW or PROSPECT customer stays as is)."""
    now = timezone.now()
    current = (
        Customer.objects.unscoped(reason="follow-up bookkeeping")
        .filter(pk=customer.pk)
        .values("last_follow_up_at", "next_follow_up_at")
        .first()
    )
    if current is None:
        return
    fields: dict[str, Any] = {}
    last = current["last_follow_up_at"]
    if at is not None and (last is None or at > last):
        fields["last_follow_up_at"] = at
    if next_at is not None and next_at > now:
        planned = current["next_follow_up_at"]
        if planned is None or planned <= now or next_at < planned:
            fields["next_follow_up_at"] = next_at
    if fields:
        Customer.objects.unscoped(reason="follow-up bookkeeping").filter(pk=customer.pk).update(**fields)
        for name, value in fields.items():
            setattr(customer, name, value)


def _deal_time(opportunity: Any) -> datetime:
    closed = getattr(opportunity, "closed_at", None)
    if closed is None or closed >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(closed, time(12)))


@transaction.atomic
def on_deal_won(*, customer: Customer, opportunity: Any, actor: Any = None) -> None:
    """A deal of the customer was won: `last_deal_at`, and the first won deal → WON, a later one → REPEAT."""
    from opensales.deals.models import Opportunity

    locked = (
        Customer.objects.unscoped(reason="deal won bookkeeping")
        .select_for_update()
        .filter(pk=customer.pk)
        .first()
    )
    if locked is None:
        return
    earlier = (
        Opportunity.objects.unscoped(reason="is this the first won deal")
        .filter(customer_id=customer.pk, stage__is_won=True)
        .exclude(pk=opportunity.pk)
        .exists()
    )
    at = _deal_time(opportunity)
    fields: dict[str, Any] = {}
    if locked.last_deal_at is None or at > locked.last_deal_at:
        fields["last_deal_at"] = at
    target = Lifecycle.REPEAT if earlier else Lifecycle.WON
    old = locked.lifecycle
    if old != target:
        fields["lifecycle"] = target
    if fields:
        Customer.objects.unscoped(reason="deal won bookkeeping").filter(pk=customer.pk).update(**fields)
        for name, value in fields.items():
            setattr(customer, name, value)
    if old != target:
        reason = (_("Repeat deal won: %(deal)s") if earlier else _("First deal won: %(deal)s")) % {
            "deal": opportunity
        }
        _record_move(actor=actor, customer=customer, old=old, new=target, reason=reason)


@transaction.atomic
def set_lifecycle(
    *, actor: Any, customer: Customer, stage: str, reason: str = "", expected_version: int | None = None
) -> Customer:
    """Set the stage by hand (needs CHANGE on the customer; 404 outside the scope)."""
    if stage not in Lifecycle.values:
        raise ValidationError({"stage": [_("Select a valid choice.")]})
    locked = get_visible_or_404(Customer, actor, customer.pk, Action.CHANGE)
    locked = Customer.objects.unscoped(reason="lock").select_for_update().get(pk=locked.pk)
    if expected_version is not None:
        check_version(locked, expected_version)
    old = locked.lifecycle
    if old == stage:
        return locked
    locked.lifecycle = stage
    locked.version = F("version") + 1
    stamp(locked, actor)
    locked.save(update_fields=["lifecycle", "version", "updated_at"])
    locked.refresh_from_db(fields=["version"])
    _record_move(actor=actor, customer=locked, old=old, new=stage, reason=reason.strip() or _("Set by hand"))
    return locked


def mark_inactive(now: datetime | None = None) -> dict[str, int]:
    """Nightly: customers with no follow-up and no deal for N days → AT_RISK, for M days → LOST.
    Prospects and customers already LOST are left alone. Returns {"at_risk": n, "lost": m}."""
    now = now or timezone.now()
    last_touch = Greatest(
        Coalesce("last_follow_up_at", "created_at", output_field=DateTimeField()),
        Coalesce("last_deal_at", "created_at", output_field=DateTimeField()),
    )
    base = Customer.objects.unscoped(reason="nightly lifecycle").annotate(last_touch=last_touch)
    counts = {"at_risk": 0, "lost": 0}
    moves = [
        (
            Lifecycle.LOST,
            now - timedelta(days=lost_days()),
            ~Q(lifecycle__in=[Lifecycle.PROSPECT, Lifecycle.LOST]),
        ),
        (
            Lifecycle.AT_RISK,
            now - timedelta(days=at_risk_days()),
            Q(lifecycle__in=[Lifecycle.NEW, Lifecycle.WON, Lifecycle.REPEAT]),
        ),
    ]
    days = {Lifecycle.LOST: lost_days(), Lifecycle.AT_RISK: at_risk_days()}
    for target, cutoff, which in moves:
        with transaction.atomic():
            for customer in base.filter(which, last_touch__lt=cutoff).select_for_update():
                old = customer.lifecycle
                # A save, not an update(): the move bumps the version (a form opened before it is stale)
                # and leaves a history row like a move by hand.
                customer.lifecycle = target
                customer.version = F("version") + 1
                customer.save(update_fields=["lifecycle", "version", "updated_at"])
                reason = _("No follow-up and no deal for %(days)s days") % {"days": days[target]}
                _record_move(actor=None, customer=customer, old=old, new=target, reason=reason)
                counts["lost" if target == Lifecycle.LOST else "at_risk"] += 1
    return counts
