"""Handover (转移 / 离职交接): customers of one owner, with their open deals, open leads and planned
follow-ups, go to another owner or to the public pool in one audited operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from opensales.audit.services import record
from opensales.core.actions import Action
from opensales.core.history import stamp
from opensales.core.scope import has_action

from .models import Customer, PoolEvent
from .pools import default_pool, pool_of

REASON = "customer handover"


@dataclass
class Plan:
    customers: list[Any]
    opportunity_ids: list[int]
    lead_ids: list[int]
    follow_up_ids: list[int]

    def counts(self) -> dict[str, int]:
        return {
            "customers": len(self.customers),
            "opportunities": len(self.opportunity_ids),
            "leads": len(self.lead_ids),
            "follow_ups": len(self.follow_up_ids),
        }


def plan(
    *,
    actor: Any,
    from_user: Any,
    customer_ids: list[int] | None = None,
    include_open_deals: bool = True,
    include_leads: bool = True,
    include_planned_follow_ups: bool = True,
    lock: bool = False,
) -> Plan:
    """What a handover would move (the preview uses it too). Every customer must be within the actor's
    ASSIGN scope: one outside rejects the whole handover (404)."""
    from opensales.activities.models import FollowUp, FollowUpStatus
    from opensales.deals.models import Opportunity
    from opensales.leads.models import Lead, LeadStatus

    if not has_action(actor, Customer, Action.ASSIGN):
        raise PermissionDenied
    mine = Customer.objects.unscoped(reason=REASON).filter(owner_id=from_user.pk)
    if customer_ids is not None:
        wanted = {int(pk) for pk in customer_ids}
        if not wanted:
            raise ValidationError({"customer_ids": [_("Choose at least one customer.")]})
        mine = mine.filter(pk__in=wanted)
        expected = len(wanted)
    else:
        # The whole book: compare counts rather than carry every id through Python and an IN list.
        expected = mine.count()
    in_scope = Customer.objects.visible_to(actor, Action.ASSIGN).filter(owner_id=from_user.pk)
    if customer_ids is not None:
        in_scope = in_scope.filter(pk__in=wanted)
    if lock:
        in_scope = in_scope.select_for_update()
    customers = list(in_scope.order_by("pk"))
    if len(customers) != expected:
        raise Http404
    ids = [c.pk for c in customers]
    opportunity_ids: list[int] = []
    if include_open_deals and ids:
        opportunity_ids = list(
            Opportunity.objects.unscoped(reason=REASON)
            .filter(customer_id__in=ids, owner_id=from_user.pk, stage__is_won=False, stage__is_lost=False)
            .values_list("pk", flat=True)
        )
    lead_ids: list[int] = []
    if include_leads:
        leads = (
            Lead.objects.unscoped(reason=REASON)
            .filter(owner_id=from_user.pk)
            .exclude(status__in=[LeadStatus.CONVERTED])
        )
        # A full handover takes all open leads; a selection only those that point at its customers.
        if customer_ids is not None:
            leads = leads.filter(converted_customer_id__in=ids)
        lead_ids = list(leads.values_list("pk", flat=True))
    follow_up_ids: list[int] = []
    if include_planned_follow_ups and ids:
        follow_up_ids = list(
            FollowUp.objects.unscoped(reason=REASON)
            .filter(Q(customer_id__in=ids), owner_id=from_user.pk, status=FollowUpStatus.PLANNED)
            .values_list("pk", flat=True)
        )
    return Plan(customers, opportunity_ids, lead_ids, follow_up_ids)


def _check_to_user(actor: Any, to_user: Any) -> None:
    from opensales.org.models import Employee

    if not to_user.is_active:
        raise ValidationError({"to_user": [_("This user cannot sign in any more; choose an active user.")]})
    if (
        not actor.is_superuser
        and not Employee.objects.visible_to(actor, Action.VIEW).filter(user_id=to_user.pk).exists()
    ):
        raise ValidationError({"to_user": [_("Select a valid choice.")]})


@transaction.atomic
def handover(
    *,
    actor: Any,
    from_user: Any,
    to_user: Any = None,
    customer_ids: list[int] | None = None,
    include_open_deals: bool = True,
    include_leads: bool = True,
    include_planned_follow_ups: bool = True,
) -> dict[str, int]:
    """Move customers of `from_user` (all, or `customer_ids`) to `to_user`, or to their pool when
    `to_user` is None. Open deals, open leads and planned follow-ups of `from_user` on them go along
    (to the actor when the customers go to the pool: deals and follow-ups always have an owner; leads
    go unassigned). One transaction, one audit event `customer.handover` listing every id."""
    from opensales.activities.models import FollowUp
    from opensales.deals.models import Opportunity
    from opensales.leads.models import Lead

    if to_user is not None:
        _check_to_user(actor, to_user)
        if to_user.pk == from_user.pk:
            raise ValidationError({"to_user": [_("Choose someone other than the current owner.")]})
    moved = plan(
        actor=actor,
        from_user=from_user,
        customer_ids=customer_ids,
        include_open_deals=include_open_deals,
        include_leads=include_leads,
        include_planned_follow_ups=include_planned_follow_ups,
        lock=True,
    )
    if not moved.customers and not moved.lead_ids:
        raise ValidationError({"customer_ids": [_("There is nothing to hand over.")]})
    now = timezone.now()
    pools: set[int] = set()
    if (
        to_user is None
        and moved.customers
        and default_pool() is None
        and any(not c.pool_id for c in moved.customers)
    ):
        raise ValidationError({"to_user": [_("There is no public pool to hand these customers to.")]})
    for customer in moved.customers:
        if to_user is None:
            pool = pool_of(customer)
            customer.owner = None
            customer.owned_since = None
            customer.pool = pool
            pools.add(pool.pk)
            PoolEvent.objects.create(
                customer=customer,
                pool=pool,
                user=from_user,
                kind=PoolEvent.Kind.RELEASE,
                reason=_("Handover"),
            )
        else:
            customer.owner = to_user
            customer.owned_since = now
        customer.version = customer.version + 1
        stamp(customer, actor)
        customer.save(update_fields=["owner", "owned_since", "pool", "version", "updated_at"])
    heir = to_user if to_user is not None else actor
    if moved.opportunity_ids:
        Opportunity.objects.unscoped(reason=REASON).filter(pk__in=moved.opportunity_ids).update(owner=heir)
    if moved.follow_up_ids:
        FollowUp.objects.unscoped(reason=REASON).filter(pk__in=moved.follow_up_ids).update(owner=heir)
    if moved.lead_ids:
        Lead.objects.unscoped(reason=REASON).filter(pk__in=moved.lead_ids).update(owner=to_user)
    counts = moved.counts()
    record(
        action="customer.handover",
        actor=actor,
        object_type="customers.customer",
        object_repr=str(
            _("Handover from %(user)s") % {"user": from_user.get_full_name() or from_user.username}
        ),
        changes={
            "from_user": from_user.pk,
            "to_user": getattr(to_user, "pk", None),
            "to_pool": sorted(pools),
            "customers": [c.pk for c in moved.customers],
            "opportunities": moved.opportunity_ids,
            "leads": moved.lead_ids,
            "follow_ups": moved.follow_up_ids,
        },
    )
    return counts


def user_by_id(pk: Any) -> Any:
    User = get_user_model()
    try:
        return User.objects.get(pk=int(pk))
    except (User.DoesNotExist, TypeError, ValueError):
        return None
