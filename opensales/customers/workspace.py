"""Customers and contacts on the generic workspace pages (list, 360 detail, create/edit, delete, API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opensales.activities.templatetags.follow_ups import tab_visible as follow_ups_tab_visible
from opensales.bulk import actions as bulk
from opensales.core.actions import Action
from opensales.core.forms import remote_picker
from opensales.core.masking import mask_value
from opensales.core.scope import can, has_action
from opensales.workspace.filters import DateRangeFilter, WorkspaceFilterSet
from opensales.workspace.registry import Column, ModelView, Tab, register
from opensales.workspace.views import ObjectDetailView, ObjectEditView

from . import services
from .forms import ContactForm, CustomerForm, owner_choices
from .models import Contact, Customer, DecisionRole, Grade, Industry, Lifecycle, Source
from .regions import region_name

User = get_user_model()


class RegionPrefixFilter(django_filters.CharFilter):
    """A province ("31" / "310000"), a city ("3101" / "310100") or a district: everything under it."""

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        if not value.isdigit():
            return qs.none()
        prefix = value.rstrip("0") if len(value) == 6 else value
        if len(prefix) % 2:
            prefix += "0"
        return qs.filter(region__startswith=prefix)


class CustomerFilter(WorkspaceFilterSet):
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none())
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Grade.choices)
    lifecycle = django_filters.ChoiceFilter(label=_("Lifecycle stage"), choices=Lifecycle.choices)
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    region = RegionPrefixFilter(label=_("Region code"))
    is_key_account = django_filters.BooleanFilter(label=_("Key account"))
    in_pool = django_filters.BooleanFilter(label=_("In a public pool"), method="filter_in_pool")
    created_at = DateRangeFilter(label=_("Created"))
    last_follow_up_at = DateRangeFilter(label=_("Last follow-up"))

    search_fields = ("name", "short_name", "credit_code")

    class Meta:
        model = Customer
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is not None:
            self.filters["owner"].queryset = owner_choices(self.user, Action.VIEW)

    @property
    def form(self):
        form = super().form
        if getattr(form, "_customers_ready", False):  # asked some 30 times a page (active_count…)
            return form
        form._customers_ready = True
        remote_picker(form.fields["owner"], reverse("workspace:user_picker"))
        form.fields["q"].widget.attrs.setdefault("placeholder", _("Name, pinyin, credit code or phone"))
        form.fields["region"].widget.attrs.setdefault("placeholder", _("e.g. 31 or 310115"))
        return form

    def filter_in_pool(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(owner__isnull=True, pool__isnull=False)
        return queryset.filter(q) if value else queryset.exclude(q)


def _may_unmask(user: Any, model: Any) -> bool:
    return user is not None and has_action(user, model, Action.UNMASK)


def _phone_cell(record: Customer) -> str:
    if getattr(record, "_unmasked", False):
        return record.phone
    return mask_value("phone", record.phone) if record.phone else ""


def _owner_cell(record: Customer) -> str:
    if record.owner_id is None:
        return str(_("Public pool"))
    return record.owner.get_full_name() or record.owner.username


def _contacts_tab_visible(user: Any, record: Customer) -> bool:
    return has_action(user, Contact, Action.VIEW)


def _deals_tab_visible(user: Any, record: Customer) -> bool:
    return has_action(user, "deals.opportunity", Action.VIEW)


@register
class CustomerView(ModelView):
    model = Customer
    key = "customers"
    namespace, name = "customers", "customer"
    icon = "ti-building"
    filterset_class = CustomerFilter
    select_related = ("owner", "pool")
    detail_select_related = ("owner", "pool", "parent")  # the 360 page names the parent company
    default_sort = "-created"
    tags = True
    bulk_actions = bulk.BUILT_IN
    form_class = CustomerForm
    columns = (
        Column("name", _("Name"), sort="name", required=True),
        Column("short_name", _("Short name"), sort="short_name", default=False),
        Column(
            "owner",
            _("Owner"),
            value=_owner_cell,
            sort="owner__full_name",
            needs=User.name_fields("owner"),
        ),
        Column("grade", _("Grade"), sort="grade", css="text-center"),
        Column("lifecycle", _("Lifecycle stage"), value="get_lifecycle_display", sort="lifecycle"),
        Column(
            "region",
            _("Region"),
            value=lambda c: region_name(c.region),
            needs=("region",),
            sort="region",
            css="d-none d-md-table-cell",
        ),
        Column(
            "industry",
            _("Industry"),
            value="get_industry_display",
            sort="industry",
            css="d-none d-lg-table-cell",
        ),
        Column(
            "last_follow_up",
            _("Last follow-up"),
            value="last_follow_up_at",
            sort="last_follow_up_at",
            css="d-none d-md-table-cell text-nowrap",
        ),
        Column(
            "next_follow_up",
            _("Next follow-up"),
            value="next_follow_up_at",
            sort="next_follow_up_at",
            default=False,
        ),
        Column("created", _("Created"), value="created_at", sort="created_at", default=False),
        Column("credit_code", _("Unified social credit code"), sort="credit_code", default=False),
        Column("phone", _("Phone"), value=_phone_cell, needs=("phone",), default=False, css="text-nowrap"),
        Column("key_account", _("Key account"), value="is_key_account", sort="is_key_account", default=False),
    )
    tabs = (
        Tab(
            "contacts",
            _("Contacts"),
            "customers/tabs/contacts.html",
            icon="ti-address-book",
            visible=_contacts_tab_visible,
        ),
        Tab(
            "opportunities",
            _("Opportunities"),
            "customers/tabs/opportunities.html",
            icon="ti-briefcase",
            visible=_deals_tab_visible,
        ),
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
        unmask = _may_unmask(user, Customer)
        for record in records:
            record._unmasked = unmask
        return records

    @classmethod
    def get_form(cls, request: Any, record: Customer | None, data: Any = None) -> Any:
        return CustomerForm(data, instance=record, user=request.user)

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Customer:
        fields = _customer_fields(data)
        owner = fields.pop("owner", None)
        return services.customer_create(actor=actor, owner=owner, **fields)

    @classmethod
    def update(cls, actor: Any, record: Customer, data: dict[str, Any], version: int | None) -> Customer:
        fields = _customer_fields(data)
        if "owner" in fields and fields["owner"] is None:
            fields.pop("owner")
        return services.customer_update(actor=actor, customer=record, expected_version=version, **fields)


def _customer_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    for name in ("region_province", "region_city", "region_district", "confirm_duplicates"):
        fields.pop(name, None)
    fields["tags"] = list(fields.get("tags") or [])
    return fields


class CustomerEditView(ObjectEditView):
    template_name = "customers/customer_form.html"


class CustomerDetailView(ObjectDetailView):
    """The customer 360 page: key facts, contacts with their org chart, deals and follow-ups."""

    template_name = "customers/customer_detail.html"

    def extra_context(self, record: Customer) -> dict[str, Any]:
        user = self.request.user
        from .collaboration import pending_for

        context: dict[str, Any] = {
            "customer": record,
            "region_label": region_name(record.region),
            "collaboration_requests": pending_for(user, record),
        }
        if has_action(user, Contact, Action.VIEW):
            contacts = list(
                Contact.objects.visible_to(user, Action.VIEW)
                .filter(customer=record)
                .order_by("-is_primary", "name")
            )
            context["contacts"] = contacts
            context["org_chart"] = org_chart(contacts)
            context["can_add_contact"] = has_action(user, Contact, Action.ADD) and can(
                user, Action.CHANGE, record
            )
        if has_action(user, "deals.opportunity", Action.VIEW):
            from opensales.deals.models import Opportunity

            context["opportunities"] = list(
                Opportunity.objects.visible_to(user, Action.VIEW)
                .filter(customer=record)
                .select_related("stage", "owner")
                .order_by("-created_at")[:50]
            )
        context["pool_hides_contacts"] = record.owner_id is None and not context.get("contacts")
        return context


def org_chart(contacts: list[Contact]) -> list[dict[str, Any]]:
    """Nested [{"contact", "reports": [...]}] from `reports_to`; a contact whose boss is not in the
    list (or who has none) is a root."""
    by_id = {c.pk: {"contact": c, "reports": []} for c in contacts}
    roots = []
    for c in contacts:
        node = by_id[c.pk]
        if c.reports_to_id in by_id and c.reports_to_id != c.pk:
            by_id[c.reports_to_id]["reports"].append(node)
        else:
            roots.append(node)
    return roots


CustomerView.detail_view_class = CustomerDetailView
CustomerView.edit_view_class = CustomerEditView


# --- Contacts ---------------------------------------------------------------------------------------


class ContactFilter(WorkspaceFilterSet):
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=Customer.objects.none())
    decision_role = django_filters.ChoiceFilter(label=_("Decision role"), choices=DecisionRole.choices)
    is_primary = django_filters.BooleanFilter(label=_("Primary contact"))
    mobile = django_filters.CharFilter(label=_("Mobile (exact)"), method="filter_mobile")

    search_fields = ("name", "title", "customer__name")

    class Meta:
        model = Contact
        fields: list[str] = []

    def limit_choices(self) -> None:
        if self.user is not None:
            self.filters["customer"].queryset = Customer.objects.visible_to(self.user, Action.VIEW)

    @property
    def form(self):
        form = super().form
        remote_picker(form.fields["customer"], reverse("workspace:picker", args=["customers"]))
        return form

    def filter_mobile(self, queryset, name, value):
        from opensales.core.crypto import blind_index

        value = (value or "").strip()
        return queryset.filter(mobile_index=blind_index(value)) if value else queryset


def _contact_mobile(record: Contact) -> str:
    if getattr(record, "_unmasked", False):
        return record.mobile
    return mask_value("phone", record.mobile) if record.mobile else ""


def _contact_email(record: Contact) -> str:
    if getattr(record, "_unmasked", False):
        return record.email
    return mask_value("email", record.email) if record.email else ""


@register
class ContactView(ModelView):
    model = Contact
    key = "contacts"
    namespace, name = "customers", "contact"
    icon = "ti-address-book"
    filterset_class = ContactFilter
    select_related = ("customer",)
    default_sort = "name"
    bulk_actions = (bulk.DELETE,)
    form_class = ContactForm
    columns = (
        Column("name", _("Name"), sort="name", required=True),
        Column("customer", _("Customer"), value="customer.name", sort="customer__name"),
        Column("title", _("Title"), sort="title", css="d-none d-md-table-cell"),
        Column(
            "decision_role",
            _("Decision role"),
            value="get_decision_role_display",
            sort="decision_role",
            css="d-none d-md-table-cell",
        ),
        Column("mobile", _("Mobile"), value=_contact_mobile, needs=("mobile",), css="text-nowrap"),
        Column("email", _("E-mail"), value=_contact_email, needs=("email",), default=False),
        Column("department", _("Department"), sort="department", default=False),
        Column("primary", _("Primary contact"), value="is_primary", sort="is_primary", default=False),
        Column("created", _("Created"), value="created_at", sort="created_at", default=False),
    )

    @classmethod
    def prepare_rows(cls, records, user=None):
        records = super().prepare_rows(records, user)
        unmask = _may_unmask(user, Contact)
        for record in records:
            record._unmasked = unmask
        return records

    @classmethod
    def initial(cls, request: Any, record: Any) -> dict[str, Any]:
        customer = request.GET.get("customer", "")
        return {"customer": int(customer)} if customer.isdigit() else {}

    @classmethod
    def get_form(cls, request: Any, record: Contact | None, data: Any = None) -> Any:
        initial = cls.initial(request, record) if record is None else None
        return ContactForm(data, instance=record, initial=initial, user=request.user)

    @classmethod
    def picker_queryset(cls, user: Any, params: Any):
        qs = super().picker_queryset(user, params)
        customer = params.get("customer", "")
        return qs.filter(customer_id=int(customer)) if customer.isdigit() else qs

    @classmethod
    def create(cls, actor: Any, data: dict[str, Any]) -> Contact:
        fields = dict(data)
        customer = fields.pop("customer")
        return services.contact_create(actor=actor, customer=customer, **fields)

    @classmethod
    def update(cls, actor: Any, record: Contact, data: dict[str, Any], version: int | None) -> Contact:
        form_fields = dict(data)
        if not can(actor, Action.UNMASK, record):
            for name in ("mobile", "email"):
                if not form_fields.get(name):
                    form_fields.pop(name, None)
        return services.contact_update(actor=actor, contact=record, expected_version=version, **form_fields)

    @classmethod
    def current_values(cls, record: Contact, form: Any) -> dict[str, Any]:
        values = super().current_values(record, form)
        values.pop("mobile", None)
        values.pop("email", None)
        return values


class ContactDetailView(ObjectDetailView):
    template_name = "customers/contact_detail.html"

    def extra_context(self, record: Contact) -> dict[str, Any]:
        user = self.request.user
        may_unmask = has_action(user, Contact, Action.UNMASK) and can(user, Action.UNMASK, record)
        revealed = getattr(self, "revealed", {})
        # Masked on the page for everyone; who may unmask reveals one value at a time (audited).
        sensitive = [
            {
                "field": name,
                "label": label,
                "masked": mask_value(kind, getattr(record, name)) if getattr(record, name) else "",
                "revealed": revealed.get(name),
            }
            for name, label, kind in (("mobile", _("Mobile"), "phone"), ("email", _("E-mail"), "email"))
            if getattr(record, name)
        ]
        return {
            "contact": record,
            "sensitive": sensitive,
            "may_unmask": may_unmask,
            "may_export": has_action(user, Contact, Action.EXPORT),
            "reports": list(Contact.objects.visible_to(user, Action.VIEW).filter(reports_to=record)),
        }


ContactView.detail_view_class = ContactDetailView
