"""Deal endpoints beyond the generic ones (/api/v1/opportunities…, /api/v1/competitors…):

POST /api/v1/opportunities/{id}/move          {stage, version, reason?, probability?}
GET  /api/v1/opportunities/{id}/lines         the product lines
PUT  /api/v1/opportunities/{id}/lines         {version, lines: [{product, quantity, unit_price?, discount?}]}
GET  /api/v1/opportunities/{id}/competitors   the competitors on the deal
PUT  /api/v1/opportunities/{id}/competitors   {competitor, their_offer?, threat?, strengths?, weaknesses?}
GET  /api/v1/opportunities/{id}/stage-history the snapshots, newest first
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router, Schema

from opensales.api.errors import ApiError, ErrorOut, conflict
from opensales.core.actions import Action
from opensales.core.scope import get_visible_or_404, has_action
from opensales.core.versioning import StaleEdit
from opensales.workspace.api import serialize

from . import services
from .models import Competitor, Opportunity, Stage, Threat
from .workspace import OpportunityView

router = Router(tags=["opportunities"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class MoveIn(Schema):
    stage: int
    version: int
    reason: str = ""
    probability: int | None = None


class LineIn(Schema):
    product: int
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = None
    discount: Decimal = Decimal("0")


class LinesIn(Schema):
    version: int
    lines: list[LineIn]


class LineOut(Schema):
    product: int
    product_code: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    total: Decimal


class CompetitorIn(Schema):
    competitor: int
    their_offer: Decimal | None = None
    threat: str = Threat.MEDIUM
    strengths: str = ""
    weaknesses: str = ""


class DealCompetitorOut(Schema):
    competitor: int
    name: str
    their_offer: Decimal | None
    threat: str
    strengths: str
    weaknesses: str


class HistoryOut(Schema):
    stage: str
    amount: Decimal
    probability: int
    expected_close: str | None
    changed_by: str | None
    changed_at: str


def _opp(request, id: int, action: str) -> Opportunity:
    user = request.auth
    if not has_action(user, Opportunity, action):
        raise PermissionDenied
    return get_visible_or_404(Opportunity, user, id, action)


def _invalid(exc: ValidationError, default_field: str) -> ApiError:
    if hasattr(exc, "error_dict"):
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    else:
        fields = {default_field: [str(m) for m in exc.messages]}
    return ApiError(422, "invalid", _("The input is not valid."), fields)


@router.post(
    "/opportunities/{id}/move", response={200: dict, **ERRORS}, summary="Move an opportunity to a stage"
)
def move_opportunity(request, id: int, payload: MoveIn):
    """Move to another stage of the opportunity's pipeline. The probability defaults to the stage's;
    a lost stage needs a `reason`; `version` as read (409 when someone saved since)."""
    opp = _opp(request, id, Action.CHANGE)
    stage = Stage.objects.filter(pk=payload.stage, pipeline_id=opp.pipeline_id).first()
    if stage is None:
        raise ApiError(
            422, "invalid", _("The input is not valid."), {"stage": [_("No such stage in this pipeline.")]}
        )
    if payload.probability is not None and not 0 <= payload.probability <= 100:
        raise ApiError(
            422, "invalid", _("The input is not valid."), {"probability": [_("Between 0 and 100.")]}
        )
    try:
        with transaction.atomic():
            opp = services.move_stage(
                actor=request.auth,
                opportunity=opp,
                stage=stage,
                expected_version=payload.version,
                reason=payload.reason,
                probability=payload.probability,
            )
    except StaleEdit as exc:
        raise conflict(exc.current.version) from None
    except ValidationError as exc:
        raise _invalid(exc, "stage") from None
    OpportunityView.prepare_rows([opp], request.auth)
    return serialize(OpportunityView, opp)


def _lines_out(opp: Opportunity) -> list[dict]:
    return [
        {
            "product": ln.product_id,
            "product_code": ln.product.code,
            "product_name": ln.product.name,
            "quantity": ln.quantity,
            "unit_price": ln.unit_price,
            "discount": ln.discount,
            "total": ln.total,
        }
        for ln in opp.lines.select_related("product")
    ]


@router.get(
    "/opportunities/{id}/lines",
    response={200: list[LineOut], **ERRORS},
    summary="An opportunity's product lines",
)
def get_lines(request, id: int):
    return _lines_out(_opp(request, id, Action.VIEW))


@router.put(
    "/opportunities/{id}/lines", response={200: list[LineOut], **ERRORS}, summary="Replace the product lines"
)
def put_lines(request, id: int, payload: LinesIn):
    """Replace every product line; the amount becomes their total. An empty unit price takes the
    product's list price."""
    from opensales.products.models import Product

    opp = _opp(request, id, Action.CHANGE)
    products = Product.objects.visible_to(request.auth, Action.VIEW).in_bulk(
        [ln.product for ln in payload.lines]
    )
    lines = []
    for i, ln in enumerate(payload.lines):
        product = products.get(ln.product)
        if product is None:
            raise ApiError(
                422, "invalid", _("The input is not valid."), {f"lines.{i}.product": [_("No such product.")]}
            )
        lines.append(
            {
                "product": product,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
            }
        )
    try:
        with transaction.atomic():
            opp = services.set_lines(
                actor=request.auth, opportunity=opp, lines=lines, expected_version=payload.version
            )
    except StaleEdit as exc:
        raise conflict(exc.current.version) from None
    except ValidationError as exc:
        raise _invalid(exc, "lines") from None
    return _lines_out(opp)


def _competitors_out(opp: Opportunity) -> list[dict]:
    return [
        {
            "competitor": dc.competitor_id,
            "name": dc.competitor.name,
            "their_offer": dc.their_offer,
            "threat": dc.threat,
            "strengths": dc.strengths,
            "weaknesses": dc.weaknesses,
        }
        for dc in opp.competitors.select_related("competitor")
    ]


@router.get(
    "/opportunities/{id}/competitors",
    response={200: list[DealCompetitorOut], **ERRORS},
    summary="The competitors on an opportunity",
)
def get_deal_competitors(request, id: int):
    return _competitors_out(_opp(request, id, Action.VIEW))


@router.put(
    "/opportunities/{id}/competitors",
    response={200: list[DealCompetitorOut], **ERRORS},
    summary="Add or change a competitor on an opportunity",
)
def put_deal_competitor(request, id: int, payload: CompetitorIn):
    opp = _opp(request, id, Action.CHANGE)
    competitor = (
        Competitor.objects.visible_to(request.auth, Action.VIEW).filter(pk=payload.competitor).first()
    )
    if competitor is None:
        raise ApiError(
            422, "invalid", _("The input is not valid."), {"competitor": [_("No such competitor.")]}
        )
    if payload.threat not in Threat.values:
        raise ApiError(
            422, "invalid", _("The input is not valid."), {"threat": [_("Choose low, medium or high.")]}
        )
    try:
        services.deal_competitor_save(
            actor=request.auth,
            opportunity=opp,
            competitor=competitor,
            their_offer=payload.their_offer,
            threat=payload.threat,
            strengths=payload.strengths[:300],
            weaknesses=payload.weaknesses[:300],
        )
    except ValidationError as exc:
        raise _invalid(exc, "competitor") from None
    return _competitors_out(opp)


@router.get(
    "/opportunities/{id}/stage-history",
    response={200: list[HistoryOut], **ERRORS},
    summary="An opportunity's stage history",
)
def get_stage_history(request, id: int):
    opp = _opp(request, id, Action.VIEW)
    return [
        {
            "stage": h.stage.name,
            "amount": h.amount,
            "probability": h.probability,
            "expected_close": h.expected_close.isoformat() if h.expected_close else None,
            "changed_by": h.changed_by.username if h.changed_by else None,
            "changed_at": h.changed_at.isoformat(),
        }
        for h in opp.stage_history.select_related("stage", "changed_by")
    ]
