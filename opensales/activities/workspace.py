"""Follow-ups on the workspace: list, detail, log (create), edit, delete and the generic API
(/api/v1/follow-ups)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opensales.bulk import actions as bulk
from opensales.core.actions import Action
from opensales.core.forms import remote_picker
from opensales.core.scope import can, has_action
from opensales.customers.models import Customer
from opensales.workspace.filters import DateRangeFilter, WorkspaceFilterSet
from opensales.workspace.registry import Column, ModelView, register
from opensales.workspace.views import ObjectDetailView

from . import services
from .forms import FollowUpForm
from .models import FollowUp, FollowUpStatus, FollowUpType

User = get_user_model()


def visible_owners(user: Any):
    """Active users whose employee record `user` may see (the owner filter, the calendar's person)."""
    from opensales.org.models import Employee

    if user is None or not has_action(user, Employee, Action.VIEW):
        return User.objects.filter(pk=getattr(user, "pk", None))
    employees = Employee.objects.visible_to(user, Action.VIEW)
    return User.objects.filter(Q(employee__in=employees) | Q(pk=user.pk)).distinct().order_by("full_name")


class FollowUpFilter(WorkspaceFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=FollowUpType.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FollowUpStatus.choices)
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.none())
    at = DateRangeFilter(label=_("Date"))
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    search_fields = ("subject", "content", "outcome", "customer__name")

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is None:
            return
        self.filters["owner"].queryset = visible_owners(self.user)
        self.filters["customer"].queryset = Customer.objects.visible_to(self.user, Action.VIEW)

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_follow_up_ready", False):
            form._follow_up_ready = True
            from opensales.workspace.registry import view_for

            owner = form.fields["owner"]
            owner.label_from_instance = lambda u: u.get_full_name() or u.username
            remote_picker(owner, reverse("workspace:user_picker"))
            remote_picker(form.fields["customer"], reverse("workspace:picker", args=[view_for(Customer).key]))
            form.fields["q"].widget.attrs["placeholder"] = _("Subject, content or customer")
        return form

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status=FollowUpStatus.PLANNED, at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


def _link(field: str):
    def read(fu: FollowUp):
        return getattr(fu, field) if getattr(fu, f"{field}_id") else None

    return read


@register
class FollowUpView(ModelView):
    model = FollowUp
    key = "follow-ups"
    namespace, name = "activities", "follow_up"
    icon = "ti-phone-call"
    filterset_class = FollowUpFilter
    select_related = ("owner", "customer", "contact", "opportunity", "lead")
    default_sort = "-at"
    bulk_actions = bulk.BUILT_IN
    form_class = FollowUpForm
    columns = (
        Column("at", _("Time"), sort="at", css="text-nowrap"),
        Column("subject", _("Subject"), sort="subject", required=True),
        Column("kind", _("Type"), value="get_kind_display", sort="kind", css="text-nowrap"),
        Column(
            "status", _("Status"), value="get_status_display", sort="status", css="d-none d-md-table-cell"
        ),
        Column(
            "customer",
            _("Customer"),
            value=_link("customer"),
            sort="customer__name",
            needs=("customer__name",),
        ),
        Column("contact", _("Contact"), value=_link("contact"), needs=("contact__name",), default=False),
        Column(
            "opportunity",
            _("Opportunity"),
            value=_link("opportunity"),
            needs=("opportunity__name",),
            default=False,
        ),
        Column(
            "lead",
            _("Lead"),
            value=_link("lead"),
            needs=("lead__company", "lead__contact_name"),
            default=False,
        ),
        Column(
            "owner",
            _("Owner"),
            value="owner.get_full_name",
            needs=User.name_fields("owner"),
            sort="owner__full_name",
            css="d-none d-md-table-cell",
        ),
        Column("outcome", _("Outcome"), css="d-none d-lg-table-cell"),
        Column("next_follow_up_at", _("Next follow-up"), sort="next_follow_up_at", default=False),
        Column("duration_minutes", _("Duration (minutes)"), sort="duration_minutes", default=False),
        Column("checkin_address", _("Check-in address"), default=False),
    )

    @classmethod
    def initial(cls, request: Any, record: Any) -> dict[str, Any]:
        """`?customer=3&contact=5&opportunity=7&lead=9&kind=visit`: prefill from the record's page."""
        from django.apps import apps

        out: dict[str, Any] = {"at": timezone.localtime().replace(second=0, microsecond=0)}
        user = request.user
        models = {
            "customer": "customers.Customer",
            "contact": "customers.Contact",
            "opportunity": "deals.Opportunity",
            "lead": "leads.Lead",
        }
        for name, label in models.items():
            value = request.GET.get(name, "")
            if not value.isdigit():
                continue
            # Only what the user may see is prefilled (an id outside the scope is dropped; the form's
            # scoped querysets refuse it on POST too).
            found = apps.get_model(label).objects.visible_to(user, Action.VIEW).filter(pk=int(value)).first()
            if found is None:
                continue
            out[name] = found.pk
            if name == "opportunity":
                out.setdefault("customer", found.customer_id)
                if found.contact_id:
                    out.setdefault("contact", found.contact_id)
            elif name == "contact":
                out.setdefault("customer", found.customer_id)
            elif name == "lead" and found.converted_customer_id:
                out.setdefault("customer", found.converted_customer_id)
        if request.GET.get("kind") in FollowUpType.values:
            out["kind"] = request.GET["kind"]
        if request.GET.get("status") in (FollowUpStatus.DONE, FollowUpStatus.PLANNED):
            out["status"] = request.GET["status"]
        return out

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> FollowUp:
        return services.log_follow_up(
            actor=actor,
            kind=data["kind"],
            status=data.get("status") or FollowUpStatus.DONE,
            subject=data["subject"],
            at=data["at"],
            duration_minutes=data["duration_minutes"] if data.get("duration_minutes") is not None else 30,
            content=data.get("content") or "",
            customer=data.get("customer"),
            contact=data.get("contact"),
            opportunity=data.get("opportunity"),
            lead=data.get("lead"),
            outcome=data.get("outcome") or "",
            next_follow_up_at=data.get("next_follow_up_at"),
        )

    @classmethod
    def update(cls, actor: Any, record: FollowUp, data: dict[str, Any], version: int | None) -> FollowUp:
        fields = {name: data[name] for name in services.EDITABLE if name in data}
        if fields.get("duration_minutes") is None:
            fields["duration_minutes"] = record.duration_minutes
        return services.update(actor=actor, follow_up=record, expected_version=version, **fields)

    @classmethod
    def delete(cls, actor: Any, record: FollowUp) -> None:
        services.delete(actor=actor, follow_up=record)

    @classmethod
    def current_values(cls, record: FollowUp, form: Any) -> dict[str, Any]:
        return {name: getattr(record, name) for name in form.fields if hasattr(record, name)}


class FollowUpDetailView(ObjectDetailView):
    template_name = "activities/follow_up_detail.html"

    def extra_context(self, record: FollowUp) -> dict[str, Any]:
        user = self.request.user
        may_change = has_action(user, FollowUp, Action.CHANGE) and can(user, Action.CHANGE, record)
        return {
            "follow_up": record,
            "is_planned": record.status == FollowUpStatus.PLANNED,
            "can_complete": may_change and record.status == FollowUpStatus.PLANNED,
            "can_check_in": may_change and record.kind == FollowUpType.VISIT,
            "is_overdue": record.status == FollowUpStatus.PLANNED and record.at < timezone.now(),
        }


FollowUpView.detail_view_class = FollowUpDetailView
