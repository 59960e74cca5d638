"""Opportunity services: the only write path for deals, pipelines, stages and competitors.

Contract (called by leads, follow-ups and the customer lifecycle):

    opportunity_create(*, actor, customer, name, amount=None, pipeline=None, stage=None, owner=None,
                       expected_close=None, contact=None, source="", lines=()) -> Opportunity
    opportunity_update(*, actor, opportunity, expected_version, **fields) -> Opportunity
    move_stage(*, actor, opportunity, stage, expected_version, reason="", probability=None) -> Opportunity
    default_pipeline() -> Pipeline

Every change of stage, amount, probability or expected close date writes a StageHistory snapshot
(who and when). Winning sets `closed_at`, forecast "closed" and calls the customer lifecycle's
`on_deal_won`; losing needs a reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opensales.audit.services import diff, record
from opensales.core.history import stamp
from opensales.core.versioning import StaleEdit

from .models import (
    Competitor,
    DealCompetitor,
    ForecastCategory,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Stage,
    StageHistory,
    Threat,
)

# The two pipelines every installation starts with (name, [(stage, probability, won, lost)]).
DEFAULT_PIPELINES: list[tuple[str, list[tuple[str, int, bool, bool]]]] = [
    (
        "项目型销售",
        [
            ("初步接洽", 10, False, False),
            ("需求确认", 25, False, False),
            ("方案报价", 50, False, False),
            ("商务谈判", 75, False, False),
            ("赢单", 100, True, False),
            ("输单", 0, False, True),
        ],
    ),
    (
        "渠道型销售",
        [
            ("渠道报备", 10, False, False),
            ("样品试用", 30, False, False),
            ("批量报价", 60, False, False),
            ("合同签订", 90, False, False),
            ("赢单", 100, True, False),
            ("输单", 0, False, True),
        ],
    ),
]

UPDATABLE = (
    "name",
    "customer",
    "amount",
    "expected_close",
    "probability",
    "forecast_category",
    "owner",
    "source",
    "contact",
    "description",
)
SNAPSHOT_FIELDS = ("stage_id", "amount", "probability", "expected_close")


# --- pipelines and stages ---------------------------------------------------------------------------


def ensure_default_pipelines() -> list[Pipeline]:
    """Create the built-in pipelines when there is none at all (lazy: a fresh database gets them on
    first use, so tests and new installations need no data migration). The usual answer, "there are
    some", is read outside a transaction: on SQLite an atomic block here took the write lock on every
    board and form GET."""
    if Pipeline.objects.exists():
        return list(Pipeline.objects.all())
    with transaction.atomic():
        return _create_default_pipelines()


def _create_default_pipelines() -> list[Pipeline]:
    made = []
    for order, (name, stages) in enumerate(DEFAULT_PIPELINES):
        pipeline = Pipeline.objects.create(name=name, sort_order=order, is_default=order == 0)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=s, sort_order=i, probability=p, is_won=won, is_lost=lost)
            for i, (s, p, won, lost) in enumerate(stages)
        )
        made.append(pipeline)
    return made


def default_pipeline() -> Pipeline:
    return default_of(list(Pipeline.objects.all()) or ensure_default_pipelines())


def default_of(pipelines: list[Pipeline]) -> Pipeline:
    """The default among `pipelines` (a handful, read once): the active one marked default, else the first
    active one, else the first."""
    active = [p for p in pipelines if p.is_active]
    if active:
        return min(active, key=lambda p: (not p.is_default, p.sort_order, p.pk))
    return min(pipelines, key=lambda p: (p.sort_order, p.pk))


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.order_by("sort_order", "pk").first()
    if stage is None:
        raise ValidationError({"stage": _("The pipeline “%(name)s” has no stages.") % {"name": pipeline}})
    return stage


@transaction.atomic
def pipeline_save(
    *,
    actor: Any,
    pipeline: Pipeline | None = None,
    name: str,
    is_default: bool = False,
    is_active: bool = True,
    sort_order: int = 0,
) -> Pipeline:
    creating = pipeline is None
    pipeline = pipeline or Pipeline()
    pipeline.name, pipeline.is_default = name.strip(), is_default
    pipeline.is_active, pipeline.sort_order = is_active, sort_order
    pipeline.full_clean()
    pipeline.save()
    if is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).update(is_default=False)
    record(
        action="pipeline.create" if creating else "pipeline.update",
        actor=actor,
        obj=pipeline,
        changes={"name": name, "is_default": is_default, "is_active": is_active},
    )
    return pipeline


@transaction.atomic
def stage_save(
    *,
    actor: Any,
    pipeline: Pipeline,
    stage: Stage | None = None,
    name: str,
    probability: int,
    is_won: bool = False,
    is_lost: bool = False,
) -> Stage:
    if is_won and is_lost:
        raise ValidationError({"is_lost": _("A stage cannot be both won and lost.")})
    creating = stage is None
    if stage is None:
        last = pipeline.stages.aggregate(m=Max("sort_order"))["m"]
        stage = Stage(pipeline=pipeline, sort_order=(last + 1) if last is not None else 0)
    stage.name, stage.probability, stage.is_won, stage.is_lost = name.strip(), probability, is_won, is_lost
    stage.full_clean()
    stage.save()
    record(
        action="stage.create" if creating else "stage.update",
        actor=actor,
        obj=stage,
        changes={
            "pipeline": pipeline.name,
            "name": stage.name,
            "probability": probability,
            "is_won": is_won,
            "is_lost": is_lost,
        },
    )
    return stage


@transaction.atomic
def stages_reorder(*, actor: Any, pipeline: Pipeline, stage_ids: list[int]) -> None:
    stages = {s.pk: s for s in pipeline.stages.all()}
    if set(stage_ids) != set(stages):
        raise ValidationError(_("The order must name every stage of the pipeline once."))
    for order, pk in enumerate(stage_ids):
        stages[pk].sort_order = order
    Stage.objects.bulk_update(stages.values(), ["sort_order"])
    record(action="stage.reorder", actor=actor, obj=pipeline, changes={"order": stage_ids})


@transaction.atomic
def stage_delete(*, actor: Any, stage: Stage) -> None:
    if (
        Opportunity.objects.unscoped(reason="stage in use").filter(stage=stage).exists()
        or StageHistory.objects.filter(stage=stage).exists()
    ):
        raise ValidationError(_("This stage is used by opportunities and cannot be deleted."))
    record(action="stage.delete", actor=actor, obj=stage, changes={"pipeline": stage.pipeline.name})
    stage.delete()


# --- opportunities ---------------------------------------------------------------------------------


def _snapshot(opp: Opportunity, actor: Any) -> StageHistory:
    return StageHistory.objects.create(
        opportunity=opp,
        stage_id=opp.stage_id,
        amount=opp.amount,
        probability=opp.probability,
        expected_close=opp.expected_close,
        changed_by=actor if getattr(actor, "pk", None) else None,
    )


def _values(opp: Opportunity) -> dict[str, Any]:
    return {name: getattr(opp, name) for name in SNAPSHOT_FIELDS}


def _line_objects(opp: Opportunity, lines: Iterable[dict[str, Any]]) -> list[OpportunityLine]:
    out = []
    for i, line in enumerate(lines):
        product = line.get("product")
        if product is None:
            raise ValidationError({"lines": _("Each line needs a product.")})
        unit_price = line.get("unit_price")
        if unit_price in (None, ""):
            unit_price = product.list_price
        obj = OpportunityLine(
            opportunity=opp,
            product=product,
            quantity=Decimal(str(line.get("quantity") or 1)),
            unit_price=Decimal(str(unit_price)),
            discount=Decimal(str(line.get("discount") or 0)),
            sort_order=i,
        )
        if obj.quantity <= 0:
            raise ValidationError({"lines": _("The quantity must be more than zero.")})
        if obj.unit_price < 0:
            raise ValidationError({"lines": _("The unit price cannot be negative.")})
        if not Decimal(0) <= obj.discount <= Decimal(100):
            raise ValidationError({"lines": _("The discount must be between 0 and 100%.")})
        out.append(obj)
    return out


def _apply_close(opp: Opportunity, stage: Stage, reason: str) -> None:
    if stage.is_won:
        opp.closed_at = timezone.localdate()
        opp.forecast_category = ForecastCategory.CLOSED
        opp.close_reason = reason
    elif stage.is_lost:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the deal was lost.")})
        opp.closed_at = timezone.localdate()
        opp.forecast_category = ForecastCategory.OMITTED
        opp.close_reason = reason.strip()
    else:
        if opp.closed_at is not None:
            opp.forecast_category = ForecastCategory.PIPELINE
        opp.closed_at = None
        opp.close_reason = ""


def _deal_won(opp: Opportunity, actor: Any) -> None:
    try:
        from opensales.customers.lifecycle import on_deal_won
    except ImportError:  # the customer lifecycle is not installed yet
        return
    on_deal_won(customer=opp.customer, opportunity=opp, actor=actor)


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    customer: Any,
    name: str,
    amount: Decimal | None = None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    owner: Any = None,
    expected_close: datetime.date | None = None,
    contact: Any = None,
    source: str = "",
    lines: Iterable[dict[str, Any]] = (),
    probability: int | None = None,
    forecast_category: str = "",
    description: str = "",
    reason: str = "",
) -> Opportunity:
    pipeline = pipeline or (stage.pipeline if stage is not None else default_pipeline())
    stage = stage or first_stage(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": _("The stage does not belong to the pipeline.")})
    owner = owner or actor
    if owner is None:
        raise ValidationError({"owner": _("An opportunity needs an owner.")})
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": _("The contact does not belong to this customer.")})
    opp = Opportunity(
        customer=customer,
        name=(name or "").strip(),
        pipeline=pipeline,
        stage=stage,
        owner=owner,
        expected_close=expected_close,
        contact=contact,
        source=source or "",
        description=description or "",
        probability=stage.probability if probability is None else probability,
        forecast_category=forecast_category or ForecastCategory.PIPELINE,
    )
    line_objs = _line_objects(opp, lines)
    if amount is not None:
        opp.amount = Decimal(str(amount))
    elif line_objs:
        opp.amount = sum((line.total for line in line_objs), Decimal("0"))
    _apply_close(opp, stage, reason)
    opp.full_clean()
    stamp(opp, actor)
    opp.save()
    if line_objs:
        OpportunityLine.objects.bulk_create(line_objs)
    _snapshot(opp, actor)
    record(
        action="opportunity.create",
        actor=actor,
        obj=opp,
        changes={
            "customer": str(customer),
            "amount": str(opp.amount),
            "pipeline": pipeline.name,
            "stage": stage.name,
            "owner": str(owner),
            "lines": len(line_objs),
        },
    )
    if stage.is_won:
        _deal_won(opp, actor)
    return opp


def _locked(opp: Opportunity, expected_version: int | None) -> Opportunity:
    current = Opportunity.objects.unscoped(reason="service write").select_for_update().get(pk=opp.pk)
    if expected_version is None or int(expected_version) != current.version:
        raise StaleEdit(current)
    return current


def _save(opp: Opportunity, actor: Any, before: dict[str, Any]) -> Opportunity:
    """Validate, bump the version, save, and snapshot when a tracked value changed."""
    opp.full_clean()
    opp.version = F("version") + 1
    stamp(opp, actor)
    opp.save()
    opp.refresh_from_db()
    after = _values(opp)
    if after != before:
        _snapshot(opp, actor)
    return opp


@transaction.atomic
def opportunity_update(*, actor: Any, opportunity: Opportunity, expected_version: int | None, **fields: Any):
    """Change the opportunity's fields (not its stage: use move_stage)."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"opportunity_update cannot change {sorted(unknown)}")
    opp = _locked(opportunity, expected_version)
    before = _values(opp)
    old = {name: getattr(opp, name) for name in fields}
    for name, value in fields.items():
        if name in ("amount",) and value is None:
            continue
        setattr(opp, name, value.strip() if isinstance(value, str) else value)
    if opp.contact_id and opp.contact.customer_id != opp.customer_id:
        raise ValidationError({"contact": _("The contact does not belong to this customer.")})
    _save(opp, actor, before)
    changes = diff(
        {k: str(v) if v is not None else None for k, v in old.items()},
        {k: str(getattr(opp, k)) if getattr(opp, k) is not None else None for k in fields},
    )
    record(action="opportunity.update", actor=actor, obj=opp, changes=changes)
    return opp


@transaction.atomic
def move_stage(
    *,
    actor: Any,
    opportunity: Opportunity,
    stage: Stage,
    expected_version: int | None,
    reason: str = "",
    probability: int | None = None,
) -> Opportunity:
    opp = _locked(opportunity, expected_version)
    if stage.pipeline_id != opp.pipeline_id:
        raise ValidationError({"stage": _("The stage does not belong to this opportunity's pipeline.")})
    if stage.pk == opp.stage_id and probability is None:
        return opp
    before = _values(opp)
    old_stage = opp.stage
    was_won = old_stage.is_won
    opp.stage = stage
    opp.probability = stage.probability if probability is None else probability
    _apply_close(opp, stage, reason)
    _save(opp, actor, before)
    record(
        action="opportunity.move_stage",
        actor=actor,
        obj=opp,
        changes={"stage": [old_stage.name, stage.name], "reason": reason}
        if reason
        else {"stage": [old_stage.name, stage.name]},
    )
    if stage.is_won and not was_won:
        _deal_won(opp, actor)
    return opp


@transaction.atomic
def set_lines(
    *, actor: Any, opportunity: Opportunity, lines: Iterable[dict[str, Any]], expected_version: int | None
) -> Opportunity:
    """Replace the product lines; the amount becomes their total."""
    opp = _locked(opportunity, expected_version)
    before = _values(opp)
    line_objs = _line_objects(opp, lines)
    OpportunityLine.objects.filter(opportunity=opp).delete()
    OpportunityLine.objects.bulk_create(line_objs)
    opp.amount = sum((line.total for line in line_objs), Decimal("0"))
    _save(opp, actor, before)
    record(
        action="opportunity.lines",
        actor=actor,
        obj=opp,
        changes={
            "lines": [
                {
                    "product": line.product.code,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "discount": str(line.discount),
                }
                for line in line_objs
            ],
            "amount": str(opp.amount),
        },
    )
    return opp


def set_last_follow_up(*, opportunity: Opportunity, when: datetime.datetime) -> None:
    """For the follow-up services: note the latest follow-up (no version bump, no snapshot)."""
    later = Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=when)
    Opportunity.objects.unscoped(reason="follow-up recorded").filter(later, pk=opportunity.pk).update(
        last_follow_up_at=when
    )


# --- competitors -------------------------------------------------------------------------------------

COMPETITOR_FIELDS = ("name", "website", "profile", "products", "strengths", "weaknesses")


@transaction.atomic
def competitor_create(*, actor: Any, name: str, **fields: Any) -> Competitor:
    competitor = Competitor(name=name.strip(), **{k: v for k, v in fields.items() if k in COMPETITOR_FIELDS})
    competitor.full_clean()
    stamp(competitor, actor)
    competitor.save()
    record(action="competitor.create", actor=actor, obj=competitor, changes={"name": competitor.name})
    return competitor


@transaction.atomic
def competitor_update(*, actor: Any, competitor: Competitor, expected_version: int | None, **fields: Any):
    current = Competitor.objects.unscoped(reason="service write").select_for_update().get(pk=competitor.pk)
    if expected_version is None or int(expected_version) != current.version:
        raise StaleEdit(current)
    before = {k: getattr(current, k) for k in fields}
    for name, value in fields.items():
        if name not in COMPETITOR_FIELDS:
            raise ValueError(f"competitor_update cannot change {name}")
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.full_clean()
    current.version = F("version") + 1
    stamp(current, actor)
    current.save()
    current.refresh_from_db()
    record(
        action="competitor.update",
        actor=actor,
        obj=current,
        changes=diff(before, {k: getattr(current, k) for k in fields}),
    )
    return current


@transaction.atomic
def deal_competitor_save(
    *,
    actor: Any,
    opportunity: Opportunity,
    competitor: Competitor,
    their_offer: Decimal | None = None,
    strengths: str = "",
    weaknesses: str = "",
    threat: str = Threat.MEDIUM,
) -> DealCompetitor:
    """Add a competitor to the deal, or change what is known about them on it."""
    row, created = DealCompetitor.objects.get_or_create(
        opportunity=opportunity,
        competitor=competitor,
        defaults={
            "their_offer": their_offer,
            "strengths": strengths,
            "weaknesses": weaknesses,
            "threat": threat,
        },
    )
    if not created:
        row.their_offer, row.strengths, row.weaknesses, row.threat = (
            their_offer,
            strengths,
            weaknesses,
            threat,
        )
    row.full_clean(exclude=["opportunity", "competitor"])
    row.save()
    record(
        action="opportunity.competitor",
        actor=actor,
        obj=opportunity,
        changes={
            "competitor": competitor.name,
            "threat": threat,
            "their_offer": str(their_offer) if their_offer is not None else None,
        },
    )
    return row


@transaction.atomic
def deal_competitor_remove(*, actor: Any, opportunity: Opportunity, competitor: Competitor) -> None:
    deleted, _rows = DealCompetitor.objects.filter(opportunity=opportunity, competitor=competitor).delete()
    if deleted:
        record(
            action="opportunity.competitor_remove",
            actor=actor,
            obj=opportunity,
            changes={"competitor": competitor.name},
        )
