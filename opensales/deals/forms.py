"""Forms of the opportunity pages: create/edit, product lines, competitors on the deal, stages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from opensales.core.actions import Action
from opensales.core.forms import StyledFormMixin, remote_picker

from .models import Competitor, ForecastCategory, Opportunity, Pipeline, Stage, Threat

User = get_user_model()


class OpportunityForm(StyledFormMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=200)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Leave empty to take the total of the product lines."),
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Leave empty to use the stage's default."),
    )
    expected_close = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=ForecastCategory.choices, initial=ForecastCategory.PIPELINE
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    contact = forms.ModelChoiceField(label=_("Main contact"), queryset=None, required=False)
    source = forms.CharField(label=_("Source"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, data=None, *, user: Any, instance: Opportunity | None = None, initial=None, **kw: Any):
        from django.urls import reverse

        from opensales.customers.models import Contact, Customer
        from opensales.org.views.common import visible_users

        from .services import default_pipeline

        self.instance = instance
        if instance is not None:
            initial = {
                "customer": instance.customer_id,
                "name": instance.name,
                "pipeline": instance.pipeline_id,
                "stage": instance.stage_id,
                "amount": instance.amount,
                "probability": instance.probability,
                "expected_close": instance.expected_close,
                "forecast_category": instance.forecast_category,
                "owner": instance.owner_id,
                "contact": instance.contact_id,
                "source": instance.source,
                "description": instance.description,
            }
        else:
            initial = {"pipeline": default_pipeline().pk, "owner": user.pk, **(initial or {})}
        super().__init__(data, initial=initial, **kw)
        self.user = user
        f = self.fields
        f["customer"].queryset = Customer.objects.visible_to(user, Action.VIEW)
        f["contact"].queryset = Contact.objects.visible_to(user, Action.VIEW)
        f["owner"].queryset = visible_users(user, include=instance.owner if instance else user)
        f["pipeline"].queryset = Pipeline.objects.filter(is_active=True) | Pipeline.objects.filter(
            pk=instance.pipeline_id if instance else None
        )
        f["stage"].queryset = Stage.objects.select_related("pipeline").order_by(
            "pipeline__sort_order", "sort_order"
        )
        f["stage"].label_from_instance = lambda s: f"{s.pipeline.name} · {s.name}"
        for name, url in (
            ("customer", reverse("workspace:picker", args=["customers"])),
            ("owner", reverse("workspace:user_picker")),
            ("contact", reverse("workspace:picker", args=["contacts"])),
        ):
            remote_picker(f[name], url)
        f["contact"].widget.attrs["data-depends-on"] = "customer"
        if instance is not None:
            # The stage moves through the stage path (move_stage), with its rules.
            del f["stage"]
            del f["pipeline"]

    def clean(self):
        data = super().clean()
        stage, pipeline = data.get("stage"), data.get("pipeline")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", _("The stage does not belong to the pipeline."))
        contact, customer = data.get("contact"), data.get("customer")
        if contact is not None and customer is not None and contact.customer_id != customer.pk:
            self.add_error("contact", _("The contact does not belong to this customer."))
        return data


class LineForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=None)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=2, min_value=0.01, initial=1
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    discount = forms.DecimalField(
        label=_("Discount (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
    )

    def __init__(
        self, *args: Any, user: Any = None, products: Any = None, choices: Any = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        field.queryset = products
        if choices is not None:
            field.choices = choices  # worked out once for the whole formset


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from django.db.models import Q

        from opensales.products.models import Product

        self.user = user
        super().__init__(*args, **kwargs)
        chosen = [row.get("product") for row in (self.initial or []) if row.get("product")]
        self.products = Product.objects.visible_to(user, Action.VIEW).filter(
            Q(is_active=True) | Q(pk__in=chosen)
        )
        self.choices = [("", "---------"), *((p.pk, str(p)) for p in self.products.order_by("code"))]

    def get_form_kwargs(self, index):
        return {"user": self.user, "products": self.products, "choices": self.choices}

    def lines(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("product")
        ]


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=1, can_delete=True)


class DealCompetitorForm(StyledFormMixin, forms.Form):
    competitor = forms.ModelChoiceField(label=_("Competitor"), queryset=None)
    their_offer = forms.DecimalField(
        label=_("Their offer"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    threat = forms.ChoiceField(label=_("Threat"), choices=Threat.choices, initial=Threat.MEDIUM)
    strengths = forms.CharField(label=_("Strengths"), max_length=300, required=False)
    weaknesses = forms.CharField(label=_("Weaknesses"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competitor"].queryset = Competitor.objects.visible_to(user, Action.VIEW)


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.all())
    version = forms.IntegerField()
    reason = forms.CharField(max_length=300, required=False)
    probability = forms.IntegerField(min_value=0, max_value=100, required=False)


class CompetitorForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["name", "website", "profile", "products", "strengths", "weaknesses"]
        widgets = {
            n: forms.Textarea(attrs={"rows": 3}) for n in ("profile", "products", "strengths", "weaknesses")
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def validate_unique(self) -> None:
        pass


class PipelineForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    is_default = forms.BooleanField(label=_("Default"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class StageForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    probability = forms.IntegerField(
        label=_("Default probability (%)"), min_value=0, max_value=100, initial=10
    )
    is_won = forms.BooleanField(label=_("Won stage"), required=False)
    is_lost = forms.BooleanField(label=_("Lost stage"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("is_won") and data.get("is_lost"):
            raise forms.ValidationError(_("A stage cannot be both won and lost."))
        return data
