"""Customer lifecycle over the API: claim, release, lifecycle stage, handover, merge and its undo, grading.
The same services as the pages; 403 without the action, 404 outside the scope, 422 for bad input."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from opensales.api.errors import ErrorOut, invalid_choice
from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action

from . import grading, lifecycle, pools
from . import handover as handover_service
from . import merge as merge_service
from .models import Customer, CustomerMerge

router = Router(tags=["customers"])
User = get_user_model()

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class CustomerState(Schema):
    id: int
    owner_id: int | None
    pool_id: int | None
    lifecycle: str
    version: int


def _state(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "owner_id": c.owner_id,
        "pool_id": c.pool_id,
        "lifecycle": c.lifecycle,
        "version": c.version,
    }


class ReleaseIn(Schema):
    reason: str


class LifecycleIn(Schema):
    stage: str
    reason: str = ""
    version: int | None = None


class HandoverIn(Schema):
    from_user: int
    to_user: int | None = None
    customer_ids: list[int] | None = None
    include_open_deals: bool = True
    include_leads: bool = True
    include_planned_follow_ups: bool = True


class HandoverOut(Schema):
    customers: int
    opportunities: int
    leads: int
    follow_ups: int


class MergeIn(Schema):
    survivor: int
    others: list[int]
    field_choices: dict[str, int] = {}


class MergeOut(Schema):
    id: int
    survivor: int
    merged: list[int]
    undone: bool


class GradeOut(Schema):
    customers: int
    changed: int


def _merge_out(row: CustomerMerge) -> dict[str, Any]:
    return {
        "id": row.pk,
        "survivor": row.survivor_id,
        "merged": merge_service.merged_ids(row),
        "undone": row.undone_at is not None,
    }


@router.post("/customers/{id}/claim", response={200: CustomerState, **ERRORS})
def claim(request, id: int):
    customer = Customer.objects.unscoped(reason="claim").filter(pk=id).first()
    if customer is None:
        from django.http import Http404

        raise Http404
    return _state(pools.claim(actor=request.auth, customer=customer))


@router.post("/customers/{id}/release", response={200: CustomerState, **ERRORS})
def release(request, id: int, payload: ReleaseIn):
    customer = get_visible_or_404(Customer, request.auth, id, Action.CHANGE)
    return _state(pools.release(actor=request.auth, customer=customer, reason=payload.reason))


@router.post("/customers/{id}/lifecycle", response={200: CustomerState, **ERRORS})
def set_lifecycle(request, id: int, payload: LifecycleIn):
    from opensales.api.errors import conflict
    from opensales.core.versioning import StaleEdit

    customer = get_visible_or_404(Customer, request.auth, id, Action.CHANGE)
    try:
        done = lifecycle.set_lifecycle(
            actor=request.auth,
            customer=customer,
            stage=payload.stage,
            reason=payload.reason,
            expected_version=payload.version,
        )
    except StaleEdit as exc:
        raise conflict(exc.current.version) from None
    return _state(done)


@router.post("/customers/handover", response={200: HandoverOut, **ERRORS})
def handover(request, payload: HandoverIn):
    actor = request.auth
    if not has_action(actor, Customer, Action.ASSIGN):
        raise PermissionDenied
    from_user = User.objects.filter(pk=payload.from_user).first()
    if from_user is None:
        raise invalid_choice("from_user")
    to_user = None
    if payload.to_user is not None:
        to_user = User.objects.filter(pk=payload.to_user).first()
        if to_user is None:
            raise invalid_choice("to_user")
    return handover_service.handover(
        actor=actor,
        from_user=from_user,
        to_user=to_user,
        customer_ids=payload.customer_ids,
        include_open_deals=payload.include_open_deals,
        include_leads=payload.include_leads,
        include_planned_follow_ups=payload.include_planned_follow_ups,
    )


@router.post("/customers/merge", response={201: MergeOut, **ERRORS})
def merge(request, payload: MergeIn):
    actor = request.auth
    if not has_action(actor, Customer, Action.DELETE):
        raise PermissionDenied
    survivor = get_visible_or_404(Customer, actor, payload.survivor, Action.CHANGE)
    others = [Customer(pk=pk) for pk in payload.others]
    row = merge_service.merge(
        actor=actor, survivor=survivor, others=others, field_choices=payload.field_choices
    )
    return Status(201, _merge_out(row))


@router.post("/customer-merges/{id}/undo", response={200: MergeOut, **ERRORS})
def merge_undo(request, id: int):
    if not has_action(request.auth, Customer, Action.DELETE):
        raise PermissionDenied
    row = get_object_or_404(CustomerMerge, pk=id)
    return _merge_out(merge_service.undo_merge(actor=request.auth, merge=row))


@router.post("/customers/grade", response={200: GradeOut, **ERRORS})
def grade(request):
    from .views_lifecycle import is_admin

    if not is_admin(request.auth):
        raise PermissionDenied
    return grading.grade_all(actor=request.auth)


# --- Collaboration requests ---------------------------------------------------------------------------


class CollaborationRequestOut(Schema):
    id: int
    customer: int
    requester: int
    requester_name: str
    message: str
    status: str
    created_at: str
    decided_by: int | None
    decided_at: str | None


class AcceptIn(Schema):
    level: str = "read"


class DeclineIn(Schema):
    reason: str = ""


def _request_out(row) -> dict[str, Any]:
    return {
        "id": row.pk,
        "customer": row.customer_id,
        "requester": row.requester_id,
        "requester_name": row.requester.get_full_name() or row.requester.username,
        "message": row.message,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
        "decided_by": row.decided_by_id,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }


@router.get(
    "/customers/{id}/collaboration-requests",
    response={200: list[CollaborationRequestOut], **ERRORS},
    summary="Pending collaboration requests",
)
def collaboration_requests(request, id: int):
    """The pending requests to join this customer as collaborator. Needs change on the customer."""
    from . import collaboration

    if not has_action(request.auth, Customer, Action.CHANGE):
        raise PermissionDenied
    customer = get_visible_or_404(Customer, request.auth, id, Action.CHANGE)
    return [_request_out(r) for r in collaboration.pending_for(request.auth, customer)]


def _decide(request, id: int, rid: int, accept: bool, payload: Any):
    from . import collaboration

    if not has_action(request.auth, Customer, Action.CHANGE):
        raise PermissionDenied
    row = collaboration.get_request_or_404(request.auth, id, rid)
    if accept:
        row = collaboration.accept(actor=request.auth, request=row, level=payload.level)
    else:
        row = collaboration.decline(actor=request.auth, request=row, reason=payload.reason)
    return _request_out(row)


@router.post(
    "/customers/{id}/collaboration-requests/{rid}/accept",
    response={200: CollaborationRequestOut, **ERRORS},
    summary="Accept a collaboration request",
)
def collaboration_accept(request, id: int, rid: int, payload: AcceptIn):
    """Share the customer with the requester at `level` (read or edit); they are notified."""
    return _decide(request, id, rid, True, payload)


@router.post(
    "/customers/{id}/collaboration-requests/{rid}/decline",
    response={200: CollaborationRequestOut, **ERRORS},
    summary="Decline a collaboration request",
)
def collaboration_decline(request, id: int, rid: int, payload: DeclineIn):
    """Refuse the request; the requester is notified (with the reason, if any)."""
    return _decide(request, id, rid, False, payload)
