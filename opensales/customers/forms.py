"""Create/edit forms of customers and contacts (pages and the generic API use the same forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opensales.core.actions import Action
from opensales.core.forms import StyledFormMixin, remote_picker
from opensales.core.scope import can, grants_for, reach_people

from . import dedupe, regions
from .models import Contact, Customer
from .validators import validate_credit_code

User = get_user_model()


def _reach(user: Any, action: str):
    if user.is_superuser:
        from opensales.core.scope import Reach

        return Reach(all=True, own=True)
    return grants_for(user).reach("customers.customer", action)


def owner_choices(user: Any, action: str, include: Any = None):
    """The people a customer may be given to by `user`: those whose customers stay in the user's reach."""
    reach = _reach(user, action)
    if reach is None:
        return User.objects.none()
    q = Q(pk=user.pk)
    if reach.all:
        q = Q(is_active=True)
    else:
        q |= Q(pk__in=reach_people(user, reach))
    if include is not None:
        q |= Q(pk=include.pk)
    return User.objects.filter(q).order_by("username")


class DuplicateCheckMixin:
    """Likely duplicates stop the save until the user confirms (`confirm_duplicates`); they are kept
    on `form.duplicates` as [{"customer", "visible", "reasons"}] for the page (never more than the
    name and owner of a customer the user may not see)."""

    duplicates: list[dict[str, Any]]

    def check_duplicates(self, cleaned: dict[str, Any], record: Customer | None) -> None:
        self.duplicates = []
        keys = ("name", "credit_code", "phone", "email")
        values = {k: cleaned.get(k) or "" for k in keys}
        if record is not None and all((values[k] or "") == (getattr(record, k) or "") for k in keys):
            return  # nothing the check looks at changed
        found = dedupe.find_duplicates(**values, exclude_pk=record.pk if record else None)
        if not found:
            return
        self.duplicates = describe_duplicates(self.user, found, values)
        if not cleaned.get("confirm_duplicates"):
            raise ValidationError(
                _(
                    "This customer may already exist (see the likely duplicates). Save anyway, or ask the owner to add you."
                ),
                code="duplicate",
            )


def describe_duplicates(user: Any, found: list[Customer], values: dict[str, str]) -> list[dict[str, Any]]:
    visible = set(
        Customer.objects.visible_to(user, Action.VIEW)
        .filter(pk__in=[c.pk for c in found])
        .values_list("pk", flat=True)
    )
    return [
        {
            "customer": c,
            "visible": c.pk in visible,
            "owner_name": (c.owner.get_full_name() or c.owner.username) if c.owner else "",
            "reasons": dedupe.match_reasons(c, **values),
        }
        for c in found
    ]


DEFAULTED = ("kind", "lifecycle", "credit_limit", "payment_terms_days")


class RegionPickerMixin:
    """The cascading region picker (province → city → district selects fed by
    customers:regions and customers/customers.js) on a form with a `region` code field.

    A browser posts the three selects; an API client may send `region` as a code (310115) or a name
    (上海市浦东新区). `clean_region_code()` answers the six-digit code or "" (errors added to the form)."""

    REGION_LEVELS = ("region_province", "region_city", "region_district")

    def setup_region_picker(self, code: str) -> None:
        province, city, district = regions.parts(code)
        if self.is_bound and "region_province" in self.data:
            province = self.data.get("region_province", "")
            city = self.data.get("region_city", "")
            district = self.data.get("region_district", "")
        url = reverse("customers:regions")
        for name, parent, value in (
            ("region_province", "", province),
            ("region_city", province, city),
            ("region_district", city, district),
        ):
            choices = regions.children(parent) if (parent or name == "region_province") else []
            field = self.fields[name]
            field.widget.choices = [("", "—"), *choices]
            field.widget.attrs.update({"data-region-level": name.split("_")[1], "data-url": url})
            field.initial = value

    def clean_region_code(self, cleaned: dict[str, Any]) -> str:
        picked = "region_province" in self.data
        if picked:
            code = (
                cleaned.get("region_district")
                or cleaned.get("region_city")
                or cleaned.get("region_province")
                or ""
            )
        else:
            text = (cleaned.get("region") or "").strip()
            code = regions.find_region(text) if text else ""
            if text and not code:
                self.add_error(
                    "region",
                    _("No region “%(value)s”: give its code (310115) or its name (上海市浦东新区).")
                    % {"value": text},
                )
                return ""
        if code and len(code) in (2, 4):
            code = regions.six(code)
        try:
            regions.validate_region(code)
        except ValidationError as exc:
            self.add_error("region_province" if picked else "region", exc)
            return ""
        return code


class CustomerForm(RegionPickerMixin, DuplicateCheckMixin, StyledFormMixin, forms.ModelForm):
    region = forms.CharField(label=_("Region"), required=False, max_length=100, widget=forms.HiddenInput)
    region_province = forms.CharField(label=_("Province"), required=False, widget=forms.Select)
    region_city = forms.CharField(label=_("City"), required=False, widget=forms.Select)
    region_district = forms.CharField(label=_("District"), required=False, widget=forms.Select)
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=None, required=False)
    confirm_duplicates = forms.BooleanField(label=_("Save even if it looks like a duplicate"), required=False)

    class Meta:
        model = Customer
        fields = [
            "kind",
            "name",
            "short_name",
            "credit_code",
            "industry",
            "scale",
            "source",
            "region",
            "address",
            "phone",
            "email",
            "website",
            "grade",
            "lifecycle",
            "is_key_account",
            "parent",
            "owner",
            "credit_limit",
            "payment_terms_days",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    field_order = [
        "kind",
        "name",
        "short_name",
        "credit_code",
        "industry",
        "scale",
        "source",
        "region_province",
        "region_city",
        "region_district",
        "address",
        "phone",
        "email",
        "website",
        "grade",
        "lifecycle",
        "is_key_account",
        "owner",
        "parent",
        "tags",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from opensales.workspace.models import Tag

        self.user = user
        record = self.instance if self.instance.pk else None
        self.fields["tags"].queryset = Tag.objects.order_by("name")
        self.fields["tags"].widget.attrs.update(
            {"data-picker": "tags", "data-url": reverse("workspace:tag_picker")}
        )
        if record is not None and not self.is_bound:
            from opensales.workspace.tags import tags_of

            self.initial["tags"] = [t.pk for t in tags_of(record)]
        action = Action.CHANGE if record else Action.ADD
        reach = _reach(user, action)
        if reach is not None and (reach.all or reach.department_ids or reach.subtree_paths):
            owner = self.fields["owner"]
            owner.queryset = owner_choices(user, action, include=record.owner if record else None)
            owner.required = False
            owner.help_text = _("Empty: yourself.") if record is None else ""
            remote_picker(owner, reverse("workspace:user_picker"))
        else:
            self.fields.pop("owner")  # a rep's customers are their own
        parent = self.fields["parent"]
        parent.queryset = Customer.objects.visible_to(user, Action.VIEW).exclude(
            pk=getattr(record, "pk", None)
        )
        remote_picker(parent, reverse("workspace:picker", args=["customers"]))
        # The cascading region picker (province → city → district), fed by customers:regions.
        self.setup_region_picker(
            self.data.get("region", "") if self.is_bound else (record.region if record else "")
        )
        self.fields["credit_code"].widget.attrs["maxlength"] = 18
        # Fields with a model default may be left out (the API): the default applies.
        for name in DEFAULTED:
            self.fields[name].required = False
        self.fields["name"].widget.attrs.update(
            {
                "hx-get": reverse("customers:customer_duplicates"),
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#duplicates",
                "hx-swap": "innerHTML",
                "hx-include": "#id_credit_code, #id_phone, #id_email, [name=record_pk]",
            }
        )
        self.record = record

    def clean_credit_code(self) -> str:
        value = (self.cleaned_data.get("credit_code") or "").strip().upper()
        if value:
            validate_credit_code(value)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in DEFAULTED:
            if cleaned.get(name) in (None, ""):
                cleaned[name] = Customer._meta.get_field(name).get_default()
        if "region_province" in self.data:
            code = (
                cleaned.get("region_district")
                or cleaned.get("region_city")
                or cleaned.get("region_province")
                or ""
            )
        else:
            code = (cleaned.get("region") or "").strip()
            if code and not code.isdigit():
                code = regions.find_region(code) or code
        if code and len(code) in (2, 4):
            code = regions.six(code)
        try:
            regions.validate_region(code)
        except ValidationError as exc:
            self.add_error("region_province" if "region_province" in self.data else "region", exc)
        cleaned["region"] = code
        if not self.errors:
            self.check_duplicates(cleaned, self.record)
        return cleaned

    def _post_clean(self) -> None:
        # The services validate the model; the form only fills the fields.
        pass

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("region_province", "region_city", "region_district", "confirm_duplicates"):
            data.pop(name, None)
        return data


class ContactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "customer",
            "name",
            "gender",
            "title",
            "department",
            "decision_role",
            "mobile",
            "email",
            "phone",
            "wechat",
            "birthday",
            "is_primary",
            "reports_to",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "mobile": forms.TextInput,
            "email": forms.EmailInput,
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        record = self.instance if self.instance.pk else None
        self.record = record
        customer = self.fields["customer"]
        customer.queryset = Customer.objects.visible_to(user, Action.CHANGE)
        remote_picker(customer, reverse("workspace:picker", args=["customers"]))
        boss = self.fields["reports_to"]
        boss.queryset = Contact.objects.visible_to(user, Action.VIEW)
        if record is not None:
            boss.queryset = boss.queryset.filter(customer_id=record.customer_id).exclude(pk=record.pk)
        remote_picker(boss, reverse("workspace:picker", args=["contacts"]))
        boss.widget.attrs["data-depends-on"] = "customer"
        self.fields["mobile"].max_length = 32
        self.fields["email"].max_length = 254
        self.may_unmask = record is None or can(user, Action.UNMASK, record)
        if record is not None and not self.may_unmask:
            # Masked values are never shown back; leaving them empty keeps them.
            for name in ("mobile", "email"):
                self.initial[name] = ""
                self.fields[name].help_text = _("Leave empty to keep the current value.")

    def clean_email(self) -> str:
        value = (self.cleaned_data.get("email") or "").strip()
        if value:
            forms.EmailField().clean(value)
        return value

    def _post_clean(self) -> None:
        pass

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.record is not None and not self.may_unmask:
            for name in ("mobile", "email"):
                if not data.get(name):
                    data.pop(name, None)
        return data
