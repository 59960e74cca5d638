from django import forms
from django.utils.translation import gettext_lazy as _

from opensales.core.forms import StyledFormMixin

from .models import AuditEvent


class AuditFilterForm(StyledFormMixin, forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, help_text=_("User name"))
    action = forms.CharField(label=_("Action"), required=False, help_text=_("e.g. employee or auth.login"))
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("All")), *AuditEvent.Outcome.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All")), *[(t, t) for t in object_types]]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
