"""Forms of the leads pages: the lead form, invalidation, conversion, assignment rules, the web form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opensales.core.actions import Action
from opensales.core.forms import StyledFormMixin, remote_picker
from opensales.core.scope import has_action
from opensales.customers.forms import RegionPickerMixin

from .models import AssignmentRule, Lead


def source_choices() -> list[tuple[str, Any]]:
    from opensales.customers.models import Source

    return [("", "—"), *Source.choices]


def industry_choices() -> list[tuple[str, Any]]:
    from opensales.customers.models import Industry

    return [("", "—"), *Industry.choices]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name()


class LeadForm(RegionPickerMixin, StyledFormMixin, forms.ModelForm):
    source = forms.ChoiceField(label=_("Source"), choices=source_choices, required=False)
    industry = forms.ChoiceField(label=_("Industry"), choices=industry_choices, required=False)
    owner = OwnerChoiceField(
        label=_("Owner"), queryset=None, required=False, empty_label=_("By the assignment rules")
    )
    region = forms.CharField(label=_("Region"), max_length=60, required=False, widget=forms.HiddenInput)
    region_province = forms.CharField(label=_("Province"), required=False, widget=forms.Select)
    region_city = forms.CharField(label=_("City"), required=False, widget=forms.Select)
    region_district = forms.CharField(label=_("District"), required=False, widget=forms.Select)

    class Meta:
        model = Lead
        fields = [
            "company",
            "contact_name",
            "title",
            "phone",
            "email",
            "source",
            "region",
            "industry",
            "score",
            "owner",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    field_order = [
        "company",
        "contact_name",
        "title",
        "phone",
        "email",
        "source",
        "region_province",
        "region_city",
        "region_district",
        "industry",
        "score",
        "owner",
        "notes",
    ]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["phone"].required = False
        # The encrypted fields' form fields carry no label of their own.
        self.fields["phone"].label = _("Phone")
        self.fields["email"].label = _("E-mail")
        self.fields["score"].required = False
        self.fields["score"].widget.attrs.update({"min": "0", "max": "100"})
        self.fields["email"].required = False
        code = self.data.get("region", "") if self.is_bound else (self.instance.region or "")
        self.setup_region_picker(code)
        if user is not None and has_action(user, Lead, Action.ASSIGN):
            from opensales.bulk.actions import assignable_users

            self.fields["owner"].queryset = assignable_users(user)
            remote_picker(self.fields["owner"], reverse("workspace:user_picker"))
            if self.instance.pk is None:
                self.initial.setdefault("owner", user.pk)
                self.fields["owner"].help_text = _(
                    "Empty: the assignment rules place the lead, as a web-form lead (else it is yours)."
                )
        else:
            del self.fields["owner"]

    def clean_score(self) -> int:
        value = self.cleaned_data.get("score")
        if value is None:
            return 0
        if value > 100:
            raise forms.ValidationError(_("A score is a whole number from 0 to 100."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["region"] = self.clean_region_code(cleaned)
        for name in self.REGION_LEVELS:
            cleaned.pop(name, None)
        return cleaned

    def clean_email(self) -> str:
        value = (self.cleaned_data.get("email") or "").strip()
        if value:
            forms.EmailField().clean(value)
        return value


class InvalidateForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is the lead invalid?"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. wrong number, a competitor, no need")}),
    )


class CustomerSelect(forms.Select):
    """A picker that renders only the chosen option (Tom Select loads the rest from the server)."""

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        chosen = {str(v) for v in value if v}
        out = []
        for group in groups:
            options = [o for o in group[1] if o["value"] == "" or str(o["value"]) in chosen]
            if options:
                out.append((group[0], options, group[2]))
        return out


class ConvertForm(StyledFormMixin, forms.Form):
    customer_choice = forms.ChoiceField(label=_("Customer"), widget=forms.RadioSelect)
    existing = forms.ModelChoiceField(
        label=_("Another existing customer"), queryset=None, required=False, widget=CustomerSelect
    )
    create_contact = forms.BooleanField(label=_("Add the person as a contact"), required=False, initial=True)
    create_opportunity = forms.BooleanField(label=_("Create an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount (CNY)"), max_digits=14, decimal_places=2, required=False, min_value=0
    )

    def __init__(self, *args: Any, user: Any, lead: Lead, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.urls import NoReverseMatch, reverse

        from opensales.customers.models import Customer

        visible = Customer.objects.visible_to(user, Action.VIEW)
        self.fields["existing"].queryset = visible
        try:
            picker_url = reverse("workspace:picker", args=["customers"])
            from opensales.workspace.registry import get_view

            get_view("customers")
        except (NoReverseMatch, LookupError):
            picker_url = ""
        if picker_url:
            self.fields["existing"].widget.attrs.update({"data-picker": "1", "data-url": picker_url})
        visible_ids = set(visible.filter(pk__in=[c.pk for c in candidates]).values_list("pk", flat=True))
        self.candidates = [(c, c.pk in visible_ids) for c in candidates]
        choices = [("new", _("Create a new customer"))]
        choices += [(str(c.pk), str(c)) for c, ok in self.candidates if ok]
        choices.append(("other", _("Another existing customer")))
        self.fields["customer_choice"].choices = choices
        self.fields["customer_choice"].widget.attrs["class"] = "form-check-input"
        for name in ("create_contact", "create_opportunity"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.initial.setdefault("customer_choice", "new")
        self.initial.setdefault("opportunity_name", lead.company or lead.contact_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("customer_choice")
        if choice == "other" and not data.get("existing"):
            self.add_error("existing", _("Choose the customer."))
        if data.get("create_opportunity") and not (data.get("opportunity_name") or "").strip():
            self.add_error("opportunity_name", _("Name the opportunity."))
        return data

    def chosen_customer(self) -> Any:
        choice = self.cleaned_data["customer_choice"]
        if choice == "new":
            return None
        if choice == "other":
            return self.cleaned_data["existing"]
        return self.fields["existing"].queryset.get(pk=int(choice))


class RuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["name", "department", "region_prefix", "cap_per_rep", "sort_order", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from opensales.org.models import Department

        departments = self.fields["department"]
        departments.queryset = Department.objects.unscoped(reason="assignment rule teams").filter(
            is_active=True
        )
        departments.label_from_instance = lambda d: "\u3000" * d.depth + d.name
        self.fields["region_prefix"].help_text = _(
            "31 = Shanghai, 44 = Guangdong, 4401 = Guangzhou; empty = any."
        )
        self.fields["cap_per_rep"].help_text = _("Empty = no limit.")


class WebLeadForm(StyledFormMixin, forms.Form):
    """The public form. `website` is a honeypot: people do not see it, robots fill it in."""

    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    notes = forms.CharField(
        label=_("How can we help?"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        digits = "".join(ch for ch in value if ch.isdigit())
        if value and not (6 <= len(digits) <= 20):
            raise forms.ValidationError(_("Enter a phone number we can call."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            not data.get("phone")
            and not data.get("email")
            and not self.errors.get("phone")
            and not self.errors.get("email")
        ):
            raise forms.ValidationError(_("Give a phone number or an e-mail address so that we can reply."))
        return data
