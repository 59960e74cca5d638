"""The opportunity importer (商机导入).

- The customer is named by its 统一社会信用代码 or by its name (company suffixes and full-width forms are
  ignored, as in the duplicate check). It must be a customer the importer may **view**: the same rule as
  the opportunity form, so a rep can import deals on customers they collaborate on.
- Pipeline and stage by name; the stage must belong to the pipeline (empty pipeline: the default one;
  empty stage: the pipeline's first stage). A lost stage needs the reason column.
- The owner is a username the importer may give opportunities to (`owner_choices`); empty: the importer.
- A row is matched to an existing opportunity by customer + name, so importing the same file again
  creates nothing (create mode: the row is refused; upsert: it is unchanged or updated). An existing
  opportunity outside the importer's change scope is an error, never a second record.
- Writes go through the deal services (`opportunity_create`, `opportunity_update`, `move_stage`), so the
  stage history snapshot and the audit are the same as by hand. Lookups are loaded once in `prepare`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.core.actions import Action
from opensales.core.scope import grants_for, has_action, reach_people
from opensales.imports import parsers
from opensales.imports.registry import Importer, ImportField, RowPlan, register_importer

from . import services
from .models import ForecastCategory, Opportunity, Pipeline, Stage

User = get_user_model()
CHUNK = 2000
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def owner_choices(user: Any, action: str = Action.ADD):
    """The people `user` may give opportunities to: those whose deals stay within the user's reach."""
    if user.is_superuser:
        return User.objects.filter(is_active=True).order_by("username")
    reach = grants_for(user).reach("deals.opportunity", action)
    if reach is None:
        return User.objects.none()
    if reach.all:
        return User.objects.filter(is_active=True).order_by("username")
    q = Q(pk=user.pk) | Q(pk__in=reach_people(user, reach))
    return User.objects.filter(q, is_active=True).order_by("username")


def _amount(value: str) -> Decimal:
    text = value.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not an amount.") % {"value": value}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError(_("An amount is a number from 0 up to 999 999 999 999.99."))
    return amount.quantize(Decimal("0.01"))


def _probability(value: str) -> int:
    try:
        number = int(value.rstrip("%").strip())
    except ValueError:
        raise ValidationError(_("A probability is a whole number from 0 to 100.")) from None
    if not 0 <= number <= 100:
        raise ValidationError(_("A probability is a whole number from 0 to 100."))
    return number


@register_importer
class OpportunityImporter(Importer):
    key = "opportunities"
    model = Opportunity
    key_fields = ("customer", "name")
    fields = [
        ImportField(
            "customer",
            gettext_lazy("Customer"),
            required=True,
            aliases=("客户", "客户名称", "统一社会信用代码", "customer name", "credit code"),
            help=gettext_lazy("The customer's credit code or name; a customer you can see."),
        ),
        ImportField(
            "name",
            gettext_lazy("Name"),
            required=True,
            aliases=("商机", "商机名称", "项目名称", "opportunity", "opportunity name", "deal"),
            parser=parsers.text(200),
        ),
        ImportField(
            "pipeline",
            gettext_lazy("Pipeline"),
            aliases=("销售流程", "管道", "流程"),
            help=gettext_lazy("The pipeline's name; empty: the default pipeline."),
        ),
        ImportField(
            "stage",
            gettext_lazy("Stage"),
            aliases=("阶段", "销售阶段"),
            help=gettext_lazy("A stage of the pipeline, by name; empty: its first stage."),
        ),
        ImportField(
            "amount", gettext_lazy("Amount"), aliases=("金额", "商机金额", "预计金额"), parser=_amount
        ),
        ImportField(
            "expected_close",
            gettext_lazy("Expected close date"),
            aliases=("预计成交日期", "预计签单日期", "close date"),
            parser=parsers.parse_date,
        ),
        ImportField(
            "probability",
            gettext_lazy("Probability (%)"),
            aliases=("赢率", "成交概率", "probability"),
            parser=_probability,
            help=gettext_lazy("Empty: the stage's default."),
        ),
        ImportField(
            "forecast_category",
            gettext_lazy("Forecast category"),
            aliases=("预测类别", "forecast"),
            parser=parsers.choice(
                lambda: ForecastCategory.choices, {"承诺": "commit", "最佳": "best_case", "管道": "pipeline"}
            ),
            choices=lambda: ForecastCategory.choices,
        ),
        ImportField("source", gettext_lazy("Source"), aliases=("来源", "商机来源"), parser=parsers.text(20)),
        ImportField(
            "owner",
            gettext_lazy("Owner"),
            aliases=("负责人", "销售", "owner username"),
            help=gettext_lazy("The owner's username; empty: yourself."),
        ),
        ImportField(
            "description",
            gettext_lazy("Notes"),
            aliases=("备注", "说明", "描述", "notes", "remarks"),
            parser=parsers.text(5000),
        ),
        ImportField(
            "reason",
            gettext_lazy("Won or lost reason"),
            aliases=("赢单原因", "输单原因", "原因"),
            parser=parsers.text(300),
            help=gettext_lazy("Needed when the stage is a lost stage."),
        ),
    ]

    # --- lookups, once per run ---------------------------------------------------------------------

    def prepare(self, rows: list[RowPlan]) -> None:
        from opensales.customers.dedupe import normalize_name
        from opensales.customers.models import Customer

        user = self.user
        services.ensure_default_pipelines()
        texts = {r.raw.get("customer", "").strip() for r in rows} - {""}
        codes = sorted({t.upper() for t in texts if CREDIT_CODE.match(t.upper())})
        keys = sorted({normalize_name(t) for t in texts} - {""})
        visible = Customer.objects.visible_to(user, Action.VIEW).only("pk", "name", "name_key", "credit_code")
        self._by_code: dict[str, Any] = {}
        self._by_key: dict[str, list[Any]] = {}
        for i in range(0, len(codes), CHUNK):
            for c in visible.filter(credit_code__in=codes[i : i + CHUNK]):
                self._by_code[c.credit_code] = c
        for i in range(0, len(keys), CHUNK):
            for c in visible.filter(name_key__in=keys[i : i + CHUNK]).order_by("pk"):
                self._by_key.setdefault(c.name_key, []).append(c)
        self._pipelines = {p.name: p for p in Pipeline.objects.all()}
        self._default = services.default_pipeline()
        self._stages = {(s.pipeline_id, s.name): s for s in Stage.objects.order_by("sort_order", "pk")}
        self._first = {}
        for s in self._stages.values():
            self._first.setdefault(s.pipeline_id, s)
        names = sorted({r.raw.get("owner", "") for r in rows} - {""})
        self._owners = {u.username: u for u in owner_choices(user).filter(username__in=names)}
        # Existing deals by (customer, name), whoever owns them; and which of them the user may change.
        customer_ids = sorted(
            {c.pk for c in self._by_code.values()} | {c.pk for cs in self._by_key.values() for c in cs}
        )
        deal_names = sorted({r.raw.get("name", "") for r in rows} - {""})
        base = Opportunity.objects.unscoped(reason="opportunity import: match on customer + name")
        self._existing: dict[tuple[int, str], Opportunity] = {}
        for i in range(0, len(customer_ids), CHUNK):
            found = base.filter(customer_id__in=customer_ids[i : i + CHUNK], name__in=deal_names)
            for opp in found.select_related("owner", "stage").order_by("pk"):
                self._existing.setdefault((opp.customer_id, opp.name), opp)
        self._changeable = set(
            Opportunity.objects.visible_to(user, Action.CHANGE)
            .filter(pk__in=[o.pk for o in self._existing.values()])
            .values_list("pk", flat=True)
        )
        self._may_add = has_action(user, Opportunity, Action.ADD)
        self._may_change = has_action(user, Opportunity, Action.CHANGE)

    # --- parsing --------------------------------------------------------------------------------------

    def parse_customer(self, value: str) -> Any:
        from opensales.customers.dedupe import normalize_name

        found = self._by_code.get(value.strip().upper())
        if found is not None:
            return found
        matches = self._by_key.get(normalize_name(value), [])
        exact = [c for c in matches if c.name == value.strip()]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValidationError(
                _("More than one customer is called “%(value)s”: give the credit code.") % {"value": value}
            )
        raise ValidationError(_("No customer “%(value)s” that you can see.") % {"value": value})

    def parse_pipeline(self, value: str) -> Pipeline:
        found = self._pipelines.get(value.strip())
        if found is None:
            raise ValidationError(_("No pipeline “%(value)s”.") % {"value": value})
        return found

    def parse_stage(self, value: str) -> str:
        return value.strip()  # checked against the pipeline in clean()

    def parse_owner(self, value: str) -> Any:
        owner = self._owners.get(value.strip())
        if owner is None:
            raise ValidationError(
                _("No user “%(value)s” to whom you can give opportunities.") % {"value": value}
            )
        return owner

    def display(self, name: str, value: Any) -> str:
        if name == "owner":
            return value.get_full_name() or value.username
        if name == "forecast_category":
            return str(ForecastCategory(value).label)
        return super().display(name, value)

    # --- planning -------------------------------------------------------------------------------------

    def find_existing(self, row: RowPlan) -> Opportunity | None:
        customer, name = row.values.get("customer"), row.values.get("name")
        if customer is None or not name:
            return None
        opp = self._existing.get((customer.pk, name))
        if opp is None:
            return None
        if opp.pk not in self._changeable or not self._may_change:
            raise ValidationError(
                _("The opportunity “%(name)s” of this customer exists already and you may not change it.")
                % {"name": name}
            )
        return opp

    def clean(self, row: RowPlan, mode: str) -> None:
        values = row.values
        existing: Opportunity | None = row.existing
        if row.action == "create" and not self._may_add:
            row.error(_("You may not add opportunities."))
            return
        pipeline = values.get("pipeline")
        if existing is not None:
            if pipeline is not None and pipeline.pk != existing.pipeline_id:
                row.error(_("An existing opportunity keeps its pipeline; move it on its page."))
                return
            pipeline = existing.pipeline
        pipeline = pipeline or self._default
        stage_name = values.get("stage")
        if stage_name:
            stage = self._stages.get((pipeline.pk, stage_name))
            if stage is None:
                row.error(
                    _("The pipeline “%(pipeline)s” has no stage “%(stage)s”.")
                    % {"pipeline": pipeline.name, "stage": stage_name}
                )
                return
        elif existing is not None:
            stage = existing.stage
        else:
            stage = self._first.get(pipeline.pk)
            if stage is None:
                row.error(_("The pipeline “%(name)s” has no stages.") % {"name": pipeline.name})
                return
        changes_stage = existing is None or stage.pk != existing.stage_id
        if stage.is_lost and changes_stage and not values.get("reason"):
            row.error(_("Say why the deal was lost (the reason column)."))
        row.extra["pipeline"], row.extra["stage"] = pipeline, stage

    def changes(self, row: RowPlan) -> dict[str, Any]:
        opp: Opportunity = row.existing
        out: dict[str, Any] = {}
        for name, value in row.values.items():
            if name in ("customer", "name", "pipeline", "reason"):
                continue
            if name == "stage":
                stage = row.extra.get("stage")
                if stage is not None and stage.pk != opp.stage_id:
                    out["stage"] = stage
                continue
            current = getattr(opp, "owner_id" if name == "owner" else name)
            compared = value.pk if name == "owner" else value
            if compared != current:
                out[name] = value
        return out

    # --- writing --------------------------------------------------------------------------------------

    def create(self, actor: Any, row: RowPlan) -> Opportunity:
        values = row.values
        return services.opportunity_create(
            actor=actor,
            customer=values["customer"],
            name=values["name"],
            amount=values.get("amount"),
            pipeline=row.extra["pipeline"],
            stage=row.extra["stage"],
            owner=values.get("owner") or actor,
            expected_close=values.get("expected_close"),
            source=values.get("source", ""),
            probability=values.get("probability"),
            forecast_category=values.get("forecast_category", ""),
            description=values.get("description", ""),
            reason=values.get("reason", ""),
        )

    def update(self, actor: Any, obj: Opportunity, row: RowPlan) -> Opportunity:
        fields = self.changes(row)
        stage = fields.pop("stage", None)
        probability = fields.get("probability") if stage is not None else None
        if stage is not None:
            fields.pop("probability", None)
        opp = Opportunity.objects.unscoped(reason="import update").get(pk=obj.pk)
        if fields:
            opp = services.opportunity_update(
                actor=actor, opportunity=opp, expected_version=opp.version, **fields
            )
        if stage is not None:
            opp = services.move_stage(
                actor=actor,
                opportunity=opp,
                stage=stage,
                expected_version=opp.version,
                reason=row.values.get("reason", ""),
                probability=probability,
            )
        return opp
