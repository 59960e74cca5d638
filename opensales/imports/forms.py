"""Forms of the import steps. They validate input only; services.py does the work."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opensales.core.forms import StyledFormMixin

from .models import ImportJob
from .reading import EXTENSIONS
from .registry import Importer

ACCEPT = ",".join(sorted(EXTENSIONS))


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK) or Excel (.xlsx, .xls). The first row holds the column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    mode = forms.ChoiceField(
        label=_("What to do with each row"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.CREATE,
        widget=forms.RadioSelect,
    )


class SheetForm(StyledFormMixin, forms.Form):
    sheet = forms.ChoiceField(label=_("Sheet"), widget=forms.RadioSelect)

    def __init__(self, *args, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(s, s) for s in sheets]


class MappingForm(StyledFormMixin, forms.Form):
    """One select per column of the file (`col-<n>`): the field it fills, or nothing."""

    mode = forms.ChoiceField(label=_("What to do with each row"), choices=ImportJob.Mode.choices)

    def __init__(self, *args, job: ImportJob, importer: type[Importer], **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["mode"].initial = job.mode
        choices = [("", _("— Do not import —"))] + [
            (f.name, f"{f.label}{' *' if f.required else ''}") for f in importer.fields
        ]
        self._headers: list[tuple[str, str]] = []
        for i, header in enumerate(job.headers):
            name = f"col-{i}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=job.mapping.get(header, "")
            )
            self.fields[name].widget.attrs.update({"class": "form-select", "data-header": header})
            self._headers.append((name, header))

    def header_fields(self) -> list[tuple[str, str]]:
        return self._headers

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[name] for name, header in self._headers if self.cleaned_data.get(name)
        }

    def field_for_header(self, header: str) -> str | None:
        return next((name for name, h in self._headers if h == header), None)
