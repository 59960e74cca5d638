"""Follow-up actions over the API (the list, detail, create, edit and delete are the generic
/api/v1/follow-ups endpoints of the workspace):

    POST /api/v1/follow-ups/{id}/complete     a planned follow-up is done (outcome, next follow-up)
    POST /api/v1/follow-ups/{id}/reschedule   move a planned follow-up; `version` required (409 when stale)
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from opensales.api.errors import ErrorOut, conflict
from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action
from opensales.core.versioning import StaleEdit
from opensales.workspace.api import serialize

from . import services
from .models import FollowUp
from .workspace import FollowUpView

router = Router(tags=["follow-ups"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class CompleteIn(Schema):
    outcome: str = ""
    content: str | None = None
    at: datetime | None = None
    next_follow_up_at: datetime | None = None
    version: int | None = None


class RescheduleIn(Schema):
    at: datetime
    version: int


def _changeable(request, id: int) -> FollowUp:
    if not has_action(request.auth, FollowUp, Action.CHANGE):
        raise PermissionDenied
    return get_visible_or_404(FollowUp, request.auth, id, Action.CHANGE)


@router.post(
    "/follow-ups/{id}/complete", response={200: dict, **ERRORS}, summary="Complete a planned follow-up"
)
def complete_follow_up(request, id: int, payload: CompleteIn):
    record = _changeable(request, id)
    try:
        saved = services.complete(
            actor=request.auth,
            follow_up=record,
            outcome=payload.outcome,
            content=payload.content,
            at=payload.at,
            next_follow_up_at=payload.next_follow_up_at,
            expected_version=payload.version,
        )
    except StaleEdit as exc:
        raise conflict(exc.current.version) from None
    return serialize(FollowUpView, saved)


@router.post(
    "/follow-ups/{id}/reschedule", response={200: dict, **ERRORS}, summary="Move a planned follow-up"
)
def reschedule_follow_up(request, id: int, payload: RescheduleIn):
    record = _changeable(request, id)
    try:
        saved = services.reschedule(
            actor=request.auth, follow_up=record, at=payload.at, expected_version=payload.version
        )
    except StaleEdit as exc:
        raise conflict(exc.current.version) from None
    return serialize(FollowUpView, saved)
