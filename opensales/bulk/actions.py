"""Ready-made bulk actions for workspace lists, and the forms asking for their parameters.

A model view offers them by listing them:

    from opensales.bulk import actions as bulk

    @register
    class CustomerView(ModelView):
        tags = True
        bulk_actions = (bulk.CHANGE_OWNER, bulk.ADD_TAGS, bulk.REMOVE_TAGS, bulk.ADD_COLLABORATORS, bulk.DELETE)

A model's own action is a `BulkAction` with `run(actor, queryset, params) -> int` (and a `form_class`,
ideally a `BulkParamsForm`, whose `cleaned_data` becomes `params`). docs/bulk-and-export.md.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opensales.core.actions import Action
from opensales.core.forms import StyledFormMixin, remote_picker
from opensales.core.models import Collaborator
from opensales.workspace.registry import BulkAction


def assignable_users(actor: Any):
    """Active users the actor may hand records to or share them with: those whose employee record the
    actor may see (the organization scope: a rep their department, a manager their subtree)."""
    from opensales.org.models import Employee

    User = get_user_model()
    employees = Employee.objects.visible_to(actor, Action.VIEW).values("user_id")
    return User.objects.filter(is_active=True, pk__in=employees).order_by("full_name", "username")


class BulkParamsForm(StyledFormMixin, forms.Form):
    """Base of the parameter forms: receives the acting user and the model view."""

    def __init__(self, *args: Any, user: Any = None, view: Any = None, **kwargs: Any) -> None:
        self.user = user
        self.view = view
        super().__init__(*args, **kwargs)

    def params(self) -> dict[str, Any]:
        """The parameters as JSON (stored on a background job, read back by `restore`)."""
        return {name: _jsonable(value) for name, value in self.cleaned_data.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple):
        return [_jsonable(v) for v in value]
    return value


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full != obj.username else full


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full != obj.username else full


class ChangeOwnerForm(BulkParamsForm):
    owner = UserChoiceField(label=_("New owner"), queryset=None, empty_label=_("Choose a person"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_users(self.user)
        remote_picker(self.fields["owner"], reverse("workspace:user_picker"))


TAG_SEPARATORS = re.compile(r"[,，;；、\n]+")


class TagNamesField(forms.CharField):
    """Tag names separated by commas (either width), semicolons or new lines; a list is accepted too."""

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        value = super().to_python(value)
        return [n for n in (" ".join(p.split()) for p in TAG_SEPARATORS.split(value or "")) if n]

    def validate(self, value: list[str]) -> None:
        if not value:
            raise ValidationError(_("Name at least one tag."), code="required")
        from opensales.workspace.tags import clean_tag_name

        for name in value:
            clean_tag_name(name)


class AddTagsForm(BulkParamsForm):
    tags = TagNamesField(label=_("Tags"), help_text=_("Separate tags with commas."), max_length=500)


class RemoveTagsForm(BulkParamsForm):
    tags = TagNamesField(label=_("Tags"), help_text=_("Separate tags with commas."), max_length=500)


class CollaboratorsForm(BulkParamsForm):
    users = UsersChoiceField(label=_("People"), queryset=None)
    level = forms.ChoiceField(label=_("Access"), choices=Collaborator.Level.choices, initial="read")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = assignable_users(self.user)
        remote_picker(self.fields["users"], reverse("workspace:user_picker"))


# The transfer of records needs ASSIGN where the model offers that action (so a role can let people
# edit records without letting them give them away); models registered without ASSIGN fall back to
# CHANGE (see `required_action`).
CHANGE_OWNER = BulkAction(
    "change_owner", _("Change owner"), action=Action.ASSIGN, icon="ti-user-share", form_class=ChangeOwnerForm
)
ADD_TAGS = BulkAction("add_tags", _("Add tags"), action=Action.CHANGE, icon="ti-tag", form_class=AddTagsForm)
REMOVE_TAGS = BulkAction(
    "remove_tags", _("Remove tags"), action=Action.CHANGE, icon="ti-tag-off", form_class=RemoveTagsForm
)
ADD_COLLABORATORS = BulkAction(
    "add_collaborators",
    _("Add collaborators"),
    action=Action.CHANGE,
    icon="ti-users-plus",
    form_class=CollaboratorsForm,
)
DELETE = BulkAction("delete", _("Delete"), action=Action.DELETE, icon="ti-trash", danger=True)

BUILT_IN = (CHANGE_OWNER, ADD_TAGS, REMOVE_TAGS, ADD_COLLABORATORS, DELETE)
BUILT_IN_KEYS = frozenset(a.key for a in BUILT_IN)
TAG_KEYS = frozenset({ADD_TAGS.key, REMOVE_TAGS.key})


def required_action(view: Any, bulk: BulkAction) -> str:
    """The permission every affected record needs: the action's own, except ASSIGN on a model that
    does not offer ASSIGN, which falls back to CHANGE."""
    if bulk.action == Action.ASSIGN and Action.ASSIGN not in view.scope_entry().actions:
        return Action.CHANGE
    return bulk.action


def owner_field(view: Any) -> str | None:
    """The model's owner foreign key (from the scope registry), if it can be bulk-changed."""
    name = view.scope_entry().owner_field
    if not name or "__" in name:
        return None
    field = view.model._meta.get_field(name)
    return name if isinstance(field, models.ForeignKey) and not field.one_to_one else None


def applicable(view: Any, bulk: BulkAction) -> bool:
    """Whether the action makes sense for the model at all (whoever asks)."""
    if bulk.key in TAG_KEYS:
        return bool(view.tags)
    if bulk.key == CHANGE_OWNER.key:
        return owner_field(view) is not None
    if bulk.key == DELETE.key:
        return bool(getattr(view, "deletable", True))
    return bulk.key in BUILT_IN_KEYS or bulk.run is not None


def find_action(view: Any, key: str) -> BulkAction | None:
    return next((a for a in view.bulk_actions if a.key == key and applicable(view, a)), None)


def available_actions(view: Any, user: Any) -> list[BulkAction]:
    """The view's bulk actions this user may use (the action is granted on the model at all)."""
    from opensales.core.scope import has_action

    return [
        a
        for a in view.bulk_actions
        if applicable(view, a) and has_action(user, view.model, required_action(view, a))
    ]


def make_form(view: Any, bulk: BulkAction, user: Any, data: Any = None, prefix: str | None = None):
    """The parameter form of an action (None when it asks for nothing)."""
    if bulk.form_class is None:
        return None
    kwargs: dict[str, Any] = {"prefix": prefix}
    if issubclass(bulk.form_class, BulkParamsForm):
        kwargs.update(user=user, view=view)
    return bulk.form_class(data, **kwargs)


def form_params(form: Any) -> dict[str, Any]:
    if form is None:
        return {}
    if isinstance(form, BulkParamsForm):
        return form.params()
    return {name: _jsonable(value) for name, value in form.cleaned_data.items()}
