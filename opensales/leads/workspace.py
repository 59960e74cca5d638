"""Leads on the workspace: the list with its filters and bulk actions, the form, the detail page."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from opensales.activities.templatetags.follow_ups import tab_visible as follow_ups_tab_visible
from opensales.bulk import actions as bulk
from opensales.core.actions import Action
from opensales.core.masking import mask_value
from opensales.core.scope import can, has_action
from opensales.workspace.filters import DateRangeFilter, WorkspaceFilterSet
from opensales.workspace.registry import BulkAction, Column, ModelView, Tab, register
from opensales.workspace.views import ObjectDetailView, ObjectEditView

from . import services
from .forms import LeadForm, source_choices
from .models import Lead, LeadStatus

User = get_user_model()


class OwnerFilterField(django_filters.ModelChoiceFilter):
    pass


class LeadFilter(WorkspaceFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LeadStatus.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=lambda: source_choices()[1:], empty_label=_("All")
    )
    region = django_filters.CharFilter(label=_("Region code"), field_name="region", lookup_expr="startswith")
    score = django_filters.RangeFilter(label=_("Score"))
    created_at = DateRangeFilter(label=_("Created"))
    unassigned = django_filters.BooleanFilter(label=_("Unassigned"), field_name="owner", lookup_expr="isnull")

    search_fields = ("company", "contact_name")

    class Meta:
        model = Lead
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is not None:
            owners = self.filters["owner"]
            owners.queryset = bulk.assignable_users(self.user)

    @property
    def form(self):
        form = super().form
        form.fields["owner"].label_from_instance = lambda u: u.get_full_name()
        form.fields["q"].widget.attrs.update({"placeholder": _("Company, name or phone")})
        form.fields["region"].widget.attrs.update({"placeholder": "31", "inputmode": "numeric"})
        for widget in form.fields["score"].widget.widgets:
            widget.attrs.update({"class": "form-control", "type": "number", "min": "0"})
        return form


def _phone(lead: Lead) -> str:
    if getattr(lead, "unmasked", False):
        return lead.phone or ""
    return mask_value("phone", lead.phone) if lead.phone else ""


def _owner(lead: Lead) -> str:
    return lead.owner.get_full_name() if lead.owner_id else ""


def _region(lead: Lead) -> str:
    from opensales.customers.regions import region_name

    return region_name(lead.region) if lead.region else ""


def _source(lead: Lead) -> str:
    return dict(source_choices()).get(lead.source, lead.source) if lead.source else ""


def _assign(actor: Any, queryset: Any, params: dict[str, Any]) -> int:
    owner = User.objects.get(pk=params["owner"])
    changed = 0
    for lead in queryset:
        if lead.owner_id != owner.pk and lead.status != LeadStatus.CONVERTED:
            services.lead_assign(actor=actor, lead=lead, owner=owner)
            changed += 1
    return changed


ASSIGN = BulkAction(
    "assign",
    _("Assign"),
    action=Action.ASSIGN,
    icon="ti-user-share",
    form_class=bulk.ChangeOwnerForm,
    run=_assign,
)


@register
class LeadView(ModelView):
    model = Lead
    key = "leads"
    namespace, name = "leads", "lead"
    icon = "ti-target"
    filterset_class = LeadFilter
    select_related = ("owner",)
    default_sort = "-created"
    tags = True
    bulk_actions = (ASSIGN, bulk.ADD_TAGS, bulk.REMOVE_TAGS, bulk.DELETE)
    form_class = LeadForm
    tabs = (
        Tab(
            "follow_ups",
            _("Follow-ups"),
            "activities/tabs/follow_ups.html",
            icon="ti-message-circle",
            visible=follow_ups_tab_visible,
        ),
    )
    columns = (
        Column("company", _("Company"), sort="company", required=True),
        Column("contact_name", _("Contact name"), sort="contact_name"),
        Column("phone", _("Phone"), value=_phone, needs=("phone",), css="text-nowrap"),
        Column(
            "status",
            _("Status"),
            value="get_status_display",
            sort="status",
            template="leads/cells/status.html",
        ),
        Column(
            "owner",
            _("Owner"),
            value=_owner,
            sort="owner__full_name",
            needs=User.name_fields("owner"),
            css="d-none d-md-table-cell",
        ),
        Column("score", _("Score"), sort="score", css="text-end d-none d-md-table-cell"),
        Column(
            "source",
            _("Source"),
            value=_source,
            needs=("source",),
            sort="source",
            css="d-none d-lg-table-cell",
        ),
        Column(
            "region",
            _("Region"),
            value=_region,
            needs=("region",),
            export=lambda lead: lead.region,
            sort="region",
            css="d-none d-lg-table-cell",
        ),
        Column("created", _("Created"), value="created_at", sort="created_at", css="d-none d-lg-table-cell"),
        Column(
            "last_follow_up",
            _("Last follow-up"),
            value="last_follow_up_at",
            sort="last_follow_up_at",
            default=False,
        ),
        Column("invalid_reason", _("Reason it is invalid"), default=False),
    )

    @classmethod
    def prepare_rows(cls, records, user=None):
        records = super().prepare_rows(records, user)
        unmask = user is not None and has_action(user, Lead, Action.UNMASK)
        for record in records:
            record.unmasked = unmask
        return records

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Lead:
        fields = {k: v for k, v in data.items() if k in services.EDITABLE}
        if "owner" not in data:  # a rep (no assign action): their own lead
            return services.lead_create(actor=actor, owner=actor, **fields)
        # Owner left empty: the assignment rules place it like a web-form lead; no rule fits: the author.
        return services.lead_create(
            actor=actor, owner=data["owner"], assign_on_arrival=True, fallback_owner=actor, **fields
        )

    @classmethod
    def update(cls, actor: Any, record: Lead, data: dict[str, Any], version: int | None) -> Lead:
        fields = {k: v for k, v in data.items() if k in services.EDITABLE or (k == "owner" and v is not None)}
        return services.lead_update(actor=actor, lead=record, expected_version=version, **fields)


class LeadEditView(ObjectEditView):
    template_name = "leads/lead_form.html"


class LeadDetailView(ObjectDetailView):
    template_name = "leads/lead_detail.html"

    def extra_context(self, record: Lead) -> dict[str, Any]:
        from opensales.workspace.registry import view_for

        user = self.request.user
        may_change = has_action(user, Lead, Action.CHANGE) and can(user, Action.CHANGE, record)
        is_open = record.status in services.OPEN_STATUSES

        def link(obj: Any) -> str:
            mv = view_for(obj) if obj is not None else None
            if mv is None:
                return ""
            model = type(obj)
            return (
                mv.detail_url(obj)
                if model.objects.visible_to(user, Action.VIEW).filter(pk=obj.pk).exists()
                else ""
            )

        became = []
        if record.status == LeadStatus.CONVERTED:
            for label, obj in (
                (_("Customer"), record.converted_customer),
                (_("Contact"), record.converted_contact),
                (_("Opportunity"), record.converted_opportunity),
            ):
                if obj is not None:
                    became.append({"label": label, "name": str(obj), "url": link(obj)})
        from opensales.customers.models import Customer

        return {
            "lead": record,
            "became": became,
            "can_change": may_change and record.status != LeadStatus.CONVERTED,
            "can_convert": may_change and is_open and has_action(user, Customer, Action.ADD),
            "can_invalidate": may_change and is_open,
            "can_log_follow_up": is_open and has_action(user, "activities.followup", Action.ADD),
        }


LeadView.detail_view_class = LeadDetailView
LeadView.edit_view_class = LeadEditView
