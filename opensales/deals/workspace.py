"""Opportunities (key "opportunities") and competitors (key "competitors") on the workspace."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opensales.activities.templatetags.follow_ups import tab_visible as follow_ups_tab_visible
from opensales.bulk import actions as bulk
from opensales.core.actions import Action
from opensales.core.forms import remote_picker
from opensales.core.scope import can, has_action
from opensales.workspace.cells import money_cell
from opensales.workspace.filters import DateRangeFilter, WorkspaceFilterSet
from opensales.workspace.registry import Column, ModelView, Tab, register
from opensales.workspace.views import ObjectDetailView

from . import selectors, services
from .forms import CompetitorForm, DealCompetitorForm, LineFormSet, OpportunityForm
from .models import Competitor, ForecastCategory, Opportunity, Pipeline, Stage

User = get_user_model()


class OpportunityFilter(WorkspaceFilterSet):
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=None)
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    pipeline = django_filters.ModelChoiceFilter(label=_("Pipeline"), queryset=Pipeline.objects.all())
    stage = django_filters.ModelChoiceFilter(label=_("Stage"), queryset=Stage.objects.all())
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("Open")), ("won", _("Won")), ("lost", _("Lost"))],
        method="filter_status",
    )
    forecast_category = django_filters.ChoiceFilter(
        label=_("Forecast category"), choices=ForecastCategory.choices
    )
    amount = django_filters.RangeFilter(label=_("Amount"))
    expected_close = DateRangeFilter(label=_("Expected close date"))
    stale = django_filters.BooleanFilter(label=_("Stale"), method="filter_stale")

    search_fields = ("name", "customer__name")

    class Meta(WorkspaceFilterSet.Meta):
        model = Opportunity
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is None:
            return
        from opensales.customers.models import Customer
        from opensales.org.views.common import visible_users

        self.filters["customer"].queryset = Customer.objects.visible_to(self.user, Action.VIEW)
        self.filters["owner"].queryset = visible_users(self.user, include=self.user)

    @property
    def form(self):
        form = super().form
        if getattr(form, "_deals_ready", False):
            return form
        form._deals_ready = True
        from django.urls import reverse

        for name, url in (
            ("customer", reverse("workspace:picker", args=["customers"])),
            ("owner", reverse("workspace:user_picker")),
        ):
            remote_picker(form.fields[name], url)
        stage = form.fields["stage"]
        stage.label_from_instance = lambda s: f"{s.pipeline.name} · {s.name}"
        stage.queryset = Stage.objects.select_related("pipeline").order_by(
            "pipeline__sort_order", "sort_order"
        )
        form.fields["q"].widget.attrs["placeholder"] = _("Name or customer")
        return form

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(selectors.open_q())
        if value == "won":
            return queryset.filter(stage__is_won=True)
        if value == "lost":
            return queryset.filter(stage__is_lost=True)
        return queryset

    def filter_stale(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(selectors.stale_q()) if value else queryset.exclude(selectors.stale_q())


def _stale(opp: Opportunity) -> bool:
    flag = getattr(opp, "is_stale", None)
    return selectors.is_stale(opp) if flag is None else flag


# The list's cells in Python (workspace/cells.py): the HTML of deals/cells/stage.html and stale.html.
def _stage_cell(opp: Opportunity, value: Any) -> str:
    stage = opp.stage
    badge = "bg-green-lt" if stage.is_won else "bg-red-lt" if stage.is_lost else "bg-blue-lt"
    return format_html('<span class="badge {}">{}</span>', badge, stage.name)


def _stale_cell(opp: Opportunity, value: Any) -> str:
    if not value:
        return ""
    return format_html(
        '<span class="badge bg-orange-lt" data-testid="stale-badge" title="{}">'
        '<i class="ti ti-clock-exclamation me-1"></i>{}</span>',
        gettext("No recent follow-up, or the expected close date has passed"),
        gettext("Stale"),
    )


@register
class OpportunityView(ModelView):
    model = Opportunity
    key = "opportunities"
    namespace, name = "deals", "opportunity"
    icon = "ti-briefcase"
    filterset_class = OpportunityFilter
    select_related = ("customer", "owner", "stage", "pipeline")
    default_sort = "-created"
    tags = True
    bulk_actions = bulk.BUILT_IN
    form_class = OpportunityForm
    detail_view_class = None  # set below
    columns = (
        Column("name", _("Name"), sort="name", required=True),
        Column(
            "customer",
            _("Customer"),
            sort="customer__name",
            needs=("customer__name",),
            css="d-none d-sm-table-cell",
        ),
        Column(
            "amount",
            _("Amount"),
            sort="amount",
            render=money_cell,
            css="text-end text-nowrap",
        ),
        Column("stage", _("Stage"), sort="stage__sort_order", render=_stage_cell, needs=("stage__name",)),
        Column(
            "probability", _("Probability (%)"), sort="probability", css="text-end d-none d-md-table-cell"
        ),
        Column(
            "weighted",
            _("Weighted amount"),
            value=selectors.weighted,
            needs=("amount", "probability"),
            render=money_cell,
            css="text-end text-nowrap d-none d-lg-table-cell",
        ),
        Column(
            "expected_close",
            _("Expected close date"),
            sort="expected_close",
            css="text-nowrap d-none d-md-table-cell",
        ),
        Column(
            "owner",
            _("Owner"),
            value="owner.get_full_name",
            needs=User.name_fields("owner"),
            sort="owner__full_name",
            css="d-none d-md-table-cell",
        ),
        Column("last_follow_up_at", _("Last follow-up"), sort="last_follow_up_at", default=False),
        Column(
            "stale",
            _("Stale"),
            value=_stale,
            render=_stale_cell,
            needs=("stage__is_won", "stage__is_lost", "last_follow_up_at", "created_at", "expected_close"),
        ),
        Column("pipeline", _("Pipeline"), sort="pipeline__name", needs=("pipeline__name",), default=False),
        Column(
            "forecast_category", _("Forecast category"), value="get_forecast_category_display", default=False
        ),
        Column("closed_at", _("Closed on"), sort="closed_at", default=False),
        Column("close_reason", _("Won or lost reason"), default=False),
        Column("source", _("Source"), default=False),
        Column("created", _("Created"), value="created_at", sort="created_at", default=False),
    )
    tabs = (
        Tab("lines", _("Products"), "deals/tabs/lines.html", icon="ti-package"),
        Tab("competitors", _("Competitors"), "deals/tabs/competitors.html", icon="ti-swords"),
        Tab("stages", _("Stage history"), "deals/tabs/stage_history.html", icon="ti-timeline"),
        Tab(
            "follow_ups",
            _("Follow-ups"),
            "activities/tabs/follow_ups.html",
            icon="ti-message-circle",
            visible=follow_ups_tab_visible,
        ),
    )

    @classmethod
    def prepare_rows(cls, records, user=None):
        records = super().prepare_rows(records, user)
        import django.utils.timezone as tz

        now = tz.now()
        for r in records:
            r.is_stale = selectors.is_stale(r, now)
        return records

    @classmethod
    def get_form(cls, request: Any, record: Opportunity | None, data: Any = None) -> Any:
        return OpportunityForm(data, user=request.user, instance=record, initial=cls.initial(request, record))

    @classmethod
    def initial(cls, request: Any, record: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("customer", "pipeline"):
            value = request.GET.get(name, "")
            if value.isdigit():
                out[name] = int(value)
        return out

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Opportunity:
        return services.opportunity_create(
            actor=actor,
            customer=data["customer"],
            name=data["name"],
            amount=data.get("amount"),
            pipeline=data.get("pipeline"),
            stage=data.get("stage"),
            owner=data.get("owner") or actor,
            expected_close=data.get("expected_close"),
            contact=data.get("contact"),
            source=data.get("source") or "",
            probability=data.get("probability"),
            forecast_category=data.get("forecast_category") or "",
            description=data.get("description") or "",
        )

    @classmethod
    def update(
        cls, actor: Any, record: Opportunity, data: dict[str, Any], version: int | None
    ) -> Opportunity:
        fields = {k: data[k] for k in services.UPDATABLE if k in data}
        fields["owner"] = data.get("owner") or record.owner
        if fields.get("probability") is None:
            fields.pop("probability", None)
        return services.opportunity_update(
            actor=actor, opportunity=record, expected_version=version, **fields
        )

    @classmethod
    def current_values(cls, record: Opportunity, form: Any) -> dict[str, Any]:
        return {name: getattr(record, name) for name in form.fields if hasattr(record, name)}


class OpportunityDetailView(ObjectDetailView):
    template_name = "deals/opportunity_detail.html"

    def extra_context(self, record: Opportunity) -> dict[str, Any]:
        user = self.request.user
        may_change = has_action(user, Opportunity, Action.CHANGE) and can(user, Action.CHANGE, record)
        lines = list(record.lines.select_related("product"))
        initial = [
            {
                "product": ln.product_id,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
            }
            for ln in lines
        ]
        return {
            "opp": record,
            "stages": list(record.pipeline.stages.order_by("sort_order", "pk")),
            "lines": lines,
            "lines_total": sum((ln.total for ln in lines), 0),
            "line_formset": LineFormSet(initial=initial, user=user, prefix="lines") if may_change else None,
            "deal_competitors": list(record.competitors.select_related("competitor")),
            "competitor_form": DealCompetitorForm(user=user) if may_change else None,
            "history_rows": list(record.stage_history.select_related("stage", "changed_by")[:100]),
            "may_move": may_change,
            "may_log_follow_up": has_action(user, "activities.followup", Action.ADD),
            "is_stale": selectors.is_stale(record),
            "weighted": selectors.weighted(record),
        }


OpportunityView.detail_view_class = OpportunityDetailView


# --- Competitors --------------------------------------------------------------------------------


class CompetitorFilter(WorkspaceFilterSet):
    search_fields = ("name", "products", "profile")

    class Meta(WorkspaceFilterSet.Meta):
        model = Competitor
        fields: list[str] = []


@register
class CompetitorView(ModelView):
    model = Competitor
    key = "competitors"
    namespace, name = "deals", "competitor"
    icon = "ti-swords"
    filterset_class = CompetitorFilter
    default_sort = "name"
    bulk_actions = (bulk.DELETE,)
    form_class = CompetitorForm
    columns = (
        Column("name", _("Name"), sort="name", required=True),
        Column("website", _("Website"), css="d-none d-md-table-cell"),
        Column("products", _("Their products"), css="d-none d-lg-table-cell"),
        Column(
            "deal_count",
            _("Deals"),
            value=lambda c: getattr(c, "deal_count", None),
            css="text-end",
        ),
        Column("strengths", _("Strengths"), default=False),
        Column("weaknesses", _("Weaknesses"), default=False),
    )

    @classmethod
    def prepare_rows(cls, records, user=None):
        records = super().prepare_rows(records, user)
        if user is not None and records:
            counts = dict(
                Opportunity.objects.visible_to(user, Action.VIEW)
                .filter(competitors__competitor__in=[c.pk for c in records])
                .order_by()
                .values_list("competitors__competitor")
                .annotate(n=Count("pk", distinct=True))
            )
            for c in records:
                c.deal_count = counts.get(c.pk, 0)
        return records

    @classmethod
    def get_form(cls, request: Any, record: Competitor | None, data: Any = None) -> Any:
        return CompetitorForm(data, instance=record, user=request.user)

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Competitor:
        return services.competitor_create(actor=actor, **data)

    @classmethod
    def update(cls, actor: Any, record: Competitor, data: dict[str, Any], version: int | None) -> Competitor:
        return services.competitor_update(actor=actor, competitor=record, expected_version=version, **data)


class CompetitorDetailView(ObjectDetailView):
    template_name = "deals/competitor_detail.html"

    def extra_context(self, record: Competitor) -> dict[str, Any]:
        return {"stats": selectors.competitor_record(self.request.user, record)}


CompetitorView.detail_view_class = CompetitorDetailView

__all__ = ["CompetitorView", "OpportunityView"]
