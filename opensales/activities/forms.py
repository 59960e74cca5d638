"""Forms of follow-ups: log/edit, complete, check in. Pickers only offer records the user may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opensales.core.actions import Action
from opensales.core.forms import StyledFormMixin, remote_picker

from .models import FollowUpStatus, FollowUpType

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def picker_field(label, model_path: str, user: Any, *, required: bool = False) -> forms.ModelChoiceField:
    from opensales.workspace.registry import view_for

    model = apps.get_model(model_path)
    qs = model.objects.visible_to(user, Action.VIEW) if user is not None else model.objects.none()
    field = forms.ModelChoiceField(label=label, queryset=qs, required=required)
    view = view_for(model)  # every model with a picker has its generic pages
    return remote_picker(field, reverse("workspace:picker", args=[view.key]))


class FollowUpForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=FollowUpType.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(FollowUpStatus.DONE, FollowUpStatus.DONE.label), (FollowUpStatus.PLANNED, _("Planned"))],
        initial=FollowUpStatus.DONE,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    at = forms.DateTimeField(label=_("Time"), widget=datetime_input())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=1440, initial=30, required=False
    )
    content = forms.CharField(label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)
    next_follow_up_at = forms.DateTimeField(
        label=_("Next follow-up"),
        required=False,
        widget=datetime_input(),
        help_text=_("Schedules a planned follow-up with a reminder 15 minutes before."),
    )

    def __init__(self, data=None, *, instance=None, initial=None, user=None, **kwargs):
        super().__init__(data, initial=initial, **kwargs)
        self.instance = instance
        self.fields["customer"] = picker_field(_("Customer"), "customers.Customer", user)
        self.fields["contact"] = picker_field(_("Contact"), "customers.Contact", user)
        self.fields["contact"].widget.attrs["data-depends-on"] = "customer"
        self.fields["opportunity"] = picker_field(_("Opportunity"), "deals.Opportunity", user)
        self.fields["opportunity"].widget.attrs["data-depends-on"] = "customer"
        self.fields["lead"] = picker_field(_("Lead"), "leads.Lead", user)
        self.order_fields(
            [
                "kind",
                "status",
                "subject",
                "at",
                "duration_minutes",
                "customer",
                "contact",
                "opportunity",
                "lead",
                "content",
                "outcome",
                "next_follow_up_at",
            ]
        )
        for name in ("customer", "contact", "opportunity", "lead"):
            self.fields[name].widget.attrs["class"] = "form-select"
        if instance is not None:
            # The status moves by completing, not by editing.
            del self.fields["status"]
            for name in self.fields:
                if name in ("customer", "contact", "opportunity", "lead"):
                    self.initial.setdefault(name, getattr(instance, f"{name}_id"))
                else:
                    self.initial.setdefault(name, getattr(instance, name))


class CompleteForm(StyledFormMixin, forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)
    content = forms.CharField(label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_follow_up_at = forms.DateTimeField(
        label=_("Next follow-up"), required=False, widget=datetime_input()
    )


class CheckInForm(StyledFormMixin, forms.Form):
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=12, decimal_places=8, widget=forms.TextInput()
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=12, decimal_places=8, widget=forms.TextInput()
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    photo = forms.FileField(label=_("Photo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "readonly": "readonly"})
        self.fields["photo"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
