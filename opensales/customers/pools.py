"""Public pools (公海): who sees a pool's customers (the scope rule), and later the claim/release rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from opensales.core.actions import Action


def pool_visibility(user: Any, action: str) -> Q | None:
    """Customers in a pool (no owner) are visible to the members of that pool's departments (a member
    of a sub-department included) and, for a pool open to no department in particular, to everyone who
    may view customers. Only viewing: claiming is its own service."""
    if action != Action.VIEW:
        return None
    from opensales.core.scope import grants_for

    from .models import CustomerPool

    # The request's grants already hold the user's department: no query of its own.
    department = grants_for(user).home_department
    ancestors = (
        [int(pk) for pk in department.path.strip("/").split("/") if pk] if department is not None else []
    )
    pools = CustomerPool.objects.filter(Q(departments__in=ancestors) | Q(departments__isnull=True)).values(
        "pk"
    )
    return Q(owner__isnull=True, pool__in=pools)


# --- The pool rules: membership, claim, release, return by rules ------------------------------------
#
# Membership (decided, docs/customers-lifecycle.md): a pool with departments is open to the people of
# those departments and of every sub-department; a pool without departments is open to everyone. In both
# cases claiming needs the ADD action on customers (finance and auditors read pools but never claim);
# whoever may add customers for everyone (administrators, directors, superusers) is a member of every pool.

POOL_WARNING = "pool_warning"


def default_pool():
    from .models import CustomerPool

    return CustomerPool.objects.filter(is_default=True).order_by("pk").first()


def pool_of(customer: Any):
    """The pool a customer belongs to: its `pool`, else the default pool (None when there is none)."""
    return customer.pool if customer.pool_id else default_pool()


def _department_of(user: Any):
    from opensales.org.models import Employee

    employee = (
        Employee.objects.unscoped(reason="pool membership")
        .filter(user_id=user.pk)
        .select_related("department")
        .first()
    )
    return employee.department if employee is not None else None


def _adds_everywhere(user: Any) -> bool:
    """Whether the user may add customers for anyone (administrator, director): every pool is theirs."""
    from opensales.core.registry import get_entry
    from opensales.core.scope import grants_for

    from .models import Customer

    reach = grants_for(user).reach(get_entry(Customer).label, Action.ADD)
    return bool(reach and reach.all)


def is_member(user: Any, pool: Any) -> bool:
    """Whether `user` may claim from `pool` (membership only; the ADD action is checked by `claim`)."""
    if user.is_superuser:
        return True
    from opensales.core.scope import system_access

    with system_access("pool membership"):
        paths = [d.path for d in pool.departments.all()]
    if paths and _adds_everywhere(user):
        return True
    if not paths:
        return True
    department = _department_of(user)
    return department is not None and any(department.path.startswith(p) for p in paths)


def pools_with_departments():
    """The pools with their departments loaded (one query for all)."""
    from django.db.models import Prefetch

    from opensales.org.models import Department

    from .models import CustomerPool

    departments = Department.objects.unscoped(reason="the departments of a public pool")
    return CustomerPool.objects.prefetch_related(Prefetch("departments", queryset=departments))


def member_pools(user: Any) -> list[Any]:
    return [p for p in pools_with_departments() if is_member(user, p)]


def claims_today(user: Any, now: datetime | None = None) -> int:
    from .models import PoolEvent

    now = now or timezone.now()
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return PoolEvent.objects.filter(user_id=user.pk, kind=PoolEvent.Kind.CLAIM, at__gte=start).count()


def owned_count(user: Any) -> int:
    from .models import Customer

    return Customer.objects.unscoped(reason="claim limit").filter(owner_id=user.pk).count()


@transaction.atomic
def claim(*, actor: Any, customer: Any) -> Any:
    """Take a pool customer: the actor becomes its owner. Checks membership, the ADD action on customers,
    the owner limit, the daily claim limit and the reclaim block; writes history, audit and a PoolEvent."""
    from opensales.audit.services import record
    from opensales.core.history import stamp
    from opensales.core.scope import has_action

    from .models import Customer, PoolEvent

    if not has_action(actor, Customer, Action.ADD):
        raise PermissionDenied
    locked = Customer.objects.unscoped(reason="claim").select_for_update().filter(pk=customer.pk).first()
    if locked is None or locked.owner_id is not None:
        # Someone else's customer, or gone: the same answer as for a record outside the scope.
        if locked is not None and Customer.objects.visible_to(actor).filter(pk=locked.pk).exists():
            raise ValidationError(_("This customer is not in a public pool any more."))
        raise Http404
    pool = pool_of(locked)
    if pool is None or not is_member(actor, pool):
        raise Http404
    now = timezone.now()
    if pool.max_customers_per_rep is not None and owned_count(actor) >= pool.max_customers_per_rep:
        raise ValidationError(
            _("You already own %(count)s customers, the most this pool allows.")
            % {"count": pool.max_customers_per_rep}
        )
    if pool.max_claims_per_day is not None and claims_today(actor, now) >= pool.max_claims_per_day:
        raise ValidationError(
            _("You have claimed %(count)s customers today, the most this pool allows.")
            % {"count": pool.max_claims_per_day}
        )
    if pool.reclaim_block_days:
        since = now - timedelta(days=pool.reclaim_block_days)
        released = (
            PoolEvent.objects.filter(
                customer_id=locked.pk,
                user_id=actor.pk,
                kind__in=[PoolEvent.Kind.RELEASE, PoolEvent.Kind.RETURN],
                at__gte=since,
            )
            .order_by("-at")
            .first()
        )
        if released is not None:
            until = timezone.localdate(released.at + timedelta(days=pool.reclaim_block_days))
            raise ValidationError(
                _("You gave this customer back to the pool; you may claim it again from %(date)s.")
                % {"date": until.isoformat()}
            )
    locked.owner = actor
    locked.owned_since = now
    locked.pool = pool
    locked.version = locked.version + 1
    stamp(locked, actor)
    locked.save(update_fields=["owner", "owned_since", "pool", "version", "updated_at"])
    PoolEvent.objects.create(customer=locked, pool=pool, user=actor, kind=PoolEvent.Kind.CLAIM)
    record(
        action="customer.claim", actor=actor, obj=locked, changes={"owner": [None, actor.pk], "pool": pool.pk}
    )
    return locked


def _to_pool(*, actor: Any, customer: Any, pool: Any, kind: str, reason: str) -> None:
    """Put an owned customer (locked) into `pool`; the PoolEvent names the former owner."""
    from opensales.audit.services import record
    from opensales.core.history import stamp

    from .models import PoolEvent

    former = customer.owner_id
    customer.owner = None
    customer.owned_since = None
    customer.pool = pool
    customer.version = customer.version + 1
    stamp(customer, actor)
    customer.save(update_fields=["owner", "owned_since", "pool", "version", "updated_at"])
    PoolEvent.objects.create(customer=customer, pool=pool, user_id=former, kind=kind, reason=reason[:200])
    record(
        action=f"customer.{kind}",
        actor=actor,
        obj=customer,
        changes={"owner": [former, None], "pool": pool.pk, "reason": reason},
    )


@transaction.atomic
def release(*, actor: Any, customer: Any, reason: str) -> Any:
    """Give a customer back to its pool (needs CHANGE on it; 404 outside the scope). A reason is required."""
    from opensales.core.scope import get_visible_or_404

    from .models import Customer, PoolEvent

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the customer goes back to the pool.")]})
    visible = get_visible_or_404(Customer, actor, customer.pk, Action.CHANGE)
    locked = Customer.objects.unscoped(reason="release").select_for_update().get(pk=visible.pk)
    if locked.owner_id is None:
        raise ValidationError(_("This customer is already in a public pool."))
    pool = pool_of(locked)
    if pool is None:
        raise ValidationError(_("There is no public pool to release this customer to. Ask an administrator."))
    _to_pool(actor=actor, customer=locked, pool=pool, kind=PoolEvent.Kind.RELEASE, reason=reason)
    return locked


def _due(pool: Any) -> list[tuple[str, int]]:
    rules = []
    if pool.return_after_days_without_follow_up:
        rules.append(("last_follow_up_at", pool.return_after_days_without_follow_up))
    if pool.return_after_days_without_deal:
        rules.append(("last_deal_at", pool.return_after_days_without_deal))
    return rules


def return_by_rules(now: datetime | None = None) -> dict[str, int]:
    """Daily: customers whose pool's rules say "no follow-up for N days" or "no deal for M days" go back
    to their pool; `warn_days_before` days earlier the owner is warned (once, a notification and a
    PoolEvent). The clock of each rule starts at the last follow-up (or deal), else when the owner took
    the customer, else when it was created. Returns {"warned": n, "returned": m}."""
    from django.db.models import DateTimeField
    from django.db.models.functions import Coalesce
    from django.urls import reverse

    from opensales.notifications.services import notify

    from .models import Customer, CustomerPool, PoolEvent

    now = now or timezone.now()
    counts = {"warned": 0, "returned": 0}
    default = default_pool()
    for pool in CustomerPool.objects.all():
        rules = _due(pool)
        if not rules:
            continue
        in_pool = Q(pool=pool) | (
            Q(pool__isnull=True) if default is not None and default.pk == pool.pk else Q(pk__in=[])
        )
        annotations = {
            f"clock_{field}": Coalesce(field, "owned_since", "created_at", output_field=DateTimeField())
            for field, _days in rules
        }
        near = Q(pk__in=[])
        for field, days in rules:
            near |= Q(**{f"clock_{field}__lte": now - timedelta(days=max(days - pool.warn_days_before, 0))})
        candidates = list(
            Customer.objects.unscoped(reason="pool return rules")
            .filter(in_pool, owner__isnull=False)
            .annotate(**annotations)
            .filter(near)
            .select_related("owner")
        )
        if not candidates:
            continue
        warned_at: dict[int, datetime] = {}
        for customer_id, at in PoolEvent.objects.filter(
            customer__in=[c.pk for c in candidates], kind=PoolEvent.Kind.WARNING
        ).values_list("customer_id", "at"):
            warned_at[customer_id] = max(at, warned_at.get(customer_id, at))
        for customer in candidates:
            due = min(getattr(customer, f"clock_{field}") + timedelta(days=days) for field, days in rules)
            clock_start = max(getattr(customer, f"clock_{field}") for field, _days in rules)
            if due <= now:
                with transaction.atomic():
                    locked = (
                        Customer.objects.unscoped(reason="pool return")
                        .select_for_update()
                        .get(pk=customer.pk)
                    )
                    if locked.owner_id is None:
                        continue
                    reason = str(_("No follow-up or deal within the pool's rules"))
                    _to_pool(
                        actor=None, customer=locked, pool=pool, kind=PoolEvent.Kind.RETURN, reason=reason
                    )
                counts["returned"] += 1
            elif customer.pk not in warned_at or warned_at[customer.pk] < clock_start:
                with transaction.atomic():
                    PoolEvent.objects.create(
                        customer=customer, pool=pool, user=customer.owner, kind=PoolEvent.Kind.WARNING
                    )
                    notify(
                        recipients=[customer.owner],
                        kind=POOL_WARNING,
                        target=customer,
                        title=format_lazy(
                            _lazy("“{name}” goes back to the public pool on {date}"),
                            name=customer.name,
                            date=timezone.localdate(due).isoformat(),
                        ),
                        body=_lazy("Record a follow-up or win a deal to keep the customer."),
                        url=_customer_url(customer, reverse),
                    )
                counts["warned"] += 1
    return counts


def _customer_url(customer: Any, reverse: Any) -> str:
    try:
        return reverse("customers:customer_detail", args=[customer.pk])
    except Exception:  # the customer pages belong to another engineer; the pool page always exists
        return reverse("customers:pool_list")
