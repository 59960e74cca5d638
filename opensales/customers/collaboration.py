"""Requests to join a customer as collaborator, and the owner's answer.

    ask(actor=..., customer=..., message="") -> CollaborationRequest | None   # None: no owner to ask
    accept(actor=..., request=..., level="read"|"edit") -> CollaborationRequest
    decline(actor=..., request=..., reason="") -> CollaborationRequest
    pending_for(user, customer) -> list[CollaborationRequest]   # what the customer page shows

Whoever may change the customer (its owner, their manager, the director…) decides. Accepting shares the
customer with the requester (core.Collaborator at the chosen level). Every step is audited on the
customer (its timeline shows it) and the other side is notified.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.audit.services import record
from opensales.core.actions import Action
from opensales.core.scope import can, has_action

from .models import CollaborationRequest, Customer

REQUEST_KIND = "collaboration_request"
DECISION_KIND = "collaboration_decision"
LEVELS = ("read", "edit")


def _name(user: Any) -> str:
    return user.get_full_name() or user.username


def _url(customer: Customer) -> str:
    return reverse("customers:customer_detail", args=[customer.pk])


def may_decide(user: Any, customer: Customer) -> bool:
    return has_action(user, Customer, Action.CHANGE) and can(user, Action.CHANGE, customer)


@transaction.atomic
def ask(*, actor: Any, customer: Customer, message: str = "") -> CollaborationRequest | None:
    """A pending request from `actor` (one per customer and requester: asking again updates its message).
    None when the customer has no owner (a pool customer) or the actor owns it."""
    from opensales.notifications.services import notify

    owner = customer.owner
    if owner is None or owner.pk == getattr(actor, "pk", None):
        return None
    message = (message or "").strip()[:500]
    row = (
        CollaborationRequest.objects.select_for_update()
        .filter(customer=customer, requester=actor, status=CollaborationRequest.Status.PENDING)
        .first()
    )
    if row is None:
        try:
            with transaction.atomic():
                row = CollaborationRequest.objects.create(customer=customer, requester=actor, message=message)
        except IntegrityError:  # a concurrent identical request
            row = CollaborationRequest.objects.get(
                customer=customer, requester=actor, status=CollaborationRequest.Status.PENDING
            )
    elif message and message != row.message:
        row.message = message
        row.save(update_fields=["message"])
    notify(
        recipients=[owner],
        kind=REQUEST_KIND,
        actor=actor,
        target=customer,
        title=format_lazy(
            gettext_lazy("{person} asks to collaborate on {customer}"),
            person=_name(actor),
            customer=customer.name,
        ),
        body=message,
        url=_url(customer),
    )
    record(
        action="customer.collaboration_request",
        actor=actor,
        obj=customer,
        changes={"request": row.pk, "owner": owner.pk, "message": message[:200]},
    )
    return row


def _decide(*, actor: Any, request: CollaborationRequest, status: str) -> CollaborationRequest:
    row = (
        CollaborationRequest.objects.select_for_update()
        .select_related("customer", "requester")
        .filter(pk=request.pk)
        .first()
    )
    if row is None:
        raise Http404
    # The customer must be one the actor may change; otherwise the request does not exist for them.
    visible = Customer.objects.visible_to(actor, Action.CHANGE).filter(pk=row.customer_id).exists()
    if not visible or not has_action(actor, Customer, Action.CHANGE):
        raise Http404
    if row.status != CollaborationRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))
    row.status = status
    row.decided_by = actor
    row.decided_at = timezone.now()
    row.save(update_fields=["status", "decided_by", "decided_at"])
    return row


@transaction.atomic
def accept(*, actor: Any, request: CollaborationRequest, level: str = "read") -> CollaborationRequest:
    """Share the customer with the requester at `level` ("read" or "edit") and tell them."""
    from django.contrib.contenttypes.models import ContentType

    from opensales.core.models import Collaborator
    from opensales.notifications.services import notify

    if level not in LEVELS:
        raise ValidationError({"level": [_("Select a valid choice.")]})
    row = _decide(actor=actor, request=request, status=CollaborationRequest.Status.ACCEPTED)
    customer = row.customer
    Collaborator.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=customer.pk,
        user=row.requester,
        defaults={"level": level},
    )
    record(
        action="customer.collaboration_accept",
        actor=actor,
        obj=customer,
        changes={
            "request": row.pk,
            "user": row.requester_id,
            "user_name": _name(row.requester),
            "level": level,
        },
    )
    notify(
        recipients=[row.requester],
        kind=DECISION_KIND,
        actor=actor,
        target=customer,
        title=format_lazy(
            gettext_lazy("{person} added you as collaborator on {customer}"),
            person=_name(actor),
            customer=customer.name,
        ),
        url=_url(customer),
    )
    return row


@transaction.atomic
def decline(*, actor: Any, request: CollaborationRequest, reason: str = "") -> CollaborationRequest:
    """Refuse the request and tell the requester (with the reason, if given)."""
    from opensales.notifications.services import notify

    reason = (reason or "").strip()[:500]
    row = _decide(actor=actor, request=request, status=CollaborationRequest.Status.DECLINED)
    customer = row.customer
    record(
        action="customer.collaboration_decline",
        actor=actor,
        obj=customer,
        changes={
            "request": row.pk,
            "user": row.requester_id,
            "user_name": _name(row.requester),
            "reason": reason,
        },
    )
    notify(
        recipients=[row.requester],
        kind=DECISION_KIND,
        actor=actor,
        target=None,
        title=format_lazy(
            gettext_lazy("{person} declined your request to collaborate on {customer}"),
            person=_name(actor),
            customer=customer.name,
        ),
        body=reason,
    )
    return row


def pending_for(user: Any, customer: Customer) -> list[CollaborationRequest]:
    """The pending requests on `customer` if `user` may answer them, else []. One query."""
    if not may_decide(user, customer):
        return []
    return list(
        CollaborationRequest.objects.filter(customer=customer, status=CollaborationRequest.Status.PENDING)
        .select_related("requester")
        .order_by("created_at")
    )


def get_request_or_404(user: Any, customer_id: int, request_id: int) -> CollaborationRequest:
    """A pending-or-answered request of a customer the user may change; 404 otherwise."""
    from opensales.core.scope import get_visible_or_404

    customer = get_visible_or_404(Customer, user, customer_id, Action.CHANGE)
    row = CollaborationRequest.objects.filter(customer=customer, pk=request_id).first()
    if row is None:
        raise Http404
    return row
