"""Record pickers render only the chosen options, whatever the size of the queryset behind them, and
still validate a posted value against the whole queryset."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensales.core.forms import RemoteSelect, RemoteSelectMultiple, StyledFormMixin, remote_picker

pytestmark = pytest.mark.django_db
URL = "/w/pick/users/"


class PickForm(StyledFormMixin, forms.Form):
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="All")
    people = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.order_by("username")
        self.fields["owner"].queryset = users
        self.fields["people"].queryset = users
        remote_picker(self.fields["owner"], URL)
        remote_picker(self.fields["people"], URL)


def test_nothing_chosen_renders_the_empty_option_only_without_a_query(cast):
    form = PickForm()
    with CaptureQueriesContext(connection) as ctx:
        html = str(form["owner"]) + str(form["people"])
    assert len(ctx.captured_queries) == 0
    assert html.count("<option") == 1  # "All"
    assert 'data-url="/w/pick/users/"' in html and 'data-picker="1"' in html
    assert "form-select" in html  # the styled class survived the widget swap
    assert isinstance(form.fields["owner"].widget, RemoteSelect)
    assert isinstance(form.fields["people"].widget, RemoteSelectMultiple)


def test_chosen_values_render_with_one_query_each_field(cast):
    rep, manager = cast["rep_sh1"], cast["manager_east"]
    form = PickForm(initial={"owner": rep.pk, "people": [rep.pk, manager.pk]})
    with CaptureQueriesContext(connection) as ctx:
        owner_html, people_html = str(form["owner"]), str(form["people"])
    assert len(ctx.captured_queries) == 2
    assert owner_html.count("<option") == 2 and "selected" in owner_html
    assert people_html.count("<option") == 2 and people_html.count("selected") == 2


def test_validation_still_uses_the_whole_queryset(cast):
    assert PickForm({"owner": str(cast["director"].pk)}).is_valid()
    form = PickForm({"owner": "999999"})
    assert not form.is_valid() and "owner" in form.errors
    # A value that is not even a key renders as nothing chosen, never as an error page.
    html = str(PickForm({"owner": "abc"})["owner"])
    assert html.count("<option") == 1
