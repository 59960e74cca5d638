"""The notification settings form: one "also by e-mail" switch per kind."""

from __future__ import annotations

from django import forms

from opensales.core.forms import StyledFormMixin

from .kinds import all_kinds


class PreferencesForm(StyledFormMixin, forms.Form):
    def __init__(self, *args, initial_email: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for info in all_kinds():
            self.fields[f"email_{info.code}"] = forms.BooleanField(
                label=info.label, required=False, initial=initial_email.get(info.code, info.email)
            )
        # The mixin styled the fields before they existed.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-check-input")

    def rows(self):
        """(kind info, bound field) per kind, for the table of the settings page."""
        return [(info, self[f"email_{info.code}"]) for info in all_kinds()]

    def email_choices(self) -> dict[str, bool]:
        return {info.code: bool(self.cleaned_data[f"email_{info.code}"]) for info in all_kinds()}
